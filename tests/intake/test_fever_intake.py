"""The fever / COVID-19 intake over the REST channel: what it asks, what it skips, corrections, outcomes."""
from __future__ import annotations

import pytest

from tests.intake.conftest import MILD_ADULT, Patient

pytestmark = pytest.mark.asyncio(loop_scope="module")

REACH = {"/request_doctor", "/call_120"}



async def test_covid_positive_asks_the_fever_questions_in_order(patient) -> None:
    p: Patient = patient("fever-order")
    asked = []
    for message in MILD_ADULT:
        await p.say(message)
        asked.extend(k for k in p.asked if k.startswith("utter_ask_"))
    assert asked == [
        "utter_ask_subject",
        "utter_ask_fever",
        "utter_ask_temperature",
        "utter_ask_duration",
        "utter_ask_fever_persists",
        "utter_ask_dyspnea",
        "utter_ask_has_oximeter",
        "utter_ask_chest_pain",
        "utter_ask_other_symptoms",
        "utter_ask_age",
        "utter_ask_conditions",
        "utter_ask_pregnant",
        "utter_ask_followup",
    ]


async def test_mild_adult_ends_in_selfcare_with_guidance_and_a_followup_offer(patient) -> None:
    p: Patient = patient("fever-mild")
    await p.answers(*MILD_ADULT)
    assert p.decision["level"] == "selfcare"
    assert "utter_outcome_selfcare" in p.asked and p.asked[-1] == "utter_ask_followup"
    assert "对乙酰氨基酚" in p.texts and "布洛芬" in p.texts
    assert "【出现以下任何一种情况，请立即就医或拨打120】" in p.texts
    reach = [m for m in p.replies if REACH <= {b["payload"] for b in m.get("buttons", [])}]
    assert reach, "the guidance keeps 转人工 and 120 one tap away"


async def test_what_the_opening_already_said_is_not_asked_again(patient) -> None:
    p: Patient = patient("fever-known")
    await p.say('/covid_positive{"subject": "self", "antigen_result": "positive", "temperature": 39.0, "duration_hours": 24}')
    # Round 4 of issue 10: a high fever of under two days is asked which medicine, how much (overdose screen).
    assert p.asked == ["utter_ask_medicines_taken"], "subject, test, fever, temperature and duration were given"
    await p.say("没吃药")
    assert p.asked == ["utter_ask_dyspnea"]


async def test_a_family_member_child_gets_the_childrens_questions(patient) -> None:
    p: Patient = patient("fever-child")
    await p.answers("/covid_positive", '/inform{"subject": "child"}')
    assert p.asked == ["utter_ask_child_age"]
    await p.answers("4", '/inform{"symptoms.fever": true}')
    assert p.asked == ["utter_ask_temperature"]
    asked = []
    for message in (
        "39",
        '/inform{"duration_hours": 24}',
        "没吃药",
        '/inform{"symptoms.rash": false}',
        '/inform{"symptoms.dyspnea": false, "breathing_severity": "none"}',
        '/inform{"has_oximeter": false}',
        '/inform{"can_count_breaths": true}',
        "28",
        '/inform{"exposure_answer": "none"}',
        '/inform{"other_symptoms": "none"}',
    ):
        await p.say(message)
        asked.extend(k for k in p.asked if k.startswith("utter_ask_"))
    # Under 12: no chest-pain question, the breathing rate is asked; the weight (for dosing) only
    # after a self-care decision, so the children's red flags come first.
    assert asked == [
        "utter_ask_duration",
        "utter_ask_medicines_taken",  # round 4: which medicine, how much (overdose screen)
        "utter_ask_fever_rash",  # round 3: a feverish child is asked about a new rash
        "utter_ask_dyspnea",
        "utter_ask_has_oximeter",
        "utter_ask_can_count_breaths",
        "utter_ask_respiratory_rate",
        "utter_ask_exposure",
        "utter_ask_other_symptoms",
        "utter_ask_child_drowsiness",
    ]


async def test_a_child_with_fever_gets_weight_based_doses(patient) -> None:
    p: Patient = patient("fever-child-dose")
    await p.say(
        '/covid_positive{"subject": "child", "age": 4, "antigen_result": "positive", "temperature": 38.8,'
        ' "duration_hours": 24, "breathing_severity": "none", "symptoms.dyspnea": false, "has_oximeter": false,'
        ' "respiratory_rate": 26, "other_symptoms": "none", "weight_kg": 16, "symptoms.rash": false,'
        ' "medicines_taken": "none"}'
    )
    assert p.asked == ["utter_ask_child_drowsiness"]
    # Vomiting and diarrhoea are one question for a child (a no to both).
    for key in ("drowsiness", "seizure", "refusal_to_feed", "vomiting_or_diarrhea", "decreased_urination"):
        await p.say(f'/inform{{"symptoms.{key}": false}}')
    await p.answers('/inform{"conditions_answer": "none"}')
    assert p.decision["level"] == "selfcare"
    assert "16 kg 的孩子每次 160–240 mg" in p.texts  # acetaminophen 10–15 mg/kg
    assert "16 kg 的孩子每次 80–160 mg" in p.texts  # ibuprofen 5–10 mg/kg
    assert "成人每次0.5 g" not in p.texts


async def test_an_infant_is_asked_the_age_in_months(patient) -> None:
    p: Patient = patient("fever-infant")
    await p.answers("/covid_positive", '/inform{"subject": "infant"}')
    assert p.asked == ["utter_ask_age_months"]
    await p.say("5")
    assert (await p.slots())["age_months"] == 5


async def test_a_corrected_temperature_re_decides_the_question_that_depends_on_it(patient) -> None:
    p: Patient = patient("fever-correct")
    await p.answers("/covid_positive", '/inform{"subject": "self", "antigen_result": "positive"}',
                    '/inform{"symptoms.fever": true}', "37.8", '/inform{"duration_hours": 96}')
    # 37.8 ℃: the "still above 38.5 despite medicine" question does not apply.
    assert p.asked == ["utter_ask_dyspnea"]
    await p.say('/inform{"temperature": 39.2}')
    assert "已更正" in p.texts and "39.2" in p.texts
    assert (await p.slots())["temperature"] == 39.2
    # The pending breathing questions finish, then the fever question that now applies is asked
    # (before it would have gone straight on to chest pain).
    await p.answers('/inform{"symptoms.dyspnea": false, "breathing_severity": "none"}', '/inform{"has_oximeter": false}')
    assert p.asked == ["utter_ask_fever_persists"]


async def test_persistent_fever_for_three_days_is_urgent_with_the_doctor_offer(patient) -> None:
    p: Patient = patient("fever-urgent")
    await p.answers(
        '/covid_positive{"subject": "self", "antigen_result": "positive", "temperature": 39.0, "duration_hours": 72,'
        ' "fever_persists_despite_medication": true, "medicines_taken": "布洛芬一片", "symptoms.dyspnea": false, "breathing_severity": "none",'
        ' "has_oximeter": false, "symptoms.chest_pain": false, "other_symptoms": "none", "age": 40,'
        ' "conditions_answer": "none", "pregnant": false, "vaccine_doses": 3}'
    )
    assert p.decision["level"] == "urgent" and "covid.persistent_fever" in p.decision["rules"]
    assert p.asked[-1] == "utter_ask_wants_doctor_urgent"
    assert "utter_outcome_urgent" in p.asked and "发热门诊" in p.texts
    assert "【出现以下任何一种情况，请立即就医或拨打120】" in p.texts
    await p.say('/inform{"wants_doctor": false}')
    assert p.asked == ["utter_outcome_close"] and REACH <= set(p.last_payloads)


async def test_consult_offers_a_live_doctor_and_a_yes_requests_one(patient) -> None:
    p: Patient = patient("fever-consult")
    # 65 and feverish: the age modifier raises selfcare to consult.
    await p.say(
        '/covid_positive{"subject": "parent", "antigen_result": "positive", "temperature": 38.0, "duration_hours": 24,'
        ' "symptoms.dyspnea": false, "breathing_severity": "none", "has_oximeter": true, "spo2": 97,'
        ' "symptoms.chest_pain": false, "other_symptoms": "none", "age": 70, "conditions_answer": "none",'
        ' "vaccine_doses": 3, "symptoms.confusion": false}'
    )
    assert p.decision["level"] == "consult" and "risk.age_65" in p.decision["rules"]
    assert p.asked[-1] == "utter_ask_wants_doctor"
    await p.say('/inform{"wants_doctor": true}')
    events = (await p.tracker())["events"]
    # The doctor-session flow takes over (whether a doctor is on duty is its business).
    assert any(e["event"] == "flow_started" and e.get("flow") == "request_doctor" for e in events)
    assert any(e["event"] == "action" and e.get("name") == "handoff" for e in events)


async def test_a_red_flag_answer_stops_the_intake_with_the_emergency_answer(patient) -> None:
    p: Patient = patient("fever-emergency")
    await p.answers('/covid_positive{"subject": "self", "antigen_result": "positive", "temperature": 39.0, "duration_hours": 24,'
                    ' "medicines_taken": "none"}')
    await p.answers('/inform{"symptoms.dyspnea": true, "breathing_severity": "mild"}', '/inform{"has_oximeter": true}')
    assert p.asked == ["utter_ask_spo2"]
    await p.say("92")
    assert p.decision["level"] == "emergency"
    assert "/call_120" in {b["payload"] for m in p.replies for b in m.get("buttons", [])}
    assert (await p.tracker())["active_flow"] is None


async def test_typed_chinese_answers_work_as_well_as_buttons(patient) -> None:
    p: Patient = patient("fever-typed")
    await p.say("我阳了，发烧39度两天了")
    # 阳了, 39度 and 两天 were understood: straight to whether the fever resists medicine.
    assert p.asked == ["utter_ask_fever_persists"]
    asked = []
    for answer in ("没有", "有点喘，爬楼梯会气短", "不是", "没有血氧仪", "不方便", "没有胸痛", "嗓子疼", "35岁", "没有", "不是"):
        await p.say(answer)
        asked.extend(k for k in p.asked if k.startswith("utter_ask_"))
    decision = p.decision
    assert asked == [
        "utter_ask_dyspnea",
        "utter_ask_breathless_at_rest",
        "utter_ask_has_oximeter",
        "utter_ask_can_count_breaths",
        "utter_ask_chest_pain",
        "utter_ask_other_symptoms",
        "utter_ask_age",
        # Round 6 of issue 10: breathless on effort is already urgent, and no chronic disease can make
        # it an emergency (actions/triage/asking.py). Round 8: a pregnancy said in the conditions answer now
        # opens the pregnancy's own warning signs first (emergencies), so the question is worth asking.
        "utter_ask_conditions",
        "utter_ask_pregnant",
        "utter_ask_wants_doctor_urgent",
    ]
    slots = await p.slots()
    assert slots["breathing_severity"] == "mild" and slots["symptoms"]["sore_throat"] is True
    assert decision["level"] == "urgent" and "resp.dyspnea" in decision["rules"]


async def test_breathless_at_rest_is_decided_at_once(patient) -> None:
    p: Patient = patient("fever-at-rest")
    await p.answers('/covid_positive{"subject": "self", "antigen_result": "positive", "temperature": 39.0, "duration_hours": 24}',
                    "有点气短")
    assert p.asked == ["utter_ask_breathless_at_rest"]
    await p.say("是的")
    assert p.decision["level"] == "emergency" and "resp.severe_dyspnea" in p.decision["rules"]
    assert (await p.tracker())["active_flow"] is None, "no question after an emergency"


async def test_a_new_symptom_mid_intake_keeps_the_questions_still_to_ask(patient) -> None:
    p: Patient = patient("fever-midway")
    await p.say('/covid_positive{"subject": "child", "age": 3, "antigen_result": "positive", "temperature": 38.5,'
                ' "duration_hours": 24, "symptoms.dyspnea": false, "breathing_severity": "none", "has_oximeter": false,'
                ' "can_count_breaths": false, "other_symptoms": "none", "symptoms.rash": false,'
                ' "medicines_taken": "none"}')
    assert p.asked == ["utter_ask_child_drowsiness"]
    # Not an answer, but a new complaint: it is kept, and the children's questions are not lost.
    await p.say('/covid_positive{"symptoms.vomiting": true}')
    assert p.asked[-1] == "utter_ask_child_drowsiness"
    assert (await p.slots())["symptoms"]["vomiting"] is True


async def test_a_typed_symptom_answers_its_question_whatever_its_negative_wording(patient) -> None:
    p: Patient = patient("fever-feeding")
    await p.say('/covid_positive{"subject": "child", "age": 1, "antigen_result": "positive", "temperature": 38.5,'
                ' "duration_hours": 24, "symptoms.dyspnea": false, "breathing_severity": "none", "has_oximeter": false,'
                ' "can_count_breaths": false, "other_symptoms": "none", "weight_kg": 10, "symptoms.confusion": false,'
                ' "symptoms.drowsiness": false, "symptoms.seizure": false, "symptoms.rash": false,'
                ' "medicines_taken": "none"}')
    assert p.asked == ["utter_ask_child_feeding"]
    await p.say("不吃奶")
    assert (await p.slots())["symptoms"]["refusal_to_feed"] is True
    assert "已更正" not in p.texts


async def test_a_chronic_condition_brings_the_question_whether_it_is_worsening(patient) -> None:
    p: Patient = patient("fever-chronic")
    await p.say('/covid_positive{"subject": "parent", "antigen_result": "positive", "temperature": 38.0, "duration_hours": 24,'
                ' "symptoms.dyspnea": false, "breathing_severity": "none", "has_oximeter": false,'
                ' "symptoms.chest_pain": false, "other_symptoms": "none", "age": 60}')
    assert p.asked == ["utter_ask_conditions"]
    await p.say("有糖尿病")
    assert p.asked == ["utter_ask_underlying_worsening"]
    await p.say("是的")
    assert (await p.slots())["underlying_worsening"] is True


async def test_no_chronic_condition_no_worsening_question(patient) -> None:
    p: Patient = patient("fever-healthy")
    await p.say('/covid_positive{"subject": "parent", "antigen_result": "positive", "temperature": 38.0, "duration_hours": 24,'
                ' "symptoms.dyspnea": false, "breathing_severity": "none", "has_oximeter": false,'
                ' "symptoms.chest_pain": false, "other_symptoms": "none", "age": 60}')
    await p.say("没有")
    assert p.asked == ["utter_ask_vaccine_doses"]
