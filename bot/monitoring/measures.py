"""What home monitoring measures: the code of each measure, its unit, its name, and the range a real reading falls in."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Measure:
    code: str
    name: str  # Chinese, as the patient and the doctor read it
    unit: str
    low: float  # a value outside [low, high] is a typing or device error, never stored
    high: float
    digits: int = 0  # decimals shown

    def plausible(self, value: float) -> bool:
        return self.low <= value <= self.high

    def show(self, value: float) -> str:
        return f"{value:.{self.digits}f}"


MEASURES: dict[str, Measure] = {m.code: m for m in (
    Measure("temperature", "体温", "℃", 30, 45, 1),
    Measure("spo2", "血氧饱和度", "%", 50, 100),
    Measure("heart_rate", "心率", "次/分", 20, 300),
    Measure("respiratory_rate", "呼吸频率", "次/分", 4, 150),
    Measure("sbp", "收缩压（高压）", "mmHg", 40, 300),
    Measure("dbp", "舒张压（低压）", "mmHg", 20, 200),
    Measure("glucose", "血糖", "mmol/L", 1, 40, 1),
)}

# Where a reading came from.
SOURCES = ("typed", "followup", "device", "doctor")


class ReadingError(ValueError):
    """A reading that cannot be stored (unknown measure, impossible value): a 4xx at the edges."""
