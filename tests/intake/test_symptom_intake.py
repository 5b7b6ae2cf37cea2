"""General symptom intake over REST: the complaint table's questions, pregnancy, and the ask_* entry points."""
from __future__ import annotations

import pytest

from tests.intake.conftest import Patient

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_a_vague_opening_asks_who_then_the_chief_complaint(patient) -> None:
    p: Patient = patient("general-vague")
    await p.say("/report_symptoms")
    assert p.asked == ["utter_ask_subject"]
    await p.say('/inform{"subject": "self"}')
    assert p.asked == ["utter_ask_chief_complaint"]


async def test_chest_pain_asks_its_red_flags_and_sweating_makes_it_an_emergency(patient) -> None:
    p: Patient = patient("general-chest")
    await p.say('/report_symptoms{"subject": "self", "symptoms.chest_pain": true}')
    assert p.asked == ["utter_ask_sweating"], "the complaint was given, so the complaint question is skipped"
    await p.say('/inform{"symptoms.sweating": false}')
    assert p.asked == ["utter_ask_radiating_pain"]
    await p.say('/inform{"symptoms.radiating_pain": true}')
    assert p.decision["level"] == "emergency" and "cardiac.chest_pain_red_flags" in p.decision["rules"]


async def test_headache_asks_the_thunderclap_meningitis_and_stroke_questions(patient) -> None:
    p: Patient = patient("general-headache")
    await p.say('/report_symptoms{"subject": "self", "symptoms.headache": true}')
    asked = list(p.asked)
    for key in ("severe_headache", "stiff_neck", "fast_signs", "confusion"):
        await p.say(f'/inform{{"symptoms.{key}": false}}')
        asked.extend(p.asked)
    # Face, arm and speech (FAST) are one question; a no to it asks none of them one by one.
    assert asked == [
        "utter_ask_severe_headache",
        "utter_ask_stiff_neck",
        "utter_ask_fast_signs",
        "utter_ask_confusion",
        "utter_ask_fever",
    ]


async def test_a_yes_to_the_fast_question_is_a_stroke_emergency(patient) -> None:
    p: Patient = patient("general-fast-yes")
    await p.answers('/report_symptoms{"subject": "self", "symptoms.headache": true}', "不是", "没有")
    assert p.asked == ["utter_ask_fast_signs"]
    await p.say("有，右边嘴角有点歪")
    assert p.decision["level"] == "emergency" and "neuro.stroke_signs" in p.decision["rules"]


async def test_two_complaints_get_both_question_sets_without_repeats(patient) -> None:
    p: Patient = patient("general-two")
    await p.say('/report_symptoms{"subject": "self", "symptoms.abdominal_pain": true, "symptoms.dysuria": true}')
    asked = list(p.asked)
    for answer in ('/inform{"pain_score": 3}', '/inform{"symptoms.bloody_stool": false}',
                   '/inform{"duration_hours": 24}', '/inform{"symptoms.fever": false}',
                   '/inform{"symptoms.back_pain": false}'):
        await p.say(answer)
        asked.extend(k for k in p.asked if k.startswith("utter_ask_"))
    # Mild pain (3/10): no tenderness question; no vomiting: no question about vomiting blood.
    assert asked == [
        "utter_ask_pain_score",
        "utter_ask_bloody_stool",
        "utter_ask_duration",
        "utter_ask_fever",
        "utter_ask_back_pain",  # the urinary questions follow; fever was already answered
        "utter_ask_hematuria",
    ]


async def test_the_complaint_button_leads_to_that_complaints_questions(patient) -> None:
    p: Patient = patient("general-button")
    await p.answers("/report_symptoms", '/inform{"subject": "self"}')
    await p.say('/inform{"complaint_text": "rash_allergy", "chief_complaint": "rash_allergy"}')
    assert p.asked == ["utter_ask_hives"]
    await p.say('/inform{"symptoms.hives": true}')
    assert p.asked == ["utter_ask_facial_swelling"]
    await p.say('/inform{"symptoms.facial_swelling": true}')
    assert p.asked == ["utter_ask_dyspnea"]
    await p.say('/inform{"symptoms.dyspnea": true, "breathing_severity": "mild"}')
    assert p.decision["level"] == "emergency" and "allergy.anaphylaxis" in p.decision["rules"]


async def test_poisoning_is_confirmed_then_an_emergency(patient) -> None:
    p: Patient = patient("general-poison")
    await p.answers("/report_symptoms", '/inform{"subject": "child"}')
    await p.say('/inform{"complaint_text": "poisoning", "chief_complaint": "poisoning"}')
    assert p.asked == ["utter_ask_poisoning"], "before the children's questions"
    await p.say('/inform{"symptoms.poisoning": true}')
    assert p.decision["level"] == "emergency" and "tox.poisoning" in p.decision["rules"]
    assert (await p.tracker())["active_flow"] is None


async def test_pregnancy_asks_weeks_bleeding_fluid_and_fetal_movement(patient) -> None:
    p: Patient = patient("general-pregnancy")
    await p.say('/report_symptoms{"subject": "self", "age": 29, "chief_complaint": "pregnancy"}')
    assert p.asked == ["utter_ask_pregnancy_weeks"]
    asked = []
    for answer in ("30", '/inform{"symptoms.vaginal_bleeding": false}', '/inform{"symptoms.fluid_leakage": false}'):
        await p.say(answer)
        asked.extend(p.asked)
    assert asked == ["utter_ask_vaginal_bleeding", "utter_ask_fluid_leakage", "utter_ask_fetal_movement"]
    await p.say('/inform{"symptoms.reduced_fetal_movement": true}')
    assert p.decision["level"] == "emergency" and "preg.reduced_fetal_movement" in p.decision["rules"]


async def test_early_pregnancy_is_not_asked_about_fetal_movement(patient) -> None:
    p: Patient = patient("general-pregnancy-early")
    await p.say('/report_symptoms{"subject": "self", "age": 29, "chief_complaint": "pregnancy", "pregnancy_weeks": 10,'
                ' "symptoms.vaginal_bleeding": false, "symptoms.fluid_leakage": false}')
    assert p.asked == ["utter_ask_pregnancy_abdominal_pain"]


async def test_pregnant_woman_with_fever_gets_no_ibuprofen(patient) -> None:
    p: Patient = patient("general-pregnant-fever")
    await p.say(
        '/covid_positive{"subject": "self", "age": 30, "pregnant": true, "pregnancy_weeks": 12, "antigen_result": "positive",'
        ' "temperature": 38.2, "duration_hours": 24, "symptoms.dyspnea": false, "breathing_severity": "none",'
        ' "has_oximeter": false, "symptoms.chest_pain": false, "other_symptoms": "none", "conditions_answer": "none",'
        ' "symptoms.vaginal_bleeding": false, "symptoms.fluid_leakage": false, "symptoms.abdominal_pain": false,'
        ' "symptoms.headache": false, "symptoms.dizziness": false, "symptoms.palpitations": false,'
        ' "symptoms.chest_tightness": false, "vaccine_doses": 3}'
    )
    # Pregnancy is a high-risk modifier: selfcare is raised to consult; the guidance comes with the red flags.
    assert p.decision["level"] == "consult" and "risk.pregnancy" in p.decision["rules"]
    assert "孕妇：头痛、头晕、心慌、憋气" in p.texts


async def test_ask_when_hospital_lists_the_red_flags_and_offers_an_assessment(patient) -> None:
    p: Patient = patient("general-when")
    await p.say("/ask_when_hospital")
    assert "【出现以下任何一种情况，请立即就医或拨打120】" in p.texts
    assert {"/report_symptoms", "/request_doctor", "/call_120"} <= set(p.last_payloads)


async def test_ask_home_care_gives_guidance_for_what_is_known(patient) -> None:
    p: Patient = patient("general-homecare")
    await p.say('/ask_home_care{"antigen_result": "positive", "symptoms.sore_throat": true}')
    assert "嗓子疼" in p.texts and "尽量住单独的房间" in p.texts
    assert "/report_symptoms" in p.last_payloads


async def test_the_menu_payloads_start_intake_flows(runtime) -> None:
    started = {intent: runtime.flows.triggered_by(intent, {}).id
               for intent in ("covid_positive", "report_symptoms", "psych_support", "ask_home_care", "ask_when_hospital")}
    assert started == {
        "covid_positive": "fever_intake",
        "report_symptoms": "symptom_intake",
        "psych_support": "psych_support",
        "ask_home_care": "home_care_question",
        "ask_when_hospital": "when_to_hospital",
    }


async def test_an_english_conversation_is_asked_in_english(patient) -> None:
    p: Patient = patient("general-en")
    await p.answers('/set_language{"language": "en"}', "/covid_positive")
    assert p.replies[-1]["text"] == "Who is unwell?"
    assert [b["title"] for b in p.replies[-1]["buttons"]][:2] == ["Myself", "My child"]
