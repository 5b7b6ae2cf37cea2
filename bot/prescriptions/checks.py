"""The automatic prescription checks (处方前置审核): pure functions over the formulary, the lines a doctor
wrote and what the intake says of the patient. Each finding names its check, its line and says why,
in Chinese, for the doctor and the pharmacist.

A `block` finding stops the signature (a restricted medicine, a dose over the maximum, days over the
limit, a known allergy, a contraindicated interaction or pregnancy, a duplicate ingredient); a `warn`
finding must be acknowledged by the doctor and is shown to the pharmacist. The rules:
《处方管理办法》第十九条 (≤7 days; chronic longer), 《长期处方管理规范（试行）》2021 (≤4 weeks, stable
chronic disease up to 12 weeks), 《互联网诊疗监管细则（试行）》2022 (no restricted medicines online;
every prescription reviewed by a pharmacist; nobody reviews their own).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bot.prescriptions.formulary import Formulary, Medicine

BLOCK = "block"
WARN = "warn"
# code -> (times a day, how the patient reads it)
FREQUENCIES: dict[str, tuple[int, str]] = {
    "qd": (1, "每日1次"),
    "bid": (2, "每日2次"),
    "q12h": (2, "每12小时1次"),
    "tid": (3, "每日3次"),
    "qid": (4, "每日4次"),
    "qn": (1, "每晚睡前1次"),
    "prn": (4, "必要时服用，每日最多4次"),
}
ELDERLY_AGE = 65
CHILD_AGE = 12


@dataclass(frozen=True)
class Limits:
    normal_days: int = 7  # 《处方管理办法》第十九条
    chronic_days: int = 28  # 长期处方一般不超过4周
    long_days: int = 84  # 病情稳定者最长12周


@dataclass(frozen=True)
class Line:
    """One item as the doctor writes it: how much of the medicine's unit per time, how often, how many days."""

    code: str
    dose: float
    frequency: str
    days: int
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "dose": self.dose, "frequency": self.frequency, "days": self.days, "note": self.note}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Line":
        return cls(str(data["code"]), float(data["dose"]), str(data["frequency"]), int(data["days"]),
                   str(data.get("note") or ""))


@dataclass(frozen=True)
class PatientFacts:
    """What the checks know of the patient (from the intake, confirmed or corrected by the doctor)."""

    age_years: float | None = None
    weight_kg: float | None = None
    pregnant: bool = False
    lactating: bool = False
    allergies: frozenset[str] = frozenset()  # class or ingredient codes
    medications: frozenset[str] = frozenset()  # what the patient already takes, as codes

    def to_dict(self) -> dict[str, Any]:
        return {"age_years": self.age_years, "weight_kg": self.weight_kg, "pregnant": self.pregnant,
                "lactating": self.lactating, "allergies": sorted(self.allergies), "medications": sorted(self.medications)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PatientFacts":
        return cls(data.get("age_years"), data.get("weight_kg"), bool(data.get("pregnant")), bool(data.get("lactating")),
                   frozenset(data.get("allergies") or ()), frozenset(data.get("medications") or ()))


@dataclass(frozen=True)
class Finding:
    check: str
    severity: str  # block | warn
    message: str
    line: int | None = None  # index of the line it is about

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "severity": self.severity, "message": self.message, "line": self.line}


def times_a_day(frequency: str) -> int:
    return FREQUENCIES[frequency][0]


def daily_amount(medicine: Medicine, line: Line) -> float:
    """The day's amount in the medicine's dose unit (mg, μg, g, 单位)."""
    return line.dose * medicine.strength * times_a_day(line.frequency)


def packs_needed(medicine: Medicine, line: Line) -> int:
    """Whole packs that cover the days prescribed."""
    return max(1, math.ceil(round(line.dose * times_a_day(line.frequency) * line.days / medicine.pack_size, 6)))


def _amount(value: float, unit: str) -> str:
    return f"{value:g}{unit}"


# ---- one check per function ----------------------------------------------------------------------

def check_line_form(index: int, line: Line, medicine: Medicine | None) -> list[Finding]:
    if medicine is None:
        return [Finding("unknown", BLOCK, f"“{line.code}”不在本院线上处方目录中", index)]
    if line.frequency not in FREQUENCIES:
        return [Finding("frequency", BLOCK, f"{medicine.name}：用法频次“{line.frequency}”无法识别", index)]
    if line.dose <= 0 or line.days <= 0:
        return [Finding("dose", BLOCK, f"{medicine.name}：每次用量和天数必须大于0", index)]
    return []


def check_restricted(index: int, medicine: Medicine) -> list[Finding]:
    if medicine.restricted:
        return [Finding("restricted", BLOCK,
                        f"{medicine.name}属于{medicine.restricted}，不得在互联网诊疗中开具，请线下面诊", index)]
    return []


def check_dose(index: int, medicine: Medicine, line: Line, patient: PatientFacts) -> list[Finding]:
    """Over the maximum single or daily dose: by weight for a child when known, else the adult limit."""
    single = line.dose * medicine.strength
    daily = daily_amount(medicine, line)
    unit = medicine.dose_unit
    child = patient.age_years is not None and patient.age_years < CHILD_AGE
    max_single, max_daily, basis = medicine.max_single, medicine.max_daily, "成人"
    if child and patient.weight_kg and (medicine.child_max_single_per_kg or medicine.child_max_daily_per_kg):
        kg = patient.weight_kg
        if medicine.child_max_single_per_kg:
            max_single = min(max_single or math.inf, medicine.child_max_single_per_kg * kg)
        if medicine.child_max_daily_per_kg:
            max_daily = min(max_daily or math.inf, medicine.child_max_daily_per_kg * kg)
        basis = f"按体重{kg:g}kg"
    found = []
    if child and not patient.weight_kg and (medicine.child_max_single_per_kg or medicine.child_max_daily_per_kg):
        found.append(Finding("child_weight", WARN, f"{medicine.name}：儿童需按体重给药，请先确认体重", index))
    epsilon = 1e-9
    if max_single is not None and single > max_single + epsilon:
        found.append(Finding("dose_single", BLOCK, f"{medicine.name}：单次{_amount(single, unit)}，超过{basis}单次最大量"
                                                   f"{_amount(round(max_single, 2), unit)}", index))
    if max_daily is not None and daily > max_daily + epsilon:
        found.append(Finding("dose_daily", BLOCK, f"{medicine.name}：每日{_amount(daily, unit)}，超过{basis}每日最大量"
                                                  f"{_amount(round(max_daily, 2), unit)}", index))
    return found


def check_days(index: int, medicine: Medicine, line: Line, limits: Limits) -> list[Finding]:
    """≤7 days normally; a chronic medicine up to 4 weeks, with a warning up to 12; the medicine's own course."""
    if medicine.max_days is not None and line.days > medicine.max_days:
        return [Finding("days", BLOCK, f"{medicine.name}：{line.days}天，超过本品疗程上限{medicine.max_days}天", index)]
    if not medicine.chronic:
        if line.days > limits.normal_days:
            return [Finding("days", BLOCK, f"{medicine.name}：{line.days}天，非慢病用药一般不超过{limits.normal_days}天", index)]
        return []
    if line.days > limits.long_days:
        return [Finding("days", BLOCK, f"{medicine.name}：{line.days}天，长期处方最长不超过{limits.long_days}天", index)]
    if line.days > limits.chronic_days:
        return [Finding("days", WARN, f"{medicine.name}：{line.days}天，超过{limits.chronic_days}天，仅限病情稳定的慢病患者，"
                                      "请确认并在诊断中注明", index)]
    return []


def check_duplicates(formulary: Formulary, lines: list[tuple[int, Medicine]], patient: PatientFacts) -> list[Finding]:
    """The same ingredient in two products of this prescription (block), or in what the patient already takes (warn)."""
    found = []
    for a in range(len(lines)):
        for b in range(a + 1, len(lines)):
            (_, one), (j, two) = lines[a], lines[b]
            shared = sorted(set(one.ingredients) & set(two.ingredients))
            if shared:
                names = "、".join(formulary.name_of(s) for s in shared)
                found.append(Finding("duplicate", BLOCK, f"{one.name}与{two.name}含相同成分（{names}），重复用药易过量", j))
    for index, medicine in lines:
        taken = sorted(set(medicine.ingredients) & patient.medications)
        if taken:
            names = "、".join(formulary.name_of(s) for s in taken)
            found.append(Finding("duplicate", WARN, f"{medicine.name}：患者自述正在服用含{names}的药物，请确认是否停用原药", index))
    return found


def check_interactions(formulary: Formulary, lines: list[tuple[int, Medicine]], patient: PatientFacts) -> list[Finding]:
    """Interactions between items, and with what the patient already takes. The data may name a pair from
    either side (or both); each pair is one finding, the most severe the data gives."""
    rank = {"contraindicated": 0, "major": 1, "moderate": 2}
    level = {"contraindicated": "禁止合用", "major": "严重相互作用", "moderate": "相互作用"}
    best: dict[tuple[str, str], tuple[int, int, Medicine, str, Any]] = {}

    def consider(pair: tuple[str, str], index: int, medicine: Medicine, other: str, kinds: frozenset[str]) -> None:
        for interaction in medicine.interactions:
            if interaction.with_ in kinds and (pair not in best or rank[interaction.severity] < best[pair][0]):
                best[pair] = (rank[interaction.severity], index, medicine, other, interaction)

    for a, (i, one) in enumerate(lines):
        for j, two in lines[a + 1:]:
            pair = (one.code, two.code)
            consider(pair, j, one, two.name, two.kinds)
            consider(pair, j, two, one.name, one.kinds)
        if patient.medications:
            stated = "、".join(formulary.name_of(k) for k in sorted(patient.medications & _targets(one)))
            consider((one.code, "patient"), i, one, f"患者正在服用的{stated or '药物'}", patient.medications)
    found = []
    for _, index, medicine, other, interaction in sorted(best.values(), key=lambda b: (b[1], b[0])):
        severity = BLOCK if interaction.severity == "contraindicated" else WARN
        found.append(Finding("interaction", severity,
                             f"{medicine.name}与{other}：{level[interaction.severity]}。{interaction.note}", index))
    return found


def _targets(medicine: Medicine) -> frozenset[str]:
    return frozenset(i.with_ for i in medicine.interactions)


def check_age(index: int, medicine: Medicine, patient: PatientFacts) -> list[Finding]:
    if patient.age_years is None:
        return [Finding("age", WARN, f"{medicine.name}：未知患者年龄，请核对", index)]
    if medicine.min_age_years is not None and patient.age_years < medicine.min_age_years:
        return [Finding("age", BLOCK, f"{medicine.name}：适用于{medicine.min_age_years:g}岁及以上，患者{patient.age_years:g}岁", index)]
    if patient.age_years >= ELDERLY_AGE and medicine.elderly == "caution":
        return [Finding("age", WARN, f"{medicine.name}：老年患者慎用，注意剂量和肝肾功能", index)]
    return []


def check_pregnancy(index: int, medicine: Medicine, patient: PatientFacts) -> list[Finding]:
    found = []
    for applies, state, caution in ((patient.pregnant, "孕期", medicine.pregnancy),
                                    (patient.lactating, "哺乳期", medicine.lactation)):
        if not applies or caution == "ok":
            continue
        if caution == "avoid":
            found.append(Finding("pregnancy", BLOCK, f"{medicine.name}：{state}禁用或不推荐", index))
        else:
            found.append(Finding("pregnancy", WARN, f"{medicine.name}：{state}慎用，请权衡利弊并告知患者", index))
    return found


def check_allergy(formulary: Formulary, index: int, medicine: Medicine, patient: PatientFacts) -> list[Finding]:
    hit = sorted(patient.allergies & (set(medicine.allergy_classes) | medicine.kinds))
    if hit:
        names = "、".join(formulary.name_of(h) for h in hit)
        return [Finding("allergy", BLOCK, f"{medicine.name}：患者对{names}过敏", index)]
    return []


def check_prescription(formulary: Formulary, lines: list[Line], patient: PatientFacts,
                       limits: Limits = Limits()) -> list[Finding]:
    """Every check over a whole prescription, in the order the doctor reads them."""
    if not lines:
        return [Finding("empty", BLOCK, "处方中还没有药品")]
    found: list[Finding] = []
    known: list[tuple[int, Medicine]] = []
    for index, line in enumerate(lines):
        medicine = formulary.get(line.code)
        form = check_line_form(index, line, medicine)
        found.extend(form)
        if form or medicine is None:
            continue
        known.append((index, medicine))
        found.extend(check_restricted(index, medicine))
        found.extend(check_dose(index, medicine, line, patient))
        found.extend(check_days(index, medicine, line, limits))
        found.extend(check_age(index, medicine, patient))
        found.extend(check_pregnancy(index, medicine, patient))
        found.extend(check_allergy(formulary, index, medicine, patient))
    found.extend(check_duplicates(formulary, known, patient))
    found.extend(check_interactions(formulary, known, patient))
    return found


def blocking(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == BLOCK]


def review_refusal(reviewer_id: int, reviewer_role: str, prescriber_id: int) -> str | None:
    """Why this person may not review this prescription, or None: only pharmacists, never their own."""
    if reviewer_role != "pharmacist":
        return "只有药师可以审核处方"
    if reviewer_id == prescriber_id:
        return "不能审核自己开具的处方"
    return None
