"""Thresholds: the defaults (thresholds.yml, with their sources) and a patient's own, and what a reading past one means."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlu.yaml_files import load_yaml

from bot.monitoring.measures import MEASURES

DEFAULTS_FILE = Path(__file__).with_name("thresholds.yml")
LEVELS = ("selfcare", "consult", "urgent", "emergency")  # least to most urgent
TREND_LENGTH = 3  # readings moving the worse way in a row raise the trend flag
ADULT_YEARS = 16  # `adult_only` limits (NEWS2, the adult hypertension guideline) hold from this age


def rank(level: str | None) -> int:
    return LEVELS.index(level) if level in LEVELS else -1


@dataclass(frozen=True)
class Limit:
    measure: str
    side: str  # low: a value at or below it; high: at or above it
    value: float
    level: str
    source: str = ""

    def breached_by(self, value: float) -> bool:
        return value <= self.value if self.side == "low" else value >= self.value

    def to_dict(self) -> dict[str, Any]:
        return {"measure": self.measure, "side": self.side, "value": self.value, "level": self.level}


@dataclass(frozen=True)
class Breach:
    """A reading past a limit."""

    measure: str
    value: float
    limit: Limit
    level: str
    persistent_hours: float | None = None

    @property
    def rule(self) -> str:
        return f"monitoring.{self.measure}.{'persistent' if self.persistent_hours else self.limit.side}"

    def reason(self) -> str:
        m = MEASURES[self.measure]
        value = f"{m.name} {m.show(self.value)}{m.unit}"
        if self.persistent_hours:
            return f"{value}，高于 {m.show(self.limit.value)}{m.unit} 已超过 {int(self.persistent_hours // 24)} 天"
        side = "低于或等于" if self.limit.side == "low" else "高于或等于"
        return f"{value}，{side}警戒值 {m.show(self.limit.value)}{m.unit}"

    def to_dict(self) -> dict[str, Any]:
        return {"measure": self.measure, "value": self.value, "level": self.level, "rule": self.rule,
                "limit": self.limit.to_dict(), "reason": self.reason()}


class Thresholds:
    """The default limits, each patient's overrides on top (`{"spo2": {"low": 88}}`)."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.limits: dict[tuple[str, str], Limit] = {}
        self.worse: dict[str, str] = {}
        self.persistent: dict[str, tuple[float, str]] = {}
        self.adult_only: set[tuple[str, str]] = set()
        # (measure, side) -> [(from months, below months, limit)]
        self.by_age: dict[tuple[str, str], list[tuple[float, float, Limit]]] = {}
        self.above_normal: dict[str, Limit] = {}  # no alert: "above the normal range" (blood pressure)
        for code, spec in (raw.get("measures") or {}).items():
            if code not in MEASURES:
                raise ValueError(f"thresholds: unknown measure {code!r}")
            self.worse[code] = str(spec.get("worse", ""))
            for side in ("low", "high"):
                if side in spec:
                    item = spec[side]
                    if item["level"] not in LEVELS:
                        raise ValueError(f"thresholds: {code}.{side} has an unknown level {item['level']!r}")
                    self.limits[(code, side)] = Limit(code, side, float(item["value"]), item["level"], str(item.get("source", "")))
                    if item.get("adult_only"):
                        self.adult_only.add((code, side))
                for band in (spec.get("by_age") or {}).get(side) or ():
                    default = self.limits.get((code, side))
                    level = str(band.get("level") or (default.level if default else ""))
                    if level not in LEVELS:
                        raise ValueError(f"thresholds: {code}.by_age.{side} has no level")
                    self.by_age.setdefault((code, side), []).append(
                        (float(band.get("from", 0)), float(band["below"]), Limit(code, side, float(band["value"]), level, str(band.get("source", "")))))
            if "above_normal" in spec:
                item = spec["above_normal"]
                self.above_normal[code] = Limit(code, "high", float(item["value"]), "selfcare", str(item.get("source", "")))
            if "persistent" in spec:
                self.persistent[code] = (float(spec["persistent"]["hours"]), str(spec["persistent"]["level"]))

    @classmethod
    def load(cls, path: Path = DEFAULTS_FILE) -> "Thresholds":
        return cls(load_yaml(path.read_text(encoding="utf-8")) or {})

    def for_patient(self, own: dict[str, Any] | None, age_years: float | None = None) -> dict[tuple[str, str], Limit]:
        """The limits that hold for one patient: those of their age (a child's breathing rate: 40 from 1 to 5
        years; a 3-year-old's heart rate from 143, systolic pressure at or below 73), then a doctor's value replaces the default of its side. Age unknown: the adult limits."""
        limits = dict(self.limits)
        if age_years is not None:
            months = age_years * 12
            if age_years < ADULT_YEARS:
                for key in self.adult_only:
                    limits.pop(key, None)
            for key, bands in self.by_age.items():
                band = next((limit for start, below, limit in bands if start <= months < below), None)
                if band is not None:
                    limits[key] = band
        for code, sides in (own or {}).items():
            for side, value in (sides or {}).items():
                default = self.limits.get((code, side))
                level = default.level if default else "urgent"
                limits[(code, side)] = Limit(code, side, float(value), level, "doctor")
        return limits

    def check(self, measure: str, value: float, limits: dict[tuple[str, str], Limit]) -> Breach | None:
        for side in ("low", "high"):
            limit = limits.get((measure, side))
            if limit is not None and limit.breached_by(value):
                return Breach(measure, value, limit, limit.level)
        return None

    def trend(self, measure: str, recent: list[float]) -> bool:
        """True when the newest TREND_LENGTH readings moved the worse way each time."""
        worse = self.worse.get(measure)
        values = recent[-TREND_LENGTH:]
        if not worse or len(values) < TREND_LENGTH:
            return False
        steps = list(zip(values, values[1:]))
        return all(b < a for a, b in steps) if worse == "down" else all(b > a for a, b in steps)


def validate_override(measure: str, side: str, value: Any) -> float:
    """A doctor's threshold: a known measure, low/high, a plausible number (ValueError otherwise)."""
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    if side not in ("low", "high"):
        raise ValueError("side must be low or high")
    if isinstance(value, bool) or not isinstance(value, int | float) or not MEASURES[measure].plausible(float(value)):
        raise ValueError(f"{measure} threshold must be a number within {MEASURES[measure].low}–{MEASURES[measure].high}")
    return float(value)
