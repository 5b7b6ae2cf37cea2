"""Properties of the decision over any facts: it never fails, and more symptoms never lower it."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from actions.triage.decision import decide
from actions.triage.ruleset import LEVELS, Ruleset
from tests.triage.conftest import declared_slots

with tempfile.TemporaryDirectory() as _tmp:
    SLOTS = declared_slots(Path(_tmp))
CODES = ["fever", "cough", "chest_pain", "dyspnea", "seizure", "suicidal_ideation", "abdominal_pain",
         "vaginal_bleeding", "refusal_to_feed", "drowsiness", "rash", "hives", "dizziness", "sweating"]
ANY_VALUE = st.one_of(st.none(), st.booleans(), st.integers(-5, 500), st.floats(allow_nan=True),
                      st.text(max_size=5), st.lists(st.integers(), max_size=2))


def plausible_value(name: str) -> st.SearchStrategy[Any]:
    spec = SLOTS[name]
    if spec.type == "categorical":
        return st.sampled_from(spec.values)
    if spec.type in ("float", "int"):
        low = spec.min if spec.min is not None else 0
        high = spec.max if spec.max is not None else 1000
        return st.floats(low, high) if spec.type == "float" else st.integers(int(low), int(high))
    if spec.type == "bool":
        return st.booleans()
    if spec.type == "map":
        return st.dictionaries(st.sampled_from(CODES), st.booleans(), max_size=6)
    return st.text(max_size=5)


PLAUSIBLE = st.fixed_dictionaries({}, optional={name: plausible_value(name) for name in SLOTS})
GARBAGE = st.dictionaries(st.sampled_from(sorted(SLOTS)), ANY_VALUE, max_size=12)


@settings(max_examples=150, deadline=None)
@given(slots=st.one_of(PLAUSIBLE, GARBAGE))
def test_any_facts_give_exactly_one_level(ruleset: Ruleset, slots: dict[str, Any]) -> None:
    decision = decide(ruleset, slots)
    assert decision.level in LEVELS
    fired_levels = [LEVELS.index(r.level) for r in decision.fired]
    base = min(fired_levels, default=LEVELS.index("selfcare"))
    assert LEVELS.index(decision.level) == base - (1 if decision.raised_by else 0)


@settings(max_examples=150, deadline=None)
@given(slots=PLAUSIBLE, code=st.sampled_from(CODES))
def test_reporting_one_more_symptom_never_lowers_the_level(ruleset: Ruleset, slots: dict[str, Any], code: str) -> None:
    more = {**slots, "symptoms": {**(slots.get("symptoms") or {}), code: True}}
    assert LEVELS.index(decide(ruleset, more).level) <= LEVELS.index(decide(ruleset, slots).level)


@settings(max_examples=150, deadline=None)
@given(slots=PLAUSIBLE, code=st.sampled_from(CODES))
def test_denying_a_symptom_decides_as_not_mentioning_it(ruleset: Ruleset, slots: dict[str, Any], code: str) -> None:
    symptoms = {k: v for k, v in (slots.get("symptoms") or {}).items() if k != code}
    unknown = decide(ruleset, {**slots, "symptoms": symptoms})
    denied = decide(ruleset, {**slots, "symptoms": {**symptoms, code: False}})
    assert denied.level == unknown.level
