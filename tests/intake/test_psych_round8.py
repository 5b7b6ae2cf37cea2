"""Round 8 of issue 11 (docs/nlu.md): feelings, worry and the sleeplessness that comes with them read as psych_support
(vocabulary.yml: 焦虑睡不着 / 心情很差 / 很害怕), where they used to read as reports. Typed through the real NLU and
engine: the mood screen, the crisis safety and the triage are what the report path gave them, and a message that also
names a bodily symptom or another person still gets the symptom intake."""
from __future__ import annotations

import pytest

from tests.intake.conftest import Patient

pytestmark = pytest.mark.asyncio(loop_scope="module")

# The patient's own words (none copies a blind or held-out line: tests/nlu/test_classes_round8.py checks these too).
WORRY_AND_NO_SLEEP = "这几天心里老是七上八下的，夜里睡不着"
LOW_MOOD_ALONE = "这段日子情绪低沉，啥事都不想做"


async def _screen(p: Patient, *answers: str) -> None:
    for answer in answers:
        await p.say(answer)


async def test_worry_with_sleeplessness_gets_the_mood_screen_then_what_was_taken(patient) -> None:
    p: Patient = patient("r8-worry-sleep")
    await p.say(WORRY_AND_NO_SLEEP)
    assert p.asked[:2] == ["utter_psych_intro", "utter_ask_phq2_interest"], p.asked
    await _screen(p, "好几天", "完全不会", "一半以上的天数")
    await p.say("一半以上的天数")
    # As the symptom intake asks it: sleeplessness is where sleeping pills are taken.
    assert p.asked == ["utter_ask_medicines_taken"], p.asked
    await p.say("没吃药")
    assert p.decision and p.decision["level"] == "consult"
    assert "psych.anxiety_screen_positive" in p.decision["rules"]


async def test_sleeping_pills_said_after_the_screen_are_an_emergency(patient) -> None:
    p: Patient = patient("r8-worry-pills")
    await p.say(WORRY_AND_NO_SLEEP)
    await _screen(p, "完全不会", "完全不会", "完全不会", "完全不会")
    assert p.asked == ["utter_ask_medicines_taken"], p.asked
    await p.say("刚才把一整瓶安眠药都吃了")
    assert p.decision and p.decision["level"] == "emergency"


async def test_low_mood_alone_brings_the_suicide_question_before_triage(patient) -> None:
    p: Patient = patient("r8-low-mood")
    await p.say(LOW_MOOD_ALONE)
    assert p.asked[:2] == ["utter_psych_intro", "utter_ask_phq2_interest"], p.asked
    await _screen(p, "几乎每天", "几乎每天", "完全不会", "完全不会")
    assert p.asked == ["utter_ask_suicidal_thoughts"], p.asked
    await p.say("没有这种想法")
    assert p.decision and "psych.depression_screen_positive" in p.decision["rules"]


@pytest.mark.parametrize("said", ["我好害怕，不想活了", "心情差到极点，想拿刀割自己"])
async def test_a_danger_to_self_beside_fear_or_low_mood_gets_the_crisis_wording_at_once(patient, said: str) -> None:
    p: Patient = patient(f"r8-crisis-{said}")
    await p.say(said)
    assert p.decision and p.decision["level"] == "emergency", p.asked
    assert p.asked[0] == "utter_emergency_call_crisis"
    assert "12356" in p.texts and "开车" not in p.texts


async def test_worry_with_a_racing_heart_and_breathlessness_is_read_as_a_report(patient) -> None:
    # Worry is said, but the body is the main topic: a report, whose intake asks who is unwell first.
    p: Patient = patient("r8-worry-body")
    await p.say("我很紧张，心跳得乱七八糟，还喘不上气")
    assert "utter_psych_intro" not in p.asked, p.asked
    assert p.decision or p.asked[0] == "utter_ask_chest_pain", p.asked


@pytest.mark.parametrize("extra", ['"symptoms.chest_pain": true', '"temperature": 38.6', '"symptoms.abdominal_pain": true'],
                         ids=["chest", "fever", "belly"])
async def test_psych_support_with_a_bodily_symptom_takes_the_symptom_intake(patient, extra: str) -> None:
    # Whatever the classifier says, feelings told with a bodily symptom get the report's questions.
    p: Patient = patient(f"r8-psych-body-{len(extra)}")
    await p.say('/psych_support{"symptoms.anxiety": true, ' + extra + "}")
    assert "utter_psych_intro" not in p.asked and p.asked[0] == "utter_ask_subject", p.asked


async def test_someone_elses_worry_asks_who_as_the_intake_does(patient) -> None:
    p: Patient = patient("r8-worry-mother")
    await p.say("我妈最近老是担心这担心那，整宿睡不着")
    assert "utter_psych_intro" not in p.asked, p.asked
    assert (await p.slots()).get("subject") == "parent"
