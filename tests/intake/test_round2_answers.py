"""Round 2 of issue 10: answers the lead's fresh blind set showed unread, as classes, in our own words.

Pain said in words, ranges and number words; the oximeter and SpO2 questions answered by a stated
lack of an oximeter, a reading in words or a range. Unit cases read the answer directly
(bot/answers.py); the end-to-end cases go through the real NLU and engine.
"""
from __future__ import annotations

import pytest

from bot.answers import AnswerContext, arabic, read_answer
from bot.flow_loader import UNKNOWN, SlotSpec
from tests.intake.conftest import Patient

PAIN = SlotSpec("pain_score", "int", min=0, max=10, scale="pain")
SPO2 = SlotSpec("spo2", "float", min=50, max=100)
HAS_OXIMETER = SlotSpec("has_oximeter", "bool")


def read(spec: SlotSpec, text: str) -> object:
    return read_answer(spec, AnswerContext(text=text, intent="inform"))


@pytest.mark.parametrize(("said", "low", "high"), [
    ("有点疼但能走", 1, 3), ("不怎么疼", 1, 3), ("还能忍", 1, 4), ("走路的时候疼一点", 1, 3),
    ("三四分吧", 3, 4), ("中等", 4, 6), ("不是很疼", 1, 3), ("一般般吧", 3, 5), ("没那么疼", 1, 3),
    ("两三分", 2, 3), ("七八分", 7, 8), ("疼得受不了", 7, 10), ("挺疼的", 5, 6), ("疼得厉害", 7, 10),
    ("5分", 5, 5), ("十分", 10, 10), ("不疼", 0, 0), ("不能走路，一碰就疼", 7, 10), ("疼了三天了，现在还行", 1, 3),
])
def test_pain_in_words_ranges_and_number_words(said: str, low: int, high: int) -> None:
    value = read(PAIN, said)
    assert isinstance(value, int | float) and low <= value <= high, (said, value)


def test_a_range_takes_its_upper_end_for_pain_and_its_lower_for_spo2() -> None:
    # The safer reading: more pain, less oxygen (triage-criteria.md: a missing answer never lowers a level).
    assert read(PAIN, "六七分") == 7
    assert read(SPO2, "九十七八") == 97
    assert arabic("一百九") == "190" and arabic("一百零九") == "109"
    temperature = SlotSpec("temperature", "float", min=30, max=45)
    assert read(temperature, "三十八九度") == 39 and read(temperature, "38度5") == 38.5
    assert read(SlotSpec("heart_rate", "float", min=20, max=300), "一百一二") == 120  # 110–120
    assert read(SlotSpec("weight_kg", "float", min=1, max=200), "十七八公斤") == 17


@pytest.mark.parametrize("said", ["没测", "家里没有", "测不了", "没有那个仪器", "没买", "买不到", "没有血氧仪", "家里没有那个夹手指的"])
def test_a_stated_lack_of_an_oximeter_is_no_oximeter(said: str) -> None:
    assert read(HAS_OXIMETER, said) is False


@pytest.mark.parametrize("said", ["没测", "家里没有", "测不了", "没有那个仪器", "没买", "没有血氧仪", "没条件测"])
def test_the_spo2_question_takes_a_lack_as_unknown_without_asking_again(said: str) -> None:
    assert read(SPO2, said) == UNKNOWN


@pytest.mark.parametrize(("said", "value"), [("挺好的 九十七八", 97), ("97", 97), ("九十六", 96), ("有，98", 98), ("98%", 98)])
def test_spo2_readings_in_words(said: str, value: float) -> None:
    assert read(SPO2, said) == value


pytestmark_e2e = pytest.mark.asyncio(loop_scope="module")


@pytestmark_e2e
@pytest.mark.parametrize(("said", "high"), [
    ("有点疼但能走", 3), ("不怎么疼", 3), ("还能忍", 3), ("走路的时候疼一点", 3), ("三四分吧", 4), ("中等", 5),
])
async def test_a_sprain_rated_in_words_is_understood_at_once(patient, said: str, high: int) -> None:
    p: Patient = patient(f"round2-pain-words-{said}")
    await p.answers("打球崴了脚，脚踝有点肿", "我自己", "没出血", "没有", "没有")
    assert p.asked[-1] == "utter_ask_pain_score", p.asked
    await p.say(said)
    assert p.asked[-1] != "utter_ask_pain_score", p.asked
    assert 1 <= (await p.slots())["pain_score"] <= high


@pytestmark_e2e
async def test_no_oximeter_at_home_moves_on(patient) -> None:
    p: Patient = patient("round2-no-oximeter")
    await p.answers("阳了，低烧37度8，咳嗽", "我自己", "两天", "不喘")
    assert p.asked[-1] == "utter_ask_has_oximeter", p.asked
    await p.say("没测，家里没有那个仪器")
    slots = await p.slots()
    assert slots["has_oximeter"] is False and "utter_ask_spo2" not in p.asked


@pytestmark_e2e
async def test_blood_pressure_that_will_not_come_down_is_not_bleeding(patient) -> None:
    # The NLU's grammar pairs "血" … "压不住" as bleeding that will not stop; 血压 is not blood.
    p: Patient = patient("round2-bp-not-bleeding")
    await p.say("我有高血压，这几天血压一直压不住")
    slots = await p.slots()
    assert (slots.get("symptoms") or {}).get("bleeding") is not True
    assert slots.get("underlying_worsening") is True


@pytestmark_e2e
async def test_a_nosebleed_that_will_not_stop_is_still_bleeding(patient) -> None:
    p: Patient = patient("round2-nosebleed")
    await p.say("鼻血止不住，按了二十分钟还在流")
    assert p.decision is not None and p.decision["level"] == "emergency"
