"""Choosing and rendering the home-care guidance that fits one patient's slots."""
from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Any

from bot.state import get_slot
from actions.guidance.content import Entry, GuidanceContent

# A fever for the guidance: reported, or measured at 37.3 ℃ or more (the usual Chinese threshold).
FEVER_THRESHOLD_C = 37.3
# Adult doses on the labels apply from 12 years.
ADULT_DOSING_AGE_YEARS = 12
# Age groups the guidance is written for (fact `age_group`): infant under 1 year, child under 12 (the
# labels' adult doses), adult, elderly from 65 (the age 《新型冠状病毒感染诊疗方案（试行第十版）》 counts
# as a risk factor for severe illness).
INFANT_AGE_MONTHS = 12
ELDERLY_AGE_YEARS = 65
# Newcomer trial 12: complaints whose home care and red flags are their own (a sprain, a belly ache, a
# headache, urinary symptoms, a rash). Without a fever, a positive test or a breathing symptom they get
# neither the fever/oxygen monitoring nor the breathing-and-fever red flags (fact `complaint_specific`).
SPECIFIC_COMPLAINTS = ("injury", "abdominal", "headache", "urinary", "rash_allergy")
RESPIRATORY_SYMPTOMS = ("cough", "sputum", "sore_throat", "hoarseness", "dyspnea", "runny_nose",
                        "nasal_congestion", "sneezing", "chest_tightness")


@dataclass(frozen=True)
class Guidance:
    """The entries chosen for a patient, and the facts their texts were filled from."""

    entries: tuple[Entry, ...]
    facts: dict[str, Any]

    @property
    def entry_ids(self) -> list[str]:
        return [e.id for e in self.entries]

    def only(self, group: str) -> "Guidance":
        """The same guidance limited to one group (e.g. the red flags)."""
        return Guidance(entries=tuple(e for e in self.entries if e.group == group), facts=self.facts)

    def messages(self, content: GuidanceContent, language: str) -> list[str]:
        """One text per group that has entries, in the content's group order: title, then entries."""
        texts: list[str] = []
        for group, titles in content.groups.items():
            lines = [_fill(e.text.get(language) or e.text["zh"], self.facts) for e in self.entries if e.group == group]
            if lines:
                texts.append("\n".join([titles.get(language) or titles["zh"], *lines]))
        return texts


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return ""


def _fill(template: str, facts: dict[str, Any]) -> str:
    return string.Formatter().vformat(template, (), _Blank({k: _display(v) for k, v in facts.items()}))


def _display(value: Any) -> Any:
    # 15.0 kg reads as "15"; 12.5 stays "12.5".
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def facts_for(content: GuidanceContent, slots: dict[str, Any], language: str = "zh") -> dict[str, Any]:
    """The slots plus the derived facts the content's conditions and texts use (see home_care.yml)."""
    facts: dict[str, Any] = dict(slots)
    temperature = _number(get_slot(slots, "temperature"))
    facts["has_fever"] = get_slot(slots, "symptoms.fever") is True or (
        temperature is not None and temperature >= FEVER_THRESHOLD_C
    )
    # Infants are asked their age in months (slot age_months), everyone else in years (age).
    age = _number(get_slot(slots, "age"))
    months = _number(get_slot(slots, "age_months"))
    if months is None and age is not None:
        months = round(age * 12, 1)
    facts["age_months"] = months
    facts["age_years"] = age if age is not None else (months / 12 if months is not None else None)
    subject = get_slot(slots, "subject")
    if months is not None:
        facts["is_child"] = months < ADULT_DOSING_AGE_YEARS * 12
        facts["is_infant"] = months < INFANT_AGE_MONTHS
    else:
        facts["is_child"] = subject in ("child", "infant")
        facts["is_infant"] = subject == "infant"
    weeks = _number(get_slot(slots, "pregnancy_weeks"))
    facts["is_pregnant"] = (get_slot(slots, "pregnant") is True or get_slot(slots, "conditions.pregnancy") is True
                            or (weeks is not None and weeks > 0 and get_slot(slots, "pregnant") is not False))
    # Session seven (fix11b): a pregnancy not yet known ("可能怀了 还没测") is treated as one for medicines.
    facts["maybe_pregnant"] = get_slot(slots, "pregnancy_possible") is True and get_slot(slots, "pregnant") is not False
    facts["is_elderly"] = not facts["is_child"] and age is not None and age >= ELDERLY_AGE_YEARS
    facts["age_group"] = ("infant" if facts["is_infant"] else "child" if facts["is_child"]
                          else "elderly" if facts["is_elderly"] else "adult")

    taken: dict[str, list[str]] = {}
    medications = get_slot(slots, "medications") or {}
    for code, product in content.products.items():
        if medications.get(code) is True:
            for marker in product.ingredients | product.classes:
                taken.setdefault(marker, []).append(product.name.get(language) or product.name["zh"])
    for marker in {m for p in content.products.values() for m in p.ingredients | p.classes}:
        facts[f"taking_{marker}"] = marker in taken
        facts[f"taking_{marker}_names"] = "、".join(taken.get(marker, []))

    respiratory = any(get_slot(slots, f"symptoms.{name}") is True for name in RESPIRATORY_SYMPTOMS)
    facts["respiratory_or_fever"] = (facts["has_fever"] or respiratory or get_slot(slots, "antigen_result") == "positive"
                                     or get_slot(slots, "chief_complaint") == "respiratory")
    facts["complaint_specific"] = (get_slot(slots, "chief_complaint") in SPECIFIC_COMPLAINTS
                                   and not facts["respiratory_or_fever"])

    weight = _number(get_slot(slots, "weight_kg"))
    # a weight answered 不清楚 is stored but is no number: no dose may be computed from it
    facts["weight_known"] = weight is not None and weight > 0
    for code, dosing in content.child_dosing.items():
        if weight is None:
            continue
        low, high = (min(round(weight * per_kg), dosing.max_single_mg) for per_kg in dosing.mg_per_kg)
        facts[f"{code}_min_mg"] = _display(float(low))
        facts[f"{code}_max_mg"] = _display(float(high))
    return facts


def select(content: GuidanceContent, slots: dict[str, Any], language: str = "zh") -> Guidance:
    """The entries whose conditions hold, never suggesting a product that repeats an ingredient.

    A suggestion is left out when the patient already takes something with the same ingredient
    or of the same class (one fever medicine at a time), or when an earlier suggestion had the
    same ingredient: nobody is told to take two acetaminophen-containing products.
    """
    facts = facts_for(content, slots, language)
    taken_markers = {m for m in facts if m.startswith("taking_") and facts[m] is True}
    taken = {m.removeprefix("taking_") for m in taken_markers}
    suggested: set[str] = set()
    chosen: list[Entry] = []
    for entry in content.entries:
        if not entry.when.evaluate(facts):
            continue
        if entry.recommends is not None:
            product = content.products[entry.recommends]
            if (product.ingredients | product.classes) & taken or product.ingredients & suggested:
                continue
            if product.avoid_in_pregnancy and (facts["is_pregnant"] or facts["maybe_pregnant"]):
                continue  # newcomer trial 6: no ibuprofen in pregnancy, whatever an entry's condition says
            suggested |= product.ingredients
        chosen.append(entry)
    return Guidance(entries=tuple(chosen), facts=facts)
