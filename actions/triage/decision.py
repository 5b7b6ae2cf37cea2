"""Deciding a triage level from a conversation's slots with a rule set: the one place that decides."""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from bot.flow_loader import UNKNOWN
from bot.state import get_slot

from actions.triage.ruleset import LEVELS, Modifier, Rule, Ruleset


@dataclass(frozen=True)
class Decision:
    """A triage decision: the level, every rule that fired, and the facts it was decided on."""

    level: str
    fired: tuple[Rule, ...]  # every rule whose evidence held, most urgent first
    deciding: tuple[Rule, ...]  # the fired rules at the level before modifiers
    raised_by: tuple[Modifier, ...]  # high-risk modifiers that raised the level (one step at most)
    ruleset: str
    facts: dict[str, Any]  # every known slot any rule reads, as the rules saw it

    @property
    def rule_ids(self) -> list[str]:
        return [r.id for r in self.fired] + [m.id for m in self.raised_by]

    def reasons(self, language: str = "zh") -> list[str]:
        """The patient-facing reasons for this level (lower-level rules that also fired are left out)."""
        found: list[str] = []
        for item in (*self.deciding, *self.raised_by):
            reason = item.reason_in(language)
            if reason not in found:
                found.append(reason)
        return found

    def to_contract(self, language: str = "zh") -> dict[str, Any]:
        """The `custom.triage` object of CONTRACTS.md §2."""
        return {"level": self.level, "reasons": self.reasons(language), "rules": self.rule_ids,
                "ruleset": self.ruleset}

    def to_event(self, language: str = "zh") -> dict[str, Any]:
        """The `triage` event: the contract object plus the facts and each fired rule's level."""
        return {
            **self.to_contract(language),
            "facts": self.facts,
            "fired": [{"id": r.id, "level": r.level} for r in self.fired],
        }


# Answers that stay `unknown` but are not warning signs: who the patient is and how long it has
# lasted. Every other unknown answer a rule reads (a symptom, a reading, "still above 38.5 ℃?",
# a suicide plan) is an unconfirmed red flag: the intake ends no lower than consult.
NOT_RED_FLAGS = frozenset({"age", "age_months", "sex", "subject", "vaccine_doses", "duration_hours",
                           "pregnancy_weeks", "weight_kg", "antigen_result", "has_oximeter", "can_count_breaths",
                           "pregnant", "wants_doctor", "phq2_interest", "phq2_mood", "gad2_nervous", "gad2_worry"})


UNKNOWN_POLICY_RULE = "intake.unknown_red_flag"


def unknown_red_flags(slots: dict[str, Any]) -> int:
    symptoms = slots.get("symptoms") if isinstance(slots.get("symptoms"), dict) else {}
    named = sum(1 for name, value in slots.items() if value == UNKNOWN and name not in NOT_RED_FLAGS)
    # No reading of the oxygen level ("家里没有血氧仪", "没测"): the breathing questions stand in for it
    # (round 2 of issue 10). Answered — not breathless, or breathless only on effort (resp.dyspnea) —
    # the unknown reading is not an unconfirmed red flag of its own.
    if slots.get("spo2") == UNKNOWN and (
            slots.get("breathing_severity") in ("none", "mild") or symptoms.get("dyspnea") is False):
        named -= 1
    # Round 3 of issue 10 (triage-criteria.md: only a red-flag question's unknown answer floors the
    # level): how bad a pain is, as a number, is no red flag of its own beyond a belly or chest pain
    # (a sprain's "不清楚" is not); nor is a temperature nobody measured ("没量") past the age of
    # three months (the criteria's temperature line is "infants under 3 months with fever ≥ 38 °C").
    if slots.get("pain_score") == UNKNOWN and not (
            symptoms.get("abdominal_pain") is True or symptoms.get("chest_pain") is True):
        named -= 1
    months = _months(slots)
    if months is not None and months >= 3:
        named -= sum(1 for name in ("temperature",) if slots.get(name) == UNKNOWN)
        named -= sum(1 for name in ("fever",) if symptoms.get(name) == UNKNOWN)
    # Round 8 of issue 10: the sore throat's combined question (drooling, cannot open the mouth, a muffled voice,
    # one side swollen — urgent signs, ent.severe_sore_throat) answered twice only by the sore throat itself
    # ("嗓子疼", "有，嗓子疼") names none of them. With the breathing answered (not breathless, or only on effort:
    # the emergency of a throat, asked on its own) the unknown is no unconfirmed red flag of its own — as the
    # oxygen reading above stands in for by the breathing questions. A sign named in words fills its own code.
    throat_unknown = symptoms.get("drooling") == UNKNOWN and symptoms.get("sore_throat") is True
    if throat_unknown and (slots.get("breathing_severity") in ("none", "mild") or symptoms.get("dyspnea") is False):
        named -= 1
    return named + sum(1 for value in symptoms.values() if value == UNKNOWN)


def _months(slots: dict[str, Any]) -> float | None:
    months, age = slots.get("age_months"), slots.get("age")
    if isinstance(months, int | float) and not isinstance(months, bool):
        return float(months)
    if isinstance(age, int | float) and not isinstance(age, bool):
        return float(age) * 12
    return None


def derive_facts(slots: dict[str, Any]) -> dict[str, Any]:
    """The slots, completed with what follows from them without asking (and only where missing)."""
    facts = dict(slots)
    age, months = facts.get("age"), facts.get("age_months")
    if months is None and isinstance(age, int | float) and not isinstance(age, bool):
        # Rounded so that "3个月" (0.25 years) is exactly 3 months, not 2.9999.
        facts["age_months"] = round(age * 12, 2)
    elif age is None and isinstance(months, int | float) and not isinstance(months, bool):
        facts["age"] = round(months / 12, 4)
    if unknown := unknown_red_flags(facts):
        facts["unknown_red_flags"] = unknown
    if facts.get("pregnant") is None:
        if get_slot(facts, "conditions.pregnancy") is True or facts.get("pregnancy_weeks") is not None:
            facts["pregnant"] = True
    return facts


# The safety screen decides on every message, and most messages change none of the facts the
# rules read (a greeting, a thank-you): a decision is a pure function of those facts, so the
# recent ones are remembered.
_RECENT: OrderedDict[tuple[Any, ...], "Decision"] = OrderedDict()
_RECENT_SIZE = 4096


@lru_cache(maxsize=16)
def _split(names: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """The slot names as (slot, key of a map slot or ""), split once per ruleset (get_slot splits on every read)."""
    return tuple((head, key) for head, _, key in (name.partition(".") for name in names))


def decide(ruleset: Ruleset, slots: dict[str, Any]) -> Decision:
    """The most urgent firing rule wins; then one step up for a high-risk patient with an infection."""
    facts = derive_facts(slots)
    values: list[Any] = []  # perf9: a plain loop (was a generator and a call for each of ~140 names)
    for head, key in _split(ruleset.sorted_names):
        value = facts.get(head)
        if key:
            value = value.get(key) if isinstance(value, dict) else None
        values.append(value)
    used = tuple(values)
    key = (ruleset.version, repr(used))
    decision = _RECENT.get(key)
    if decision is None:
        decision = _decide(ruleset, facts, used)
        _RECENT[key] = decision
        if len(_RECENT) > _RECENT_SIZE:
            _RECENT.popitem(last=False)
    else:
        _RECENT.move_to_end(key)
    return decision


def _decide(ruleset: Ruleset, facts: dict[str, Any], used: tuple[Any, ...]) -> Decision:
    fired = tuple(r for r in ruleset.rules if r.when.evaluate(facts))
    base = min((LEVELS.index(r.level) for r in fired), default=LEVELS.index("selfcare"))
    raised_by: tuple[Modifier, ...] = ()
    level = base
    deciding = tuple(r for r in fired if LEVELS.index(r.level) == base)
    # The floor for unanswered red flags is a policy, not a finding: a high-risk profile raises
    # findings, not the floor.
    policy_only = bool(deciding) and all(r.id == UNKNOWN_POLICY_RULE for r in deciding)
    if LEVELS[base] in ("consult", "selfcare") and not policy_only and ruleset.modifier_context.evaluate(facts):
        raised_by = tuple(m for m in ruleset.modifiers if m.when.evaluate(facts))
        if raised_by:
            level = base - 1
    return Decision(
        level=LEVELS[level],
        fired=fired,
        deciding=deciding,
        raised_by=raised_by,
        ruleset=ruleset.version,
        facts={name: value for name, value in zip(ruleset.sorted_names, used) if value is not None},
    )
