"""Round 6 of issue 10: the question budget, dates as durations, hedged answers, a medicine question that
names its symptom, and the intake leftovers of the newcomers' trials — in typed Chinese, our own words.

Every conversation drives the real engine (NLU, flows, interceptors, rules) through the REST channel.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from actions.intake_facts import read_facts
from bot.answers import AnswerContext, hours_since_onset, read_answer
from bot.expressions import compile_expression, could_hold
from bot.flow_loader import SlotSpec
from tests.triage.talk import Talk

BEIJING = ZoneInfo("Asia/Shanghai")
AFTER_THE_DECISION = {"wants_doctor", "weight_kg", "followup_consent"}
MONDAY_AFTERNOON = datetime(2026, 12, 7, 15, 0, tzinfo=BEIJING)  # a Monday


# ---- the three-valued reading the question budget rests on

def test_a_condition_is_false_only_when_no_answer_could_make_it_hold() -> None:
    rule = compile_expression("temperature >= 38.5 and duration_hours >= 72")
    assert could_hold(rule, {"temperature": 37.6}) is False
    assert could_hold(rule, {"temperature": 39.0}) is None
    assert could_hold(rule, {"temperature": 39.0, "duration_hours": 80}) is True
    unless_denied = compile_expression("not (pain_score < 4)")
    assert could_hold(unless_denied, {}) is None  # fires now only because the answer is missing
    assert could_hold(compile_expression("present('chest_pain') or age >= 65"), {"age": 70}) is True


# ---- class 1: the question budget

def before_decision(t: Talk) -> list[str]:
    asked = list(t.asked)
    while asked and asked[-1] in AFTER_THE_DECISION:
        asked.pop()
    return asked


async def test_a_question_that_cannot_raise_an_urgent_level_is_not_asked(client: httpx.AsyncClient) -> None:
    # Pregnant with a headache and dizziness is already urgent (preg.warning_signs): how long and which
    # chronic diseases cannot raise it; the emergency signs (bleeding, fluid, movements, stroke) still are asked.
    t = Talk(client, "r6-urgent")
    await t.say("我怀孕28周了，今天头疼，还有点头晕")
    await t.until({"subject": "我自己", "age": "29岁", "symptoms.fever": "没发烧"}, default="没有")
    assert t.level == "urgent", (t.asked, t.rules)
    for red_flag in ("symptoms.vaginal_bleeding", "symptoms.fluid_leakage", "symptoms.reduced_fetal_movement"):
        assert red_flag in t.asked, t.asked
    assert "duration_hours" not in t.asked, t.asked
    assert len(before_decision(t)) <= 15, " ".join(t.asked)


async def test_a_typical_cold_takes_at_most_seven_questions(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r6-cold")
    await t.say("我流鼻涕打喷嚏两天了，嗓子有点干，没发烧")
    await t.until({"subject": "我", "age": "34岁", "sex": "男"}, default="没有")
    assert t.level == "selfcare", (t.asked, t.rules)
    assert len(before_decision(t)) <= 7, " ".join(t.asked)


async def test_a_long_feverish_child_conversation_stays_within_fifteen(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r6-long")
    await t.say("我儿子一岁半，发烧三天了，吃了退烧药还是反复烧，一直咳嗽，晚上睡不好")
    answers = {"temperature": "最高39度2", "fever_persists_despite_medication": "吃了药能退一点，过几个小时又上来",
               "medicines_taken": "美林，一次5毫升，一天三次", "has_oximeter": "没有", "can_count_breaths": "不方便数"}
    await t.until(answers, default="没有")
    assert t.level in ("urgent", "consult"), (t.asked, t.rules)
    assert len(before_decision(t)) <= 15, " ".join(t.asked)
    assert not {s: n for s, n in Counter(t.asked).items() if n > 2}


# ---- class 2: a start said as a day and a time; hedged yes / no

@pytest.mark.parametrize(("text", "low", "high"), [
    ("周五开始烧的", 72, 80),            # Friday noon until Monday 15:00
    ("前天半夜", 38, 42),
    ("从昨天中午", 26, 28),
    ("12月4号开始的", 72, 80),
    ("昨天晚上8点开始", 18, 20),
])
def test_a_start_said_as_a_day_is_hours_until_now(text: str, low: float, high: float) -> None:
    hours = hours_since_onset(text, MONDAY_AFTERNOON)
    assert hours is not None and low <= hours <= high, hours


@pytest.mark.parametrize("text", ["发烧3日", "每天早上起来头疼", "住3号床", "昨天"])
def test_no_start_is_read_from_words_that_are_not_one(text: str) -> None:
    assert hours_since_onset(text, MONDAY_AFTERNOON) is None


def test_a_start_in_an_opening_fills_the_duration() -> None:
    assert read_facts("周五开始发烧，一直没退").get("duration_hours") is not None
    assert read_facts("中午吃完饭就开始拉肚子").get("duration_hours") is not None
    assert read_facts("周五去医院拿了药").get("duration_hours") is None  # a visit, not a start


@pytest.mark.parametrize("slot", ["underlying_worsening", "fever_persists_despite_medication",
                                  "symptoms.abdominal_tenderness", "symptoms.dyspnea"])
@pytest.mark.parametrize(("text", "value"), [
    ("好像有点吧", True), ("应该有", True), ("有一点点", True), ("可能是吧", True), ("感觉有一点", True),
    ("应该没有", False), ("好像没有", False), ("应该不是", False),
])
def test_a_hedged_answer_is_read_as_its_yes_or_no(slot: str, text: str, value: bool) -> None:
    assert read_answer(SlotSpec(name=slot, type="bool"), AnswerContext(text=text, intent="inform")) is value


# ---- class 3: a medicine question that names its symptom starts that symptom's intake

@pytest.mark.parametrize("text", ["牙疼得厉害，吃什么药能止疼", "孩子肚子疼，能吃什么药", "嗓子痛得咽不下，吃啥药好"])
async def test_a_medicine_question_about_a_symptom_starts_its_intake(client: httpx.AsyncClient, text: str) -> None:
    t = Talk(client, f"r6-med-{hash(text) % 1000}")
    await t.say(text)
    assert t.waiting is not None, t.texts  # a question of the intake is pending: no dead end
    await t.until({"subject": "我自己", "age": "40岁"}, default="没有")
    assert t.level is not None, (t.asked, t.texts)


async def test_a_medicine_question_without_a_symptom_starts_nothing(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r6-med-none")
    await t.say("布洛芬一次吃几片")
    assert t.waiting is None and t.level is None, (t.asked, t.texts)


# ---- class 4: the intake leftovers of the newcomers' trials

async def test_a_whole_household_ill_is_not_asked_who(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r6-household")
    await t.say("我们一家人都拉肚子，吃坏东西了")
    assert "subject" not in t.asked and t.slots.get("subject") == "self", (t.asked, t.slots.get("subject"))
    u = Talk(client, "r6-nobody")
    await u.say("拉肚子三次了")
    assert u.waiting == "subject"  # nobody named: still asked


async def test_a_mild_gastroenteritis_gets_the_bowels_questions_and_its_start(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r6-gastro")
    await t.say("中午吃完饭就开始拉肚子，拉了三次，有点恶心")
    await t.until({"subject": "我自己", "age": "33岁"}, default="没有")
    assert t.level == "selfcare", (t.asked, t.rules)
    assert {"symptoms.bloody_stool", "symptoms.decreased_urination"} <= set(t.asked), t.asked
    assert not {"duration_hours", "has_oximeter", "symptoms.dyspnea"} & set(t.asked), t.asked


async def buttons_when(t: Talk, slot: str, answers: dict[str, str]) -> tuple[list[str], str]:
    for _ in range(20):
        if t.waiting == slot or t.level is not None or not t.asked:
            break
        reply = await t.say(answers.get(t.asked[-1], "没有"))
    assert t.waiting == slot, t.asked
    last = reply[-1]
    return [b["title"] for b in last.get("buttons") or ()], str(last.get("text") or "")


async def test_a_child_is_offered_childrens_conditions_and_no_symptom_already_told(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r6-child-buttons")
    await t.say("女儿4岁，咳嗽三天了，今天有点发烧")
    titles, _ = await buttons_when(t, "other_symptoms", {"temperature": "38度3"})
    assert "咳嗽" not in titles and "嗓子疼" in titles, titles
    titles, text = await buttons_when(t, "conditions_answer", {"temperature": "38度3"})
    assert "高血压" not in titles and "糖尿病" not in titles and "高血压" not in text, (titles, text)
    assert "哮喘" in titles, titles


async def test_an_adult_is_still_offered_the_adult_conditions(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r6-adult-buttons")
    await t.say("我发烧38度5，咳嗽，两天了")
    titles, _ = await buttons_when(t, "conditions_answer", {"subject": "我自己", "age": "45岁"})
    assert "高血压" in titles and "糖尿病" in titles, titles


# ---- class 5: the failure classes of blind v9 (our own words, both sides)

@pytest.mark.parametrize(("text", "slot"), [
    ("屁股周围一圈都麻了，摸着没感觉", "symptoms.saddle_numbness"),
    ("这两天小便尿不太出来", "symptoms.incontinence"),
    ("叫醒了马上又睡着了", "symptoms.confusion"),
    ("脚背被铁丝划了，现在红到脚踝了", "symptoms.spreading_redness"),
    ("小腿肿得发亮，一碰就疼", "symptoms.spreading_redness"),
    ("孩子老是用手打自己耳朵，哭个不停", "symptoms.ear_pain"),
])
def test_a_finding_in_the_patients_words_is_read(text: str, slot: str) -> None:
    assert read_facts(text).get(slot) is True, read_facts(text)


@pytest.mark.parametrize(("text", "slot"), [
    ("坐久了屁股有点麻", "symptoms.saddle_numbness"),
    ("叫得醒，醒了就自己玩", "symptoms.confusion"),
    ("脸有点红，不疼", "symptoms.spreading_redness"),
    ("烧退了半天又起来了", "fever_resolved"),
])
def test_words_that_only_look_like_the_finding_are_not_read(text: str, slot: str) -> None:
    assert read_facts(text).get(slot) is not True, read_facts(text)


def test_a_fever_gone_for_days_is_still_read_as_gone() -> None:
    assert read_facts("烧退了两天了").get("fever_resolved") is True


@pytest.mark.parametrize(("slot", "text", "value"), [
    ("symptoms.confusion", "叫得醒，可是一会儿又睡了", True),
    ("symptoms.confusion", "叫得醒，醒着在看电视", False),
    ("symptoms.saddle_numbness", "下面那一块木木的", True),
    ("symptoms.saddle_numbness", "不麻，感觉正常", False),
])
def test_the_question_is_answered_by_the_finding_described(slot: str, text: str, value: bool) -> None:
    assert read_answer(SlotSpec(name=slot, type="bool"), AnswerContext(text=text, intent="inform")) is value


async def test_a_toddler_hitting_itself_is_not_self_harm_but_an_adult_cutting_is(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r6-toddler")
    await t.say("儿子两岁，发烧了，一直拍打自己的头，哭闹")
    assert t.level != "emergency", (t.level, t.rules)
    assert t.slots.get("subject") == "child", t.slots.get("subject")
    u = Talk(client, "r6-adult-cut")
    await u.say("我今天又拿刀划自己了")
    assert u.level == "emergency", (u.level, u.rules)


async def test_lying_down_is_not_a_faint_but_a_collapse_is(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r6-posture")
    await t.say("躺下去一翻身就晕，屋顶在转，半分钟就好了")
    assert (t.slots.get("symptoms") or {}).get("syncope") is not True, t.slots.get("symptoms")
    u = Talk(client, "r6-collapse")
    await u.say("我爸刚才突然晕倒了，叫了一会儿才醒")
    assert (u.slots.get("symptoms") or {}).get("syncope") is True or u.level == "emergency"


# ---- the question filter itself: a missing answer never lowers a level

@pytest.fixture(scope="module")
def question_filter(tmp_path_factory: pytest.TempPathFactory, ruleset):  # type: ignore[no-untyped-def]
    from actions.triage.asking import QuestionFilter
    from tests.triage.conftest import embedded_runtime
    return QuestionFilter(ruleset, embedded_runtime(tmp_path_factory.mktemp("qf")).flows)


def test_a_question_that_could_raise_the_level_is_asked(question_filter) -> None:  # type: ignore[no-untyped-def]
    chest = {"symptoms": {"chest_pain": True}, "age": 40}
    assert question_filter.worth_asking("conditions_answer", chest, later=())  # chest pain + risk factors
    # Nothing asked yet: a symptom question is always worth asking.
    assert question_filter.worth_asking("symptoms.chest_pain", {}, later=None)


def test_a_question_that_cannot_raise_an_urgent_level_is_skipped(question_filter) -> None:  # type: ignore[no-untyped-def]
    urgent = {"pregnancy_weeks": 28, "subject": "self", "age": 30,
              "symptoms": {"headache": True, "chest_pain": False, "dyspnea": False, "fever": False}}
    assert not question_filter.worth_asking("duration_hours", urgent, later=())
    # An emergency sign of pregnancy is still asked: it could raise the level above urgent.
    assert question_filter.worth_asking("symptoms.vaginal_bleeding", urgent, later=())
