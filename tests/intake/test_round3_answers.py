"""Round 3 of issue 10: the classes the lead reported from blind v6, in our own words.

Unit cases read an answer directly (bot/answers.py, actions/intake_facts.yml); the end-to-end
cases go through the real NLU and engine (tests/intake/conftest.py `Patient`).
"""
from __future__ import annotations

import pytest

from actions.intake_facts import read_facts
from bot.answers import AnswerContext, read_answer
from bot.flow_loader import UNKNOWN, SlotSpec
from tests.intake.conftest import Patient

IDEATION = SlotSpec("symptoms.suicidal_ideation", "bool")
PLAN = SlotSpec("suicide_plan", "bool")


def read(spec: SlotSpec, text: str) -> object:
    return read_answer(spec, AnswerContext(text=text, intent="inform"))


# ---- class 1: every answer to "有没有伤害自己或不想活的念头？" reads as no / thoughts / plan.
@pytest.mark.parametrize("said", [
    "想过，连怎么做都想好了", "有时候想死，药都攒好了", "想过从楼上跳下去", "安眠药攒了一瓶了", "想过上吊",
    "地方都选好了，就想一了百了",
])
def test_thoughts_with_a_plan_read_as_ideation_and_plan(said: str) -> None:
    assert read(IDEATION, said) is True
    assert read_facts(said).get("suicide_plan") is True


@pytest.mark.parametrize("said", [
    "偶尔会闪过不想活的念头，但没想过怎么做", "有时候觉得活着没意思", "想过，但不会去做", "有过这种念头", "想死的心都有",
])
def test_thoughts_without_a_plan_read_as_ideation(said: str) -> None:
    assert read(IDEATION, said) is True
    assert read_facts(said).get("suicide_plan") is not True


@pytest.mark.parametrize("said", ["没有", "没想过", "从来没有", "没有这种想法", "不会的", "没，就是累"])
def test_a_clear_no(said: str) -> None:
    assert read(IDEATION, said) is False


@pytest.mark.parametrize("said", ["不好说", "说不清", "不知道"])
def test_an_unclear_answer_is_unknown_at_once(said: str) -> None:
    assert read(IDEATION, said) == UNKNOWN


def test_the_plan_question_reads_a_denied_method_as_no() -> None:
    assert read(PLAN, "没想过怎么做，也不会去做") is False
    assert read(PLAN, "想好了怎么做") is True


# ---- class 2: testicular torsion said as lower-belly pain; the tenderness question in words.
TENDER = SlotSpec("symptoms.abdominal_tenderness", "bool")
TESTES = SlotSpec("symptoms.testicular_pain", "bool")


@pytest.mark.parametrize(("said", "value"), [
    ("一按就疼", True), ("碰都不让碰", True), ("按着更疼", True), ("走路更疼", True),
    ("按着不疼", False), ("按着反而舒服", False), ("说不清", UNKNOWN), ("不知道", UNKNOWN),
])
def test_the_tenderness_question_reads_its_answers_in_words(said: str, value: object) -> None:
    assert read(TENDER, said) == value


@pytest.mark.parametrize(("said", "value"), [
    ("右边蛋蛋疼", True), ("下面那里疼，肿了", True), ("阴囊肿", True), ("蛋蛋不疼", False), ("没有", False),
    ("肚子下面疼", None),  # the belly, not the testicles: asked again, never a yes
])
def test_the_testicle_question_reads_its_answers_in_words(said: str, value: object) -> None:
    assert read(TESTES, said) == value


@pytest.mark.parametrize("said", ["小肚子疼", "肚子下面疼", "下腹痛", "大腿根那里疼"])
def test_lower_belly_pain_is_read(said: str) -> None:
    assert read_facts(said).get("symptoms.lower_abdominal_pain") is True


@pytest.mark.asyncio(loop_scope="module")  # the module's runtime lives on the module's loop
async def test_a_boy_with_sudden_lower_belly_pain_is_asked_about_his_testicles_first(patient) -> None:
    p: Patient = patient("round3-torsion")
    await p.answers("我儿子15岁，半夜突然小肚子疼")
    assert p.asked[-1] == "utter_ask_testicular_pain", p.asked
    await p.say("右边蛋蛋也疼，肿了")
    assert (p.decision or {}).get("level") == "emergency", p.texts


@pytest.mark.asyncio(loop_scope="module")  # the module's runtime lives on the module's loop
async def test_a_man_of_unknown_age_with_groin_pain_is_asked_his_age_then_the_testicles(patient) -> None:
    p: Patient = patient("round3-torsion-age")
    await p.answers("打完球突然肚子下面疼，靠大腿根那里", "我自己")
    assert p.asked[-1] == "utter_ask_age", p.asked
    await p.say("19")
    assert p.asked[-1] == "utter_ask_testicular_pain", p.asked


@pytest.mark.asyncio(loop_scope="module")  # the module's runtime lives on the module's loop
async def test_a_woman_with_lower_belly_pain_is_not_asked_about_testicles(patient) -> None:
    p: Patient = patient("round3-no-testes-for-women")
    await p.answers("我是女的，28岁，小肚子疼", "我自己")
    assert "utter_ask_testicular_pain" not in p.asked


# (class 1, end to end)
@pytest.mark.parametrize("said", ["想过，连怎么做都想好了", "想过从楼上跳下去", "有时候想死，药都攒好了"])
@pytest.mark.asyncio(loop_scope="module")  # the module's runtime lives on the module's loop
async def test_a_plan_said_to_the_suicide_question_is_an_emergency_at_once(patient, said: str) -> None:
    p: Patient = patient(f"round3-plan-{said}")
    await p.answers("最近一个月心情特别差，什么都不想干", "我自己", "几乎每天", "几乎每天", "好几天", "好几天")
    assert p.asked[-1] == "utter_ask_suicidal_thoughts", p.asked
    await p.say(said)
    assert (p.decision or {}).get("level") == "emergency", p.texts
    assert "12356" in p.texts, p.texts


@pytest.mark.asyncio(loop_scope="module")  # the module's runtime lives on the module's loop
async def test_thoughts_without_a_plan_are_never_selfcare(patient) -> None:
    p: Patient = patient("round3-thoughts-no-plan")
    await p.answers("最近一个月心情特别差，什么都不想干", "我自己", "好几天", "好几天", "完全不会", "完全不会")
    assert p.asked[-1] == "utter_ask_suicidal_thoughts", p.asked
    await p.say("偶尔会闪过不想活的念头，但没想过怎么做")
    slots = await p.slots()
    assert slots["suicide_plan"] is False
    assert (slots.get("symptoms") or {}).get("suicidal_ideation") is True


# ---- class 3: a feverish patient is asked about a new rash and the glass test.
@pytest.mark.asyncio(loop_scope="module")  # the module's runtime lives on the module's loop
async def test_a_feverish_child_is_asked_about_a_rash_and_the_glass_test(patient) -> None:
    p: Patient = patient("round3-fever-rash")
    # "今天下午开始" is how long (round 6 of issue 10): the duration question is not asked.
    await p.answers("宝宝3岁，今天下午开始发烧，精神不太好", "39度2")
    assert p.asked[-1] == "utter_ask_medicines_taken", p.asked  # round 4 of issue 10: the overdose screen
    await p.say("喂了一次美林")
    assert p.asked[-1] == "utter_ask_fever_rash", p.asked
    await p.say("腿上有些紫红的小点点")
    assert p.asked[-1] == "utter_ask_nonblanching", p.asked
    await p.say("按了也不褪")
    assert (p.decision or {}).get("level") == "emergency", p.texts


# ---- class 4: an elderly patient "不对劲" is asked about confusion; a feverish elder too.
@pytest.mark.asyncio(loop_scope="module")  # the module's runtime lives on the module's loop
async def test_an_elder_who_is_not_himself_is_asked_about_confusion(patient) -> None:
    p: Patient = patient("round3-elder-unwell")
    await p.say("我爸82了，今天跟平时不一样，有点不对劲")
    for _ in range(8):  # the general red-flag screen, answered no, until the consciousness question
        if "utter_ask_confusion" in p.asked:
            break
        await p.say("有点烧，38度6" if "utter_ask_fever" in p.asked else "没有")
    assert "utter_ask_confusion" in p.asked, p.asked
    await p.say("糊里糊涂的，问他话答不上来")
    assert (p.decision or {}).get("level") == "emergency", p.texts


@pytest.mark.asyncio(loop_scope="module")  # the module's runtime lives on the module's loop
async def test_a_feverish_elder_is_asked_about_confusion(patient) -> None:
    p: Patient = patient("round3-elder-fever")
    await p.answers("奶奶78岁，发烧了", "38度9", "两天", "没有")
    if p.asked[-1] == "utter_ask_fever_persists":
        await p.say("吃了药能退")
    if p.asked[-1] == "utter_ask_fever_rash":
        await p.say("没有")
    assert p.asked[-1] == "utter_ask_alertness", p.asked
    await p.say("今天开始说胡话")
    assert (p.decision or {}).get("level") == "emergency", p.texts


# ---- class 5: the defining features must be present and not denied.
@pytest.mark.parametrize(("said", "slot", "value"), [
    ("下楼梯崴了一下脚，脚踝肿了，当时还以为骨折了", "recent_immobility", None),
    ("腿骨折打了石膏，小腿肿", "recent_immobility", True),
    ("头疼，不是那种突然炸开的疼", "symptoms.severe_headache", None),
    ("头不是那种突然炸开的疼", "symptoms.severe_headache", None),
    ("头像要炸开一样", "symptoms.severe_headache", True),
    ("大便有点解不出", "symptoms.incontinence", None),
    ("尿不出来", "symptoms.incontinence", True),
    ("坐久了屁股麻", "symptoms.saddle_numbness", None),
    ("屁股和会阴发麻", "symptoms.saddle_numbness", True),
])
def test_defining_features_only_when_said_and_not_denied(said: str, slot: str, value: object) -> None:
    assert read_facts(said).get(slot) is value or (value is None and read_facts(said).get(slot) is False)


# ---- class 6: unknown at once; eating poorly is a yes; which unknowns floor the level.
@pytest.mark.parametrize("said", ["吃得少", "吃得不多，就吃了几口", "不怎么吃", "就吃了几口", "比平时少了很多"])
def test_eating_poorly_answers_the_feeding_question_yes(said: str) -> None:
    assert read(SlotSpec("symptoms.refusal_to_feed", "bool"), said) is True


@pytest.mark.parametrize("said", ["不清楚", "说不好", "不知道"])
def test_a_pain_score_not_known_is_unknown_at_once(said: str) -> None:
    assert read(SlotSpec("pain_score", "int", min=0, max=10, scale="pain"), said) == UNKNOWN


def test_only_red_flag_unknowns_floor_the_level() -> None:
    from actions.triage.decision import unknown_red_flags
    sprain = {"pain_score": UNKNOWN, "age": 22, "symptoms": {"limb_injury": True}}
    assert unknown_red_flags(sprain) == 0
    belly = {"pain_score": UNKNOWN, "age": 22, "symptoms": {"abdominal_pain": True}}
    assert unknown_red_flags(belly) == 1
    cough = {"temperature": UNKNOWN, "age": 35, "symptoms": {"cough": True, "fever": UNKNOWN}}
    assert unknown_red_flags(cough) == 0
    infant = {"temperature": UNKNOWN, "age_months": 2, "symptoms": {"fever": True}}
    assert unknown_red_flags(infant) == 1


# ---- class 8: a mother after birth talking about herself is the patient.
@pytest.mark.asyncio(loop_scope="module")  # the module's runtime lives on the module's loop
async def test_a_mother_after_birth_is_the_patient_not_the_baby(patient) -> None:
    p: Patient = patient("round3-postpartum")
    await p.say("生完宝宝两个月了，我最近老是想哭，心情很低落")
    slots = await p.slots()
    assert slots.get("subject") == "self" and slots.get("age_months") is None, slots
    assert "utter_ask_age_months" not in p.asked and "utter_ask_fever" not in p.asked, p.asked


# ---- class 7: a news story or a joke is not the patient.
def test_news_and_jokes_are_not_the_patients_facts() -> None:
    assert read_facts("看到新闻说有人吃了一整瓶安眠药").get("symptoms.poisoning") is not True
    assert read_facts("开玩笑说自己头要炸开了").get("symptoms.severe_headache") is not True
    assert read_facts("头像要炸开一样").get("symptoms.severe_headache") is True
