"""Round 7 of issue 10: red flags answered by describing them, a refusal said as "not even", the lowest of
several oxygen readings — in typed Chinese, our own words (not the blind set's).

Conversations drive the real engine (NLU, flows, interceptors, rules) through the REST channel; the
readers are called as the engine calls them, with both sides of each line.
"""
from __future__ import annotations

import httpx
import pytest

from actions.intake_facts import read_facts, read_spo2
from bot.answers import AnswerContext, read_answer
from bot.flow_loader import SlotSpec
from tests.triage.talk import Talk


def said(slot: str, text: str) -> object:
    return read_answer(SlotSpec(name=slot, type="bool"), AnswerContext(text=text, intent="inform"))


# ---- class 1: a pregnancy red flag answered by describing it (colour, amount, how the water runs)

@pytest.mark.parametrize(("slot", "text", "value"), [
    ("symptoms.vaginal_bleeding", "暗红色的，护垫上沾了不少", True),
    ("symptoms.vaginal_bleeding", "擦的时候纸上带血", True),
    ("symptoms.vaginal_bleeding", "没见红，就是白带多点", False),
    ("symptoms.vaginal_bleeding", "没有血", False),
    ("symptoms.fluid_leakage", "裤子湿透了，像尿了一样憋不住", True),
    ("symptoms.fluid_leakage", "透明的，一股一股往外流", True),
    ("symptoms.fluid_leakage", "没有，干的", False),
    ("symptoms.fluid_leakage", "就是白带，不是水", False),
])
def test_a_pregnancy_red_flag_described_is_read(slot: str, text: str, value: bool) -> None:
    assert said(slot, text) is value


async def test_bleeding_described_in_pregnancy_is_an_emergency(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r7-preg-bleed")
    await t.say("我怀孕三十周了，下面有点不舒服")
    await t.until({"symptoms.vaginal_bleeding": "暗红色的，护垫上沾了不少", "subject": "我自己", "age": "27岁"},
                  default="没有")
    assert t.level == "emergency", (t.asked, t.rules)
    assert "preg.bleeding" in t.rules, t.rules


async def test_no_bleeding_described_is_not_an_emergency(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r7-preg-none")
    await t.say("我怀孕三十周了，下面有点不舒服")
    await t.until({"symptoms.vaginal_bleeding": "没见红，就是白带多点", "subject": "我自己", "age": "27岁"},
                  default="没有")
    assert t.level not in ("emergency", None), (t.asked, t.rules)


# ---- class 2: a child's refusal said as "not even X", a day of hardly eating, a meal in mouthfuls

@pytest.mark.parametrize("text", ["闺女饭也不吃奶也不喝", "宝宝今天什么都不肯吃", "孩子一整天都不怎么喝水", "小家伙一口都不喝"])
def test_a_refusal_said_as_not_even_is_read(text: str) -> None:
    assert read_facts(text).get("symptoms.refusal_to_feed") is True


@pytest.mark.parametrize("text", ["孩子饭也吃水也喝", "不是不吃饭，就是挑食", "宝宝吃奶正常"])
def test_eating_said_is_not_a_refusal(text: str) -> None:
    assert read_facts(text).get("symptoms.refusal_to_feed") is not True


def test_dry_nappies_and_a_meal_in_mouthfuls_are_read() -> None:
    assert read_facts("纸尿裤大半天都是干的").get("symptoms.decreased_urination") is True
    assert read_facts("尿不湿换了好几个，都挺沉").get("symptoms.decreased_urination") is None
    assert said("symptoms.refusal_to_feed", "粥就吃了一口") is True
    assert said("symptoms.refusal_to_feed", "吃了一碗饭，跟平时一样") is False
    assert read_facts("儿子喝啥吐啥").get("symptoms.cannot_keep_fluids") is True
    assert read_facts("儿子吃了点饭，没吐").get("symptoms.cannot_keep_fluids") is None


async def test_a_child_refusing_with_dry_nappies_is_an_emergency(client: httpx.AsyncClient) -> None:
    # Children severe (9th edition): refusing food or feeding difficulty with signs of dehydration.
    t = Talk(client, "r7-refuse")
    await t.say("孩子10个月，发烧两天，奶也不肯喝，纸尿裤大半天都是干的")
    await t.until({"symptoms.fever": "38度6"}, default="没有")
    assert t.level == "emergency", (t.asked, t.rules)
    assert "peds.feeding_refusal_dehydrated" in t.rules, t.rules


async def test_a_child_drinking_with_wet_nappies_is_not_an_emergency(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r7-drinks")
    await t.say("孩子10个月，发烧两天，奶照常喝，纸尿裤换得挺勤")
    await t.until({"symptoms.fever": "38度6"}, default="没有")
    assert t.level not in ("emergency", None), (t.asked, t.rules)


# ---- class 3: several oxygen readings in one answer — the lowest counts

@pytest.mark.parametrize(("text", "value"), [
    ("血氧95，有时候掉到92", 92), ("血氧九十六，最低到过九十三", 93), ("血氧97", 97),
    ("血氧96，心率又快到110", 96), ("血氧95，又烧到39度", 95),
])
def test_the_lowest_of_several_oxygen_readings_counts(text: str, value: float) -> None:
    assert read_spo2(text) == value


async def test_a_low_second_reading_makes_breathlessness_an_emergency(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r7-spo2")
    await t.say("我阳了第四天，今天有点喘")
    await t.until({"subject": "我自己", "age": "45岁", "has_oximeter": "血氧95，有时候掉到92",
                   "breathless_at_rest": "走路才喘"}, default="没有")
    assert t.level == "emergency", (t.asked, t.rules, t.slots.get("spo2"))


async def test_a_steady_reading_keeps_breathlessness_urgent(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r7-spo2-ok")
    await t.say("我阳了第四天，今天有点喘")
    await t.until({"subject": "我自己", "age": "45岁", "has_oximeter": "血氧96，一直挺稳",
                   "breathless_at_rest": "走路才喘"}, default="没有")
    assert t.level == "urgent", (t.asked, t.rules, t.slots.get("spo2"))


# ---- class 4: another place hurting "too" answers the testicle question; half of the usual feed

@pytest.mark.parametrize(("text", "value"), [
    ("肚脐下面也跟着疼", True), ("大腿根那里也有点痛", True),
    ("蛋蛋不疼，是肚子疼", False), ("下面好好的，不肿", False),
])
def test_another_place_hurting_too_answers_the_testicle_question(text: str, value: bool) -> None:
    assert said("symptoms.testicular_pain", text) is value


async def test_a_boy_whose_belly_hurts_too_is_an_emergency(client: httpx.AsyncClient) -> None:
    # Criteria: sudden testicular pain → emergency (torsion presents as lower-belly pain).
    t = Talk(client, "r7-torsion")
    await t.say("儿子13岁，半夜说下面疼，疼得睡不着")
    await t.until({"symptoms.testicular_pain": "肚脐下面也跟着疼", "age": "13岁"}, default="没有")
    assert t.level == "emergency", (t.asked, t.rules)


@pytest.mark.parametrize(("text", "value"), [("奶只喝了平时的一半", True), ("粥吃了小半碗，跟平时差不多", False)])
def test_half_the_usual_feed_is_poor_feeding(text: str, value: bool) -> None:
    assert said("symptoms.refusal_to_feed", text) is value
    assert (read_facts(text).get("symptoms.refusal_to_feed") is True) is value


# ---- class 5: "好几天" is no number of days: "how long?" stays open for a fever that stays up

def test_a_vague_count_of_days_is_not_a_duration() -> None:
    assert read_facts("阳了好几天了，还是烧").get("duration_hours") is None
    assert read_facts("嗓子疼几天了").get("duration_hours") is None
    assert read_facts("发烧四天了").get("duration_hours") == 96
    assert read_facts("拉了好几个小时了").get("duration_hours") == 2  # hours: a lower bound that decides nothing


async def test_a_fever_of_several_days_despite_medicine_is_asked_how_long(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r7-vague-days")
    await t.say("我老公阳了好几天了，一直烧，吃了退烧药过一会又烧起来")
    await t.until({"subject": "我老公", "age": "38岁", "temperature": "每天都39度多",
                   "fever_persists_despite_medication": "退不下来", "duration_hours": "今天第五天了",
                   "has_oximeter": "血氧97"}, default="没有")
    assert "duration_hours" in t.asked, t.asked
    assert t.level == "urgent", (t.asked, t.rules)


# ---- class 6: a temperature's 多 run into "吃了" (voice input, no punctuation) is no overdose

async def test_a_reading_run_into_a_medicine_is_not_an_overdose(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r7-voice")
    await t.say("我发烧两天了每天都三十八度多吃了布洛芬就退一会儿")
    assert "tox.poisoning" not in t.rules and t.level != "emergency", (t.level, t.rules)


@pytest.mark.parametrize("text", ["孩子三岁多吃了奶奶的降压药", "烧到三十九度多吃了一整瓶退烧药"])
async def test_an_ingestion_after_a_number_stays_poisoning(client: httpx.AsyncClient, text: str) -> None:
    t = Talk(client, f"r7-ingest-{hash(text) % 1000}")
    await t.say(text)
    assert t.level == "emergency", (t.level, t.rules, t.texts)


# ---- class 7: urine "still there" is no decreased urination; "still there, but less" is

@pytest.mark.parametrize(("text", "value"), [
    ("还在尿，跟平常差不多", False), ("有尿的", False), ("还在尿，但是少了很多", True), ("一早上都没尿", True),
])
def test_urine_still_there_is_read(text: str, value: bool) -> None:
    assert said("symptoms.decreased_urination", text) is value


# ---- class 8: the pregnancy warning signs are asked as four questions only when the one was not understood

PREGNANCY_PARTS = ("symptoms.headache", "symptoms.dizziness", "symptoms.palpitations", "symptoms.chest_tightness")


async def test_a_skipped_combined_question_is_not_asked_as_four(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r7-preg-breath")
    await t.say("怀孕31周，这两天憋得慌，喘不太上来")
    await t.until({"subject": "我自己", "age": "33岁", "has_oximeter": "血氧96"}, default="没有")
    assert t.level in ("urgent", "emergency"), (t.asked, t.rules)
    asked_parts = [p for p in PREGNANCY_PARTS if p in t.asked]
    assert not asked_parts or "symptoms.pregnancy_warning" in t.asked, t.asked
    assert len([a for a in t.asked if a not in ("wants_doctor", "weight_kg", "followup_consent")]) <= 15, t.asked


async def test_a_combined_answer_not_understood_is_asked_one_by_one(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r7-preg-parts")
    await t.say("我怀孕24周了，这几天有点累")
    await t.until({"subject": "我自己", "age": "26岁", "symptoms.pregnancy_warning": "说不清楚"}, default="没有")
    assert "symptoms.pregnancy_warning" in t.asked, t.asked
    assert "symptoms.headache" in t.asked, (t.asked, t.level, t.rules, t.texts[-4:])
    assert t.level is not None, t.asked


# ---- class 9: "说不清楚" as the whole answer to a question is "I can't tell", not slurred speech

async def test_cannot_tell_as_an_answer_is_not_a_stroke(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r7-cannot-tell")
    await t.say("我怀孕24周了，这几天有点累")
    await t.until({"subject": "我自己", "age": "26岁", "symptoms.vaginal_bleeding": "说不清楚"}, default="没有")
    assert "neuro.stroke" not in " ".join(t.rules) and t.level != "emergency", (t.level, t.rules)


async def test_speech_described_as_unclear_is_still_a_stroke_sign(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r7-slurred")
    await t.say("我爸70岁，突然说话说不清楚，嘴有点歪")
    assert t.level == "emergency", (t.level, t.rules)


# ---- class 10: a start counted from the weekday the patient calls today

def test_a_start_is_counted_from_the_weekday_said_to_be_today() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.answers import hours_since_onset
    monday = datetime(2026, 12, 7, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    hours = hours_since_onset("上周五晚上开始烧的，今天周二了", monday)
    assert hours is not None and 90 <= hours <= 100, hours  # Friday 20:00 to Tuesday 15:00
    plain = hours_since_onset("上周五晚上开始烧的", monday)
    assert plain is not None and 66 <= plain <= 70, plain  # no day said: the clock's Monday
