"""Round 8 of issue 10: the classes of answers the lead reported misread, in our own words.

Every answer is typed text through the real NLU and engine (the REST channel, tests/triage/talk.py `Talk`):
what the slot holds afterwards and whether the question was asked again. A few readers are also called with a
fixed clock, where the answer depends on today's date.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

import httpx
import pytest

from bot.answers import ZONE, AnswerContext, arabic, hours_since_onset, read_answer
from bot.flow_loader import SlotSpec
from nlu.interpreter import MedicalInterpreter, load_interpreter
from tests.triage.talk import Talk


SPECS = {
    "spo2": SlotSpec("spo2", "float", min=50, max=100),
    "pain_score": SlotSpec("pain_score", "int", min=0, max=10, scale="pain"),
    "fever_persists_despite_medication": SlotSpec("fever_persists_despite_medication", "bool", threshold=38.5),
}


@lru_cache(maxsize=1)
def nlu() -> MedicalInterpreter:
    return load_interpreter()


def typed(slot: str, text: str, question: str = "") -> Any:
    """The answer read as the flow runner reads it: the real NLU's parse, then bot/answers.py."""
    parse = nlu().parse(text)
    spec = SPECS.get(slot) or SlotSpec(slot, "bool")
    return read_answer(spec, AnswerContext(text=text, intent=parse.intent.name, entities=tuple(parse.entities),
                                           question=question))

ADULT_COVID = "我阳了，咳嗽，是我自己，四十岁，三十八度五，两天了"
CHILD_FEVER = "儿子四岁，发烧两天了，最高三十八度八"


async def talk(client: httpx.AsyncClient, sender: str, opening: str, answers: dict[str, str],
               default: str = "没有") -> Talk:
    t = Talk(client, sender)
    await t.say(opening)
    await t.until(answers, default=default)
    return t


async def answer_at(t: Talk, slot: str, text: str, default: str = "没有") -> None:
    """Answer "没有" until the bot asks `slot`, then say `text`."""
    for _ in range(20):
        if t.waiting == slot:
            await t.say(text)
            return
        assert t.waiting is not None and t.level is None, (t.asked, slot)
        await t.say(default)
    raise AssertionError(f"{slot} was never asked: {t.asked}")


# ---- A. how long: day N of the illness, a calendar date, the patient's own today ---------------------------

@pytest.mark.parametrize(("said", "at_least"), [
    ("今天是烧的第四天了", 72), ("到今天第六天", 120), ("这都第5天了", 96), ("已经是发烧第三天", 48),
    ("周六开始的，今天第四天了", 72),  # a start and a day count: the longer
])
def test_day_n_of_the_illness_reads_as_n_days(said: str, at_least: float) -> None:
    assert read_answer(SlotSpec("duration_hours", "float", scale="hours"), AnswerContext(said, "inform")) >= at_least


async def test_day_n_said_to_how_long(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r8-dayn")
    await t.say("我发烧了，是我自己，三十岁，三十九度一")
    await answer_at(t, "duration_hours", "今天是烧的第四天了")
    assert t.slots.get("duration_hours", 0) >= 72, t.slots


async def test_a_child_on_day_four_of_a_high_fever_meets_the_three_day_rule(client: httpx.AsyncClient) -> None:
    t = await talk(client, "r8-dayn-child", "闺女五岁，今天烧到第四天了，最高三十九度二", {})
    assert t.slots.get("duration_hours", 0) >= 72, t.slots
    assert "peds.high_fever_over_3_days" in t.rules, (t.level, t.rules)


@pytest.mark.parametrize(("said", "low", "high"), [
    # The start with its month, today with its day only: today is the first such day after the start.
    ("1月5号早上开始拉的，今天6号", 0, 48),
    ("11月29号下午开始烧，今天12月2号", 48, 96),
    # This month's or last month's day, today said: counted from the patient's today, not the clock's.
    ("这个月3号开始的，今天10号", 150, 192),
    ("上个月28号开始的，今天2号", 24, 150),
    ("28号晚上开始咳的，今天2号", 24, 150),
])
async def test_a_start_said_as_a_date_counts_to_the_patients_today(client: httpx.AsyncClient, said: str,
                                                                    low: float, high: float) -> None:
    t = Talk(client, f"r8-date-{abs(hash(said))}")
    await t.say("我发烧了，是我自己，三十岁，三十八度九")
    await answer_at(t, "duration_hours", said)
    hours = t.slots.get("duration_hours")
    assert isinstance(hours, float) and low < hours < high, (said, hours)


async def test_an_opening_with_a_date_and_today_is_read_once(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r8-date-opening")
    await t.say("孩子七岁，3月10号晚上开始发烧的，今天3月12号")
    assert 24 < t.slots.get("duration_hours", 0) < 72, t.slots
    assert "duration_hours" not in t.asked, t.asked


MONDAY_AFTERNOON = datetime(2026, 12, 7, 15, 0, tzinfo=ZONE)


@pytest.mark.parametrize(("said", "hours"), [
    ("这个月2号开始的", 5 * 24 + 3),          # this month: the clock's (7 December)
    ("上个月30号中午开始的", 7 * 24 + 3),      # last month's 30th: 30 November
    ("本月1号早上开始", 6 * 24 + 7),
    ("12月1号开始，今天是12月3号", 2 * 24 + 3),  # the patient's today wins over the clock's
    ("2号开始的，今天是5号", 3 * 24 + 3),
])
def test_dates_against_a_fixed_clock(said: str, hours: float) -> None:
    assert hours_since_onset(said, MONDAY_AFTERNOON) == hours


def test_today_said_is_never_the_start() -> None:
    assert hours_since_onset("今天8号", MONDAY_AFTERNOON) is None
    assert hours_since_onset("住5号床，今天8号", MONDAY_AFTERNOON) is None


# ---- B. several readings in one answer -----------------------------------------------------------------------

@pytest.mark.parametrize(("said", "spo2"), [
    ("刚夹上是96，过了一会儿变成92了", 92), ("九十五，后来又测了一次九十三", 93), ("九十七，心率六十", 97),
    ("九十五九十三的样子", 93),
])
def test_the_lowest_of_several_oxygen_readings_counts(said: str, spo2: float) -> None:
    assert typed("spo2", said) == spo2


async def test_the_lowest_reading_said_to_the_oxygen_question(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r8-spo2")
    await t.say(ADULT_COVID)
    await answer_at(t, "has_oximeter", "有")
    await answer_at(t, "spo2", "刚夹上是96，过了一会儿变成92了")
    assert t.slots.get("spo2") == 92, t.slots


async def test_readings_said_to_the_oximeter_question_fill_the_lowest(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r8-spo2-gate")
    await t.say(ADULT_COVID)
    await answer_at(t, "has_oximeter", "有，头一次九十六，再夹一次九十四")
    assert t.slots.get("has_oximeter") is True and t.slots.get("spo2") == 94, t.slots
    assert "spo2" not in t.asked, t.asked


@pytest.mark.parametrize(("said", "value"), [
    ("吃了美林退下去一点，过两个钟头又三十八度八", True),
    ("一直在三十九度上下，吃药也就降到三十八度七", True),
    ("一天吃三回，体温没下过三十八度七", True),
    ("退到三十七度五以后，没再上去", False),
])
def test_every_number_is_compared_with_the_medicine_question_threshold(said: str, value: bool) -> None:
    assert typed("fever_persists_despite_medication", said) is value


async def test_the_highest_number_answers_the_medicine_question(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r8-persist")
    await t.say("我发烧四天了，是我自己，三十二岁，最高三十九度三")
    await answer_at(t, "fever_persists_despite_medication", "吃了美林退下去一点，过两个钟头又三十八度八")
    assert t.slots.get("fever_persists_despite_medication") is True, t.slots


# ---- C. alertness and breathing in everyday words -----------------------------------------------------------

@pytest.mark.parametrize(("said", "value"), [
    ("一直在屋里跑来跑去", False), ("跟平常一样玩积木", False), ("精神头挺好的，还在看动画片", False),
    ("整个人软软的，打不起精神", True), ("没什么精神，老躺着", True), ("一直犯困，光想睡觉", True),
])
def test_a_childs_alertness_in_everyday_words(said: str, value: bool) -> None:
    assert typed("symptoms.drowsiness", said) is value


@pytest.mark.parametrize(("said", "value"), [("一直在屋里跑来跑去", False), ("整个人软软的，打不起精神", True)])
async def test_alertness_said_to_the_drowsiness_question(client: httpx.AsyncClient, said: str, value: bool) -> None:
    t = Talk(client, f"r8-alert-{value}")
    await t.say(CHILD_FEVER)
    await answer_at(t, "symptoms.drowsiness", said)
    assert (t.slots.get("symptoms") or {}).get("drowsiness") is value, t.slots.get("symptoms")
    assert t.waiting != "symptoms.drowsiness"


@pytest.mark.parametrize("said", ["喘气跟平常一样，不快", "呼吸挺平稳的"])
async def test_breathing_said_to_be_as_usual_answers_the_breathing_questions(client: httpx.AsyncClient,
                                                                             said: str) -> None:
    t = Talk(client, f"r8-breath-{abs(hash(said))}")
    await t.say(CHILD_FEVER)
    await answer_at(t, "can_count_breaths", said)
    await t.until({}, default="没有")
    assert t.slots.get("can_count_breaths") is False, t.slots
    assert "respiratory_rate" not in t.asked and t.asked.count("can_count_breaths") == 1, t.asked


async def test_breathing_as_usual_said_to_the_first_breathing_question_answers_the_rest(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r8-breath-first")
    await t.say(CHILD_FEVER)
    await answer_at(t, "symptoms.dyspnea", "他喘气挺正常的，跟平时一样")
    await t.until({}, default="没有")
    assert (t.slots.get("symptoms") or {}).get("dyspnea") is False, t.slots.get("symptoms")
    assert not {"can_count_breaths", "respiratory_rate", "breathless_at_rest"} & set(t.asked), t.asked


async def test_breathing_as_usual_said_instead_of_a_count_passes_the_count(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r8-breath-count")
    await t.say(CHILD_FEVER)
    await answer_at(t, "can_count_breaths", "可以")
    await answer_at(t, "respiratory_rate", "数了一下，呼吸跟平时一样")
    assert t.waiting != "respiratory_rate" and t.slots.get("respiratory_rate") in (None,), t.slots


# ---- D. partial intake is not refusal -----------------------------------------------------------------------

@pytest.mark.parametrize(("said", "value"), [
    ("米饭吃得少一点，水和奶都还喝", False), ("饭量少了点，口服补液盐一直在喝", False), ("胃口差点，水还肯喝", False),
    ("啥也不吃，水也不喝", True), ("一口饭都不吃，喂水就扭头", True), ("吃得少", True),
])
def test_partial_intake_is_not_refusal(said: str, value: bool) -> None:
    assert typed("symptoms.refusal_to_feed", said) is value


@pytest.mark.parametrize(("said", "value"), [("饭量少了点，口服补液盐一直在喝", False), ("啥也不吃，水也不喝", True)])
async def test_intake_said_to_the_feeding_question(client: httpx.AsyncClient, said: str, value: bool) -> None:
    t = Talk(client, f"r8-feed-{value}")
    await t.say(CHILD_FEVER)
    await answer_at(t, "symptoms.refusal_to_feed", said)
    assert (t.slots.get("symptoms") or {}).get("refusal_to_feed") is value, t.slots.get("symptoms")


# ---- E. a brief, mild or incidental pain is a low score ------------------------------------------------------

@pytest.mark.parametrize("said", ["上厕所前疼一阵，拉完就不疼了", "偶尔隐隐疼一下，很快就过去", "肚子里有点不舒服",
                                  "有时候疼一会儿，过会儿就好"])
def test_a_brief_pain_is_a_low_score(said: str) -> None:
    assert typed("pain_score", said) <= 3


async def test_a_brief_pain_is_asked_once_and_not_probed(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r8-pain")
    await t.say("我拉肚子，肚子也疼，我是病人，三十岁")
    await answer_at(t, "pain_score", "上厕所前疼一阵，拉完就不疼了")
    assert isinstance(t.slots.get("pain_score"), int | float) and t.slots["pain_score"] <= 3, t.slots
    await t.until({}, default="没有")
    assert t.asked.count("pain_score") == 1 and "symptoms.abdominal_tenderness" not in t.asked, t.asked


# ---- F. a normal blood pressure is no hypertension and no worsening ------------------------------------------

ELDER = "我阳了，有点咳嗽，是我自己，七十岁，三十七度八，两天了"


@pytest.mark.parametrize("said", ["血压一百三八十五，挺正常的", "血压正常，没别的病"])
async def test_a_normal_reading_said_to_the_conditions_question(client: httpx.AsyncClient, said: str) -> None:
    t = Talk(client, f"r8-bp-{abs(hash(said))}")
    await t.say(ELDER)
    await answer_at(t, "conditions_answer", said)
    assert (t.slots.get("conditions") or {}).get("hypertension") is not True, t.slots
    assert t.slots.get("underlying_worsening") is not True, t.slots


@pytest.mark.parametrize(("said", "value"), [
    ("一直吃药，控制得挺好", False), ("血压今天量的一百三十五八十五", False), ("血压前两天量了一百九十一百一十", True),
    ("高压一百二十八十，挺稳", False),
])
def test_has_it_been_worse_answered_about_the_blood_pressure(said: str, value: bool) -> None:
    assert typed("underlying_worsening", said) is value


async def test_a_normal_reading_is_no_worsening(client: httpx.AsyncClient) -> None:
    said, value = "血压今天量的一百三十五八十五", False
    t = Talk(client, "r8-worse")
    await t.say(ELDER)
    await answer_at(t, "conditions_answer", "有高血压")
    await answer_at(t, "underlying_worsening", said)
    assert t.slots.get("underlying_worsening") is value, t.slots


def test_two_numbers_said_back_to_back_are_two() -> None:
    assert arabic("一百三十五八十五") == "135、85"
    assert arabic("一百四九十") == "140、90"
    assert arabic("一百二十八十") == "120、80"
    assert arabic("一百九十一百一十") == "190、110"
    assert arabic("一百二十八") == "128"
    assert arabic("九十七八") == "97~98"      # a range stays a range
    assert arabic("六七十岁") == "70岁"        # as before: no number of its own before the 十


# ---- G. an answer that does not address the pending question ------------------------------------------------

@pytest.mark.parametrize(("slot", "said"), [
    ("has_oximeter", "礼拜三晚上开始的"), ("has_oximeter", "周日发的烧"), ("has_oximeter", "走两步就喘"),
    ("can_count_breaths", "星期五开始的"),
])
def test_an_answer_about_something_else_is_not_a_yes_or_no(slot: str, said: str) -> None:
    assert typed(slot, said) is None


async def test_a_day_said_to_the_oximeter_question_is_asked_again(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r8-offtopic-day")
    await t.say(ADULT_COVID)
    await answer_at(t, "has_oximeter", "礼拜三晚上开始的")
    assert t.slots.get("has_oximeter") is None and t.waiting == "has_oximeter", (t.slots, t.asked)
    assert t.slots.get("spo2") is None
    await t.say("有的")  # still the pending question: the plain yes answers it
    assert t.slots.get("has_oximeter") is True and t.waiting == "spo2", (t.slots, t.asked)


async def test_a_symptom_said_to_the_oximeter_question_fills_the_symptom(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r8-offtopic-symptom")
    await t.say("我阳了，嗓子疼，是我自己，四十岁，三十八度五，两天了")
    await answer_at(t, "has_oximeter", "咳得厉害")
    assert t.slots.get("has_oximeter") is None, t.slots
    assert (t.slots.get("symptoms") or {}).get("cough") is True, t.slots


TENDER = "用手按肚子、走路或者咳嗽的时候，疼得更厉害吗？"


@pytest.mark.parametrize(("said", "question", "value"), [
    ("没看到血，都是稀的水", TENDER, None), ("没有脓，就是黄水", TENDER, None), ("不疼，也没有血", TENDER, False),
    ("没看到血，都是稀的水", "大便有没有带血，或者是黑色柏油样？", False),
])
def test_a_thing_the_question_does_not_name_denied_is_no_answer(said: str, question: str, value: object) -> None:
    assert typed("symptoms.abdominal_tenderness", said, question) is value


async def test_a_denied_thing_to_the_tenderness_question_is_asked_again(client: httpx.AsyncClient) -> None:
    said = "没看到血，都是稀的水"
    t = Talk(client, "r8-offtopic-thing")
    await t.say("我肚子疼，拉肚子，我是病人，三十岁")
    await answer_at(t, "pain_score", "六分")
    await answer_at(t, "symptoms.abdominal_tenderness", said)
    assert (t.slots.get("symptoms") or {}).get("abdominal_tenderness") is None, t.slots.get("symptoms")
    assert t.waiting == "symptoms.abdominal_tenderness", t.asked
    await t.say("按着不疼")
    assert (t.slots.get("symptoms") or {}).get("abdominal_tenderness") is False


async def test_medicines_at_hand_are_not_medicines_taken(client: httpx.AsyncClient) -> None:
    said = "一片都还没吃，药箱里有布洛芬和感冒灵"
    t = Talk(client, "r8-meds-at-hand")
    await t.say("我发烧一天，三十八度九，是我自己，三十岁")
    await answer_at(t, "medicines_taken", said)
    medications = t.slots.get("medications") or {}
    assert not any(v is True for v in medications.values()), medications
    assert (t.slots.get("symptoms") or {}).get("poisoning") is not True, t.slots


async def test_a_medicine_taken_beside_one_at_hand_is_recorded(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r8-meds-taken")
    await t.say("我发烧一天，三十八度九，是我自己，三十岁")
    await answer_at(t, "medicines_taken", "吃了一片布洛芬，家里还有感冒灵没吃")
    medications = t.slots.get("medications") or {}
    assert [k for k, v in medications.items() if v is True] == ["ibuprofen"], medications


async def test_no_medicine_yet_does_not_answer_the_after_medicine_question(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r8-meds-persist")
    await t.say("我发烧四天了，是我自己，三十二岁，最高三十九度三")
    await answer_at(t, "fever_persists_despite_medication", "药还没吃呢，家里有感冒灵")
    assert t.slots.get("fever_persists_despite_medication") is None, t.slots
    assert t.waiting == "fever_persists_despite_medication", t.asked
