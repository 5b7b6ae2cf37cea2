"""Fix11a (newcomer's safety findings): answers about other things and corrections, typed as a patient would.

1. An answer naming only other things (a chronic disease, a medicine, a time) is no yes to the asked symptom: what it
   names fills its own slots, the question is asked again.
2. An answer not about the asked symptom is no yes to it; "疹子没有" denies a rash; a symptom recorded present and then
   denied by name ("我都说了没有疹子啊") is corrected, told back and triaged again.
3. "说错了 是91" while the breaths are counted is the SpO2 said before (91 breaths a minute is no adult's count at home);
   "我是说血氧91 不是呼吸" removes the breathing rate.
4. "说错了 是六岁 不是五岁" corrects the age (and is told back).
"""
from __future__ import annotations

import httpx
import pytest

from tests.intake.test_round8_answers import answer_at, typed
from tests.triage.talk import Talk

ALERT_Q = "有没有晕倒过，或者人糊涂、叫不太醒？"
RASH_Q = "身上有没有新出的皮疹、红点或者紫色的小点点？"


def symptoms(t: Talk) -> dict:
    return t.slots.get("symptoms") or {}


@pytest.mark.parametrize("text", ["我爸有高血压 糖尿病", "她有冠心病好多年了", "三天了"])
def test_an_answer_naming_other_things_is_no_yes(text: str) -> None:
    assert typed("symptoms.confusion", text, ALERT_Q) is None


def test_a_medicine_taken_is_no_yes() -> None:
    assert typed("symptoms.confusion", "他一直在吃降压药", ALERT_Q) is not True


@pytest.mark.parametrize("text", ["有，他有高血压", "有糖尿病，人也有点糊涂", "有", "糊涂了"])
def test_a_yes_beside_a_condition_is_still_a_yes(text: str) -> None:
    assert typed("symptoms.confusion", text, ALERT_Q) is True


@pytest.mark.parametrize("text", ["吃奶少了一些，精神还可以", "就是有点哭闹 吃得少"])
def test_an_answer_about_other_symptoms_is_no_yes_to_the_rash(text: str) -> None:
    assert typed("symptoms.rash", text, RASH_Q) is not True


async def test_a_condition_to_the_alertness_question_is_no_emergency(client: httpx.AsyncClient) -> None:
    t = Talk(client, "fix11a-alert")
    await t.say("我奶奶八十一岁了，发烧，三十八度九")
    await answer_at(t, "symptoms.confusion", "奶奶有高血压 还有糖尿病")
    assert t.level != "emergency", t.texts[-3:]
    assert symptoms(t).get("confusion") is None
    assert (t.slots.get("conditions") or {}).get("hypertension") is True
    assert (t.slots.get("conditions") or {}).get("diabetes") is True
    assert t.waiting == "symptoms.confusion", t.asked[-3:]
    await t.say("没有，人是清楚的")
    assert symptoms(t).get("confusion") is False and t.level != "emergency"


async def test_a_babys_rash_denied_after_the_answer_is_not_present(client: httpx.AsyncClient) -> None:
    t = Talk(client, "fix11a-rash-a")
    await t.say("宝宝十个月，发烧三十八度七，一天了")
    await answer_at(t, "symptoms.rash", "精神还可以 就是有点闹 奶喝得比平常少")
    assert symptoms(t).get("rash") is not True, t.asked[-3:]
    await t.say("疹子没有")
    assert symptoms(t).get("rash") is False


async def test_a_rash_recorded_present_is_corrected_by_a_denial(client: httpx.AsyncClient) -> None:
    t = Talk(client, "fix11a-rash-b")
    await t.say("宝宝十个月，发烧三十八度七，一天了")
    await answer_at(t, "symptoms.rash", "有")
    assert symptoms(t).get("rash") is True
    await t.say("我都说了没有疹子啊")
    assert symptoms(t).get("rash") is False, t.texts[-3:]
    assert any("已更正：没有皮疹" in x for x in t.texts[-4:]), t.texts[-4:]
    await t.until({}, default="没有")
    assert t.level is not None and not any("rash" in r for r in t.rules), t.rules


@pytest.mark.parametrize("denial", ["红点没有，你看错了", "没有红点啊"])
async def test_other_denials_of_a_present_rash(client: httpx.AsyncClient, denial: str) -> None:
    t = Talk(client, f"fix11a-rash-{denial}")
    await t.say("宝宝十个月，发烧三十八度七，一天了")
    await answer_at(t, "symptoms.rash", "有几个红点点")
    await t.say(denial)
    assert symptoms(t).get("rash") is False, t.texts[-3:]


@pytest.mark.parametrize("gone", ["疹子好像没有了", "现在没有疹子了"])
async def test_a_rash_gone_or_hedged_is_not_a_correction(client: httpx.AsyncClient, gone: str) -> None:
    t = Talk(client, f"fix11a-gone-{gone}")
    await t.say("宝宝十个月，发烧三十八度七，一天了")
    await answer_at(t, "symptoms.rash", "有")
    await t.say(gone)
    assert symptoms(t).get("rash") is True


async def breathing_count(t: Talk, spo2: str) -> None:
    await t.say("我阳了，三十二岁，发烧三十八度六，有点喘")
    answers = {"has_oximeter": "有", "spo2": spo2, "can_count_breaths": "可以"}
    for _ in range(12):
        if t.waiting == "respiratory_rate" or t.level is not None:
            return
        await t.say(answers.get(t.waiting or "", "没有"))


async def test_a_corrected_number_goes_to_the_oxygen_said_before(client: httpx.AsyncClient) -> None:
    t = Talk(client, "fix11a-spo2")
    await breathing_count(t, "95")
    assert t.waiting == "respiratory_rate" and t.slots.get("spo2") == 95, t.asked[-3:]
    await t.say("刚才说错了 是96")
    assert t.slots.get("spo2") == 96 and t.slots.get("respiratory_rate") is None
    assert any("已更正" in x for x in t.texts[-4:]), t.texts[-4:]
    assert t.waiting == "respiratory_rate" and t.level is None


async def test_a_corrected_low_oxygen_is_an_emergency_of_the_oxygen(client: httpx.AsyncClient) -> None:
    t = Talk(client, "fix11a-spo2-low")
    await breathing_count(t, "94")
    await t.say("刚才说错了 是91")
    assert t.slots.get("spo2") == 91 and t.slots.get("respiratory_rate") is None
    assert t.level == "emergency" and "resp.rr_fast_adult" not in t.rules, t.rules


async def test_a_plausible_count_after_a_correction_word_is_the_count(client: httpx.AsyncClient) -> None:
    t = Talk(client, "fix11a-rr-ok")
    await breathing_count(t, "97")
    await t.say("不对，应该是22次")
    assert t.slots.get("respiratory_rate") == 22 and t.slots.get("spo2") == 97


async def test_the_wrong_reading_named_is_removed(client: httpx.AsyncClient) -> None:
    t = Talk(client, "fix11a-rr-wrong")
    await breathing_count(t, "97")
    await t.say("96")  # the pulse, typed to the breaths question
    assert t.slots.get("respiratory_rate") == 96 and t.level == "emergency"
    await t.say("我是说心率96 不是呼吸")
    assert t.slots.get("heart_rate") == 96, t.texts[-3:]
    # After the emergency the safety screen confirms the lowering first, in words.
    assert any("呼吸频率不是96" in x for x in t.texts[-3:]), t.texts[-3:]
    await t.say("对")
    assert t.slots.get("respiratory_rate") is None, t.texts[-4:]


@pytest.mark.parametrize("said", ["刚才说错了 是六岁 不是五岁", "不是五岁，是六岁", "说错了，孩子六岁"])
async def test_an_age_correction_is_applied_and_told_back(client: httpx.AsyncClient, said: str) -> None:
    t = Talk(client, f"fix11a-age-{said}")
    await t.say("我儿子五岁，发烧两天了，最高三十八度八")
    await t.say("没有")
    await t.say(said)
    assert t.slots.get("age") == 6, t.slots.get("age")
    assert any("已更正" in x and "6岁" in x for x in t.texts[-5:]), t.texts[-5:]


async def test_a_sex_correction_is_applied(client: httpx.AsyncClient) -> None:
    t = Talk(client, "fix11a-sex")
    await t.say("我肚子疼，我是男的，三十岁")
    await t.say("说错了，是女的 不是男的")
    assert t.slots.get("sex") == "female", t.slots.get("sex")
    assert any("已更正" in x for x in t.texts[-5:]), t.texts[-5:]


async def test_a_low_oxygen_is_marked_below_the_range_for_the_doctor(runtime, client: httpx.AsyncClient) -> None:
    from bot.consultations.summary import build_intake

    t = Talk(client, "fix11a-arrow")
    await breathing_count(t, "91")
    state = await runtime.engine.state("fix11a-arrow")
    vitals = {v["name"]: v for v in build_intake(state, await runtime.engine.events("fix11a-arrow")).to_dict()["vitals"]}
    assert vitals["spo2"]["abnormal"] is True and vitals["spo2"]["low"] is True
    assert vitals["temperature"]["abnormal"] is True and vitals["temperature"]["low"] is False
