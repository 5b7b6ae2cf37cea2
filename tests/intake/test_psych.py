"""Psychological support over REST: PHQ-2 / GAD-2, the suicide question on low mood, crisis lines."""
from __future__ import annotations

import pytest

from tests.intake.conftest import Patient

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_psych_support_asks_the_four_items_with_their_validated_wording(patient) -> None:
    p: Patient = patient("psych-items")
    await p.say("/psych_support")
    asked = list(p.asked)
    for answer in ("完全不会", "完全不会", "好几天"):
        await p.say(answer)
        asked.extend(p.asked)
    assert asked == [
        "utter_psych_intro",
        "utter_ask_phq2_interest",
        "utter_ask_phq2_mood",
        "utter_ask_gad2_nervous",
        "utter_ask_gad2_worry",
    ]
    assert "不能够停止或控制担忧" in p.texts


async def test_a_positive_anxiety_screen_is_scored_and_offers_a_doctor(patient) -> None:
    p: Patient = patient("psych-anxious")
    await p.answers("/psych_support", "完全不会", "完全不会", "一半以上的天数", "一半以上的天数")
    assert (await p.slots())["gad2_score"] == 4 and (await p.slots())["phq2_score"] == 0
    assert p.decision["level"] == "consult" and "psych.anxiety_screen_positive" in p.decision["rules"]
    assert p.asked[-1] == "utter_ask_wants_doctor"
    assert "12356" in p.texts, "the mood red flags name the crisis lines"


async def test_low_mood_brings_the_suicide_question(patient) -> None:
    p: Patient = patient("psych-low")
    await p.answers("/psych_support", "好几天", "一半以上的天数", "完全不会")
    await p.say("完全不会")
    assert p.asked == ["utter_ask_suicidal_thoughts"]
    await p.say('/inform{"symptoms.suicidal_ideation": false}')
    assert p.decision["level"] == "consult" and "psych.depression_screen_positive" in p.decision["rules"]


async def test_no_low_mood_means_no_suicide_question(patient) -> None:
    p: Patient = patient("psych-fine")
    await p.answers("/psych_support", "完全不会", "完全不会", "完全不会", "完全不会")
    assert "utter_ask_suicidal_thoughts" not in p.asked
    assert p.decision["level"] == "selfcare"


async def test_suicidal_thoughts_get_the_crisis_lines_at_once(patient) -> None:
    p: Patient = patient("psych-risk")
    await p.answers("/psych_support", "一半以上的天数", "几乎每天", "好几天", "好几天")
    assert p.asked == ["utter_ask_suicidal_thoughts"]
    await p.say('/inform{"symptoms.suicidal_ideation": true}')
    assert p.decision["level"] == "emergency"
    assert "12356" in p.texts and "400-161-9995" in p.texts
    assert "/call_120" in {b["payload"] for m in p.replies for b in m.get("buttons", [])}


async def test_low_mood_mentioned_during_a_fever_intake_brings_the_suicide_question_before_triage(patient) -> None:
    p: Patient = patient("psych-fever")
    await p.say(
        '/covid_positive{"subject": "self", "antigen_result": "positive", "temperature": 38.0, "duration_hours": 24,'
        ' "symptoms.dyspnea": false, "breathing_severity": "none", "has_oximeter": false, "symptoms.chest_pain": false,'
        ' "other_symptoms": "none", "age": 30, "conditions_answer": "none", "pregnant": false, "vaccine_doses": 3,'
        ' "symptoms.low_mood": true, "phq2_interest": 1, "phq2_mood": 1, "gad2_nervous": 0, "gad2_worry": 0}'
    )
    # The fever intake is the symptom intake: low mood brings the screening, then the suicide question.
    assert p.asked == ["utter_ask_suicidal_thoughts"] and p.decision is None


async def test_a_screen_answer_out_of_range_is_asked_again_with_the_scale(patient) -> None:
    p: Patient = patient("psych-range")
    await p.answers("/psych_support", "7")
    assert "utter_reask_screen_item" in p.asked


async def test_the_screen_buttons_show_no_scores_and_a_typed_number_is_the_buttons_number(patient) -> None:
    """Channels number the buttons 1–4 while the scores are 0–3: no title carries a digit, and a
    typed "2" is the second button as shown ("好几天", 1), "4" the fourth ("几乎每天", 3)."""
    p: Patient = patient("psych-numbers")
    await p.say("/psych_support")
    titles = [b["title"] for m in p.replies for b in m.get("buttons", [])]
    assert titles == ["完全不会", "好几天", "一半以上的天数", "几乎每天"]
    await p.answers("2", "4", "1", "几乎每天")
    slots = await p.slots()
    assert (slots["phq2_interest"], slots["phq2_mood"], slots["gad2_nervous"], slots["gad2_worry"]) == (1, 3, 0, 3)


# ---- The emergency wording for suicidal ideation and self-harm (docs/intake.md, psych) ----------------

@pytest.mark.parametrize("said", ["我想自杀，药都准备好了", "我刚才用刀划了手腕"])
async def test_suicide_and_self_harm_get_the_crisis_wording_not_the_driving_advice(patient, said: str) -> None:
    p: Patient = patient(f"psych-crisis-{said}")
    await p.say(said)
    assert p.decision and p.decision["level"] == "emergency"
    assert p.asked[0] == "utter_emergency_call_crisis"
    assert "开车" not in p.texts, "no driving advice for a suicidal crisis"
    for needed in ("12356", "400-161-9995", "120", "110", "不要一个人", "刀具"):
        assert needed in p.texts, needed
    assert "/call_120" in {b["payload"] for m in p.replies for b in m.get("buttons", [])}


async def test_chest_pain_keeps_the_general_emergency_wording(patient) -> None:
    p: Patient = patient("psych-crisis-chest")
    await p.say("胸口压着疼，出冷汗，疼到左胳膊")
    assert p.decision and p.decision["level"] == "emergency"
    assert p.asked[0] == "utter_emergency_call" and "不要自己开车" in p.texts


# ---- How-often answers read by meaning (flows/language/frequency.yml) --------------------------------

async def _score_of_worry(p: Patient, said: str) -> object:
    await p.answers("/psych_support", "完全不会", "完全不会", "完全不会", said)
    return (await p.slots()).get("gad2_worry")


async def test_not_much_worry_but_missing_her_is_not_worry(patient) -> None:
    p: Patient = patient("psych-freq-missing")
    assert await _score_of_worry(p, "不怎么担心，就是想她") == 0
    assert (await p.slots())["gad2_score"] == 0


async def test_missing_someone_or_sadness_alone_is_not_an_answer_to_the_worry_item(patient) -> None:
    for n, said in enumerate(("就是想她", "心里很难过")):
        p: Patient = patient(f"psych-freq-other-{n}")
        assert await _score_of_worry(p, said) is None, said
        # Asked again (sadness is noted as what it is, low mood, first).
        assert p.asked[-1] in ("utter_reask_screen_item", "utter_ask_gad2_worry"), said


@pytest.mark.parametrize(("said", "score"), [
    ("偶尔", 1), ("有几天", 1), ("时不时会", 1), ("两周里有五六天", 1), ("一半以上", 2), ("经常", 2),
    ("一周有三四天", 2), ("老是这样", 3), ("几乎天天", 3), ("每天都紧张", 3), ("天天", 3),
    ("不太紧张", 0), ("没怎么紧张过", 0), ("不是天天，偶尔", 1), ("紧张得不行", 2), ("完全不会", 0),
])
async def test_how_often_nervous_is_read_by_meaning(patient, said: str, score: int) -> None:
    p: Patient = patient(f"psych-freq-{said}")
    await p.answers("/psych_support", "完全不会", "完全不会", said)
    assert (await p.slots()).get("gad2_nervous") == score, said
    assert p.asked == ["utter_ask_gad2_worry"], said


async def test_a_low_mood_said_without_how_often_is_not_read_as_none(patient) -> None:
    p: Patient = patient("psych-freq-mood")
    await p.answers("/psych_support", "对什么都没兴趣", "心情不太好")
    slots = await p.slots()
    assert slots.get("phq2_interest") == 2 and slots.get("phq2_mood") == 2


# ---- A word of sympathy for a loss before the mood screen -------------------------------------------

@pytest.mark.parametrize(("said", "kind"), [
    ("老伴走了，我心里很难受", "person"), ("我妈上个月去世了，我睡不着", "person"), ("孩子没了，我心情很差", "person"),
    ("我家的狗死了，很难过", "pet"), ("养了十年的猫上周走了，心里空落落的", "pet"),
    ("我失业了，心情很差", "job"), ("被公司裁员了，最近情绪很低落", "job"),
])
async def test_a_loss_said_gets_a_word_of_sympathy_before_the_questions(patient, said: str, kind: str) -> None:
    p: Patient = patient(f"psych-loss-{said}")
    await p.say(said)
    if p.asked == ["utter_ask_subject"]:
        await p.say("我自己")  # who is unwell is asked first when the message does not say it
    assert (await p.slots()).get("subject") in (None, "self"), "the bereaved is the patient, not the one who died"
    assert p.asked[:2] == [f"utter_psych_loss_{kind}", "utter_ask_phq2_interest"], said
    await p.say("好几天")
    assert not any(k.startswith("utter_psych_loss") for k in p.asked), "said once"


async def test_no_loss_said_means_the_plain_intro(patient) -> None:
    p: Patient = patient("psych-loss-none")
    await p.say("最近心情不好")
    assert p.asked[:2] == ["utter_psych_intro", "utter_ask_phq2_interest"]
    assert "节哀" not in p.texts


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("said", ["我妈走了两步就喘", "孩子没了胃口", "我妈肚子疼死了", "孩子热死了", "狗狗快急死了", "我爸去了医院", "最近工作压力大", "担心狗狗生病"])
async def test_words_that_only_look_like_a_loss_are_not_one(said: str) -> None:
    from actions.psych_screen import loss_in
    assert loss_in(said) is None, said


# ---- Thoughts of not wanting to live, no plan said (docs/intake.md, psych: the level) ------------------

async def test_thoughts_without_a_plan_get_the_crisis_lines_a_person_and_the_safe_level(patient) -> None:
    p: Patient = patient("psych-noplan")
    await p.say("最近心情很差，有时候不想活了")
    # Plan or intent not ruled out: psych.suicide_risk (emergency), the crisis wording, lines and a person.
    assert p.decision and p.decision["rules"] == ["psych.suicide_risk"]
    assert p.asked[:2] == ["utter_emergency_call_crisis", "utter_emergency_wait_suicide"]
    assert "12356" in p.texts and "开车" not in p.texts
    assert "/request_doctor" in {b["payload"] for m in p.replies for b in m.get("buttons", [])}
    await p.say("没有计划，也不会去做，就是偶尔这么想")
    assert "12356" in p.texts and "400-161-9995" in p.texts
    assert '/request_doctor{"consult_department": "psychology"}' in {b["payload"] for m in p.replies for b in m.get("buttons", [])}
    # fix5: the plan question is asked once after the crisis lines; a clear no is psych.suicidal_thoughts (urgent).
    assert (await p.slots())["triage_level"] == "urgent"
