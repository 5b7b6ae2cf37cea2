"""Newcomer trial 12: each complaint's own care and red flags; the breathing-and-fever list only with a fever,
a positive test or a breathing symptom (actions/guidance/selection.py `complaint_specific`)."""
from __future__ import annotations

from typing import Any

import pytest

from actions.guidance.content import load_content
from actions.guidance.selection import select

CONTENT = load_content()


def ids(**slots: Any) -> list[str]:
    return select(CONTENT, {"triage_level": "selfcare", "age": 30, **slots}).entry_ids


@pytest.mark.parametrize(("slots", "own"), [
    ({"chief_complaint": "injury", "symptoms": {"limb_injury": True}}, {"limb_injury_care", "red_flags_limb_injury"}),
    ({"chief_complaint": "abdominal", "symptoms": {"abdominal_pain": True}}, {"red_flags_abdominal"}),
    ({"chief_complaint": "headache", "symptoms": {"headache": True}}, {"red_flags_headache"}),
    ({"chief_complaint": "urinary", "symptoms": {"dysuria": True}}, {"urinary_care", "red_flags_urinary"}),
    ({"chief_complaint": "rash_allergy", "symptoms": {"rash": True}}, {"rash_care", "red_flags_rash"}),
])
def test_a_complaint_without_fever_gets_its_own_flags_only(slots: dict[str, Any], own: set[str]) -> None:
    chosen = ids(**slots)
    assert own <= set(chosen), chosen
    assert not {"red_flags_general", "monitor_temperature", "monitor_spo2"} & set(chosen), chosen


def test_an_injury_with_a_fever_keeps_the_fever_list_beside_its_own() -> None:
    chosen = ids(chief_complaint="injury", symptoms={"limb_injury": True, "fever": True}, temperature=38.6)
    assert {"limb_injury_care", "red_flags_limb_injury", "red_flags_general", "monitor_temperature"} <= set(chosen)


def test_a_belly_ache_sent_today_lists_only_the_emergency_signs_of_the_belly() -> None:
    chosen = ids(chief_complaint="abdominal", symptoms={"abdominal_pain": True}, triage_level="urgent")
    assert "red_flags_urgent_abdominal" in chosen and "red_flags_abdominal" not in chosen


def test_a_diarrhoea_gets_the_dehydration_signs_not_a_belly_ache() -> None:
    chosen = ids(chief_complaint="abdominal", symptoms={"diarrhea": True, "abdominal_pain": False})
    assert "red_flags_dehydration" in chosen and "red_flags_abdominal" not in chosen
