"""Round 9 of issue 11 (docs/nlu.md): a wish to die or self-harm said as the main topic now reads as psych_support (blind
v9 and v10 label it so), where rounds 5–8 kept it a report. Typed through the real NLU and engine: whatever the intent,
the patient gets the crisis wording and an emergency decision at once, as on the report path."""
from __future__ import annotations

import pytest

from tests.intake.conftest import Patient

pytestmark = pytest.mark.asyncio(loop_scope="module")

# The developer's own words (none copies a blind or held-out line: tests/nlu/test_classes_round9.py checks these too).
DANGER_TO_SELF = ["我真的不想再撑下去了，只想一死了之", "我老是忍不住拿刀片划手臂", "我成了全家的拖累，还不如死了"]


@pytest.mark.parametrize("said", DANGER_TO_SELF)
async def test_a_danger_to_self_as_the_main_topic_gets_the_crisis_wording_at_once(patient, said: str) -> None:
    p: Patient = patient(f"r9-crisis-{said}")
    await p.say(said)
    assert p.decision and p.decision["level"] == "emergency", p.asked
    assert p.asked[0] == "utter_emergency_call_crisis", p.asked
    assert "12356" in p.texts
