"""Every rule of rules.yml, one fact pattern that fires it and one just beside it that does not.

The table is the specification of each rule's evidence, thresholds at their boundaries
included; a rule without a firing and a non-firing case here fails the coverage test.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from actions.triage.decision import derive_facts
from actions.triage.ruleset import Ruleset
from tests.triage.conftest import symptoms as sx


class Case(NamedTuple):
    rule: str
    says: str
    facts: dict[str, Any]
    fires: bool


CASES = [
    # --- emergency
    Case("resp.spo2_low", "spo2 93 is at the threshold", {"spo2": 93}, True),
    Case("resp.spo2_low", "spo2 94 is above it", {"spo2": 94}, False),
    Case("resp.spo2_low", "an unknown spo2 never meets it", {}, False),
    Case("resp.severe_dyspnea", "severe breathlessness", {"breathing_severity": "severe"}, True),
    Case("resp.severe_dyspnea", "blue lips", sx("cyanosis"), True),
    Case("resp.severe_dyspnea", "mild breathlessness is not severe", {"breathing_severity": "mild"}, False),
    Case("resp.rr_fast_adult", "adult at 30 per minute", {"respiratory_rate": 30, "age": 40}, True),
    Case("resp.rr_fast_adult", "adult at 29 per minute", {"respiratory_rate": 29, "age": 40}, False),
    Case("resp.rr_fast_adult", "age unknown takes the adult band", {"respiratory_rate": 30}, True),
    Case("resp.rr_fast_adult", "a five-year-old is in the 30 band", {"respiratory_rate": 30, "age": 5}, True),
    Case("resp.rr_fast_adult", "a four-year-old is not", {"respiratory_rate": 35, "age": 4}, False),
    Case("resp.rr_fast_1_5y", "one year old at 40", {"respiratory_rate": 40, "age": 1}, True),
    Case("resp.rr_fast_1_5y", "one year old at 39", {"respiratory_rate": 39, "age": 1}, False),
    Case("resp.rr_fast_1_5y", "four years old at 40", {"respiratory_rate": 40, "age": 4.9}, True),
    Case("resp.rr_fast_1_5y", "five years old leaves the band", {"respiratory_rate": 40, "age": 5}, False),
    Case("resp.rr_fast_2_12m", "two months at 50", {"respiratory_rate": 50, "age_months": 2}, True),
    Case("resp.rr_fast_2_12m", "two months at 49", {"respiratory_rate": 49, "age_months": 2}, False),
    Case("resp.rr_fast_2_12m", "six months given in years", {"respiratory_rate": 50, "age": 0.5}, True),
    Case("resp.rr_fast_2_12m", "twelve months leaves the band", {"respiratory_rate": 45, "age_months": 12}, False),
    Case("resp.rr_fast_under_2m", "one month at 60", {"respiratory_rate": 60, "age_months": 1}, True),
    Case("resp.rr_fast_under_2m", "one month at 59", {"respiratory_rate": 59, "age_months": 1}, False),
    Case("resp.rr_fast_under_2m", "two months leaves the band", {"respiratory_rate": 60, "age_months": 2}, False),
    Case("cardiac.chest_pain_red_flags", "chest pain with sweating", sx("chest_pain", "sweating"), True),
    Case("cardiac.chest_pain_red_flags", "chest pressure spreading", sx("chest_tightness", "radiating_pain"), True),
    Case("cardiac.chest_pain_red_flags", "chest pain, sweating denied", sx("chest_pain", sweating=False), False),
    Case("cardiac.chest_pain_risk", "chest pain at 50", {**sx("chest_pain"), "age": 50}, True),
    Case("cardiac.chest_pain_risk", "chest pain at 49", {**sx("chest_pain"), "age": 49}, False),
    Case("cardiac.chest_pain_risk", "chest pain with hypertension",
         {**sx("chest_pain"), "age": 35, "conditions": {"hypertension": True}}, True),
    Case("cardiac.chest_pain_risk", "no chest pain at 70", {**sx("cough"), "age": 70}, False),
    Case("cardiac.pulmonary_embolism_signs", "swollen leg and breathless", sx("leg_swelling", "dyspnea"), True),
    Case("cardiac.pulmonary_embolism_signs", "swollen leg alone", sx("leg_swelling"), False),
    Case("neuro.stroke_signs", "facial droop", sx("facial_droop"), True),
    Case("neuro.stroke_signs", "slurred speech", sx("slurred_speech"), True),
    Case("neuro.stroke_signs", "one-sided weakness", sx("limb_weakness"), True),
    Case("neuro.stroke_signs", "sudden loss of vision", sx("vision_loss"), True),
    Case("neuro.stroke_signs", "facial droop denied", sx(facial_droop=False), False),
    Case("neuro.altered_consciousness", "confusion", sx("confusion"), True),
    Case("neuro.altered_consciousness", "confusion denied", sx(confusion=False), False),
    Case("neuro.seizure", "a fit", sx("seizure"), True),
    Case("neuro.seizure", "a fit denied", sx(seizure=False), False),
    Case("neuro.syncope", "fainting", sx("syncope"), True),
    Case("neuro.syncope", "dizziness is not fainting", sx("dizziness"), False),
    Case("neuro.thunderclap_headache", "worst-ever headache", sx("severe_headache"), True),
    Case("neuro.thunderclap_headache", "an ordinary headache", sx("headache"), False),
    Case("neuro.meningitis_signs", "stiff neck and fever", sx("stiff_neck", "fever"), True),
    Case("neuro.meningitis_signs", "stiff neck at 38.0", {**sx("stiff_neck"), "temperature": 38}, True),
    Case("neuro.meningitis_signs", "stiff neck at 37.9", {**sx("stiff_neck"), "temperature": 37.9}, False),
    Case("neuro.meningitis_signs", "fever and headache only", sx("fever", "headache"), False),
    Case("allergy.anaphylaxis", "hives and breathless", sx("hives", "dyspnea"), True),
    Case("allergy.anaphylaxis", "swollen lips and dizzy", sx("facial_swelling", "dizziness"), True),
    Case("allergy.anaphylaxis", "sting and wheeze", sx("insect_sting", "wheezing"), True),
    Case("allergy.anaphylaxis", "hives alone", sx("hives", "itching"), False),
    Case("bleeding.uncontrolled", "bleeding that does not stop", sx("bleeding"), True),
    Case("bleeding.uncontrolled", "a wound", sx("wound"), False),
    Case("gi.hematemesis", "vomiting blood", sx("hematemesis"), True),
    Case("gi.hematemesis", "vomiting", sx("vomiting"), False),
    Case("gi.bloody_stool_with_dizziness", "black stool and dizzy", sx("bloody_stool", "dizziness"), True),
    Case("gi.bloody_stool_with_dizziness", "black stool alone", sx("bloody_stool"), False),
    Case("tox.poisoning", "an overdose", sx("poisoning"), True),
    Case("tox.poisoning", "poisoning denied", sx(poisoning=False), False),
    Case("psych.suicide_risk", "suicidal thoughts, plan not yet asked", sx("suicidal_ideation"), True),
    Case("psych.suicide_risk", "suicidal thoughts with a plan", {**sx("suicidal_ideation"), "suicide_plan": True}, True),
    Case("psych.suicide_risk", "no plan or intent", {**sx("suicidal_ideation"), "suicide_plan": False}, False),
    Case("psych.self_harm", "self-harm", sx("self_harm"), True),
    Case("psych.self_harm", "low mood alone", sx("low_mood"), False),
    Case("peds.infant_fever_under_3m", "2.9 months at 38.0", {"age_months": 2.9, "temperature": 38}, True),
    Case("peds.infant_fever_under_3m", "3 months at 38.0", {"age_months": 3, "temperature": 38}, False),
    Case("peds.infant_fever_under_3m", "3 months given as 0.25 years", {"age": 0.25, "temperature": 38.5}, False),
    Case("peds.infant_fever_under_3m", "2 months at 37.9", {"age_months": 2, "temperature": 37.9}, False),
    Case("peds.infant_fever_under_3m", "fever reported, no reading yet", {**sx("fever"), "age": 0.1}, True),
    Case("peds.infant_fever_under_3m", "fever reported, reading 37.5",
         {**sx("fever"), "age": 0.1, "temperature": 37.5}, False),
    Case("peds.feeding_refusal_dehydrated", "toddler refusing feeds, passing little urine",
         {**sx("refusal_to_feed", "decreased_urination"), "age": 2}, True),
    Case("peds.feeding_refusal_dehydrated", "a child by subject, dehydrated",
         {**sx("refusal_to_feed", "dehydration"), "subject": "child"}, True),
    Case("peds.feeding_refusal_dehydrated", "refusing feeds only", {**sx("refusal_to_feed"), "age": 2}, False),
    Case("peds.feeding_refusal_dehydrated", "an adult",
         {**sx("refusal_to_feed", "dehydration"), "age": 30}, False),
    Case("preg.bleeding", "pregnant and bleeding", {**sx("vaginal_bleeding"), "pregnant": True}, True),
    Case("preg.bleeding", "pregnancy weeks imply pregnancy", {**sx("vaginal_bleeding"), "pregnancy_weeks": 20}, True),
    Case("preg.bleeding", "pregnancy unknown", sx("vaginal_bleeding"), False),
    Case("preg.fluid_leakage", "waters broken", sx("fluid_leakage"), True),
    Case("preg.fluid_leakage", "not pregnant", {**sx("fluid_leakage"), "pregnant": False}, False),
    Case("preg.reduced_fetal_movement", "fewer movements", sx("reduced_fetal_movement"), True),
    Case("preg.reduced_fetal_movement", "movements normal", sx(reduced_fetal_movement=False), False),
    Case("preg.severe_abdominal_pain", "pregnant, pain 7", {**sx("abdominal_pain"), "pregnant": True, "pain_score": 7}, True),
    Case("preg.severe_abdominal_pain", "pregnant, pain 6", {**sx("abdominal_pain"), "pregnant": True, "pain_score": 6}, False),
    # --- urgent
    Case("resp.dyspnea", "short of breath", sx("dyspnea"), True),
    Case("resp.dyspnea", "mild breathlessness", {"breathing_severity": "mild"}, True),
    Case("resp.dyspnea", "no breathlessness", {"breathing_severity": "none", **sx(dyspnea=False)}, False),
    Case("resp.spo2_borderline", "spo2 94", {"spo2": 94}, True),
    Case("resp.spo2_borderline", "spo2 95", {"spo2": 95}, False),
    Case("resp.spo2_borderline", "spo2 93 belongs to the emergency rule", {"spo2": 93}, False),
    Case("resp.hemoptysis", "coughing blood", sx("hemoptysis"), True),
    Case("resp.hemoptysis", "sputum", sx("sputum"), False),
    Case("covid.persistent_fever", "38.5 for 72 hours", {"temperature": 38.5, "duration_hours": 72}, True),
    Case("covid.persistent_fever", "38.4 for 72 hours", {"temperature": 38.4, "duration_hours": 72}, False),
    Case("covid.persistent_fever", "39 for 71 hours", {"temperature": 39, "duration_hours": 71}, False),
    Case("covid.persistent_fever", "still burning despite medicine, no reading",
         {"fever_persists_despite_medication": True, "duration_hours": 72}, True),
    Case("covid.persistent_fever", "medicine brings it down",
         {"temperature": 39, "duration_hours": 96, "fever_persists_despite_medication": False}, False),
    Case("fever.hyperpyrexia", "41.0", {"temperature": 41}, True),
    Case("fever.hyperpyrexia", "40.9", {"temperature": 40.9}, False),
    Case("chronic.underlying_worsening", "worsening", {"underlying_worsening": True}, True),
    Case("chronic.underlying_worsening", "stable", {"underlying_worsening": False}, False),
    Case("cardiac.chest_pain", "any chest pain", sx("chest_pain"), True),
    Case("cardiac.chest_pain", "chest pain denied", sx(chest_pain=False), False),
    Case("cardiac.tachycardia", "130 at rest", {"heart_rate": 130, "age": 30}, True),
    Case("cardiac.tachycardia", "129 at rest", {"heart_rate": 129, "age": 30}, False),
    Case("cardiac.tachycardia", "39 at rest", {"heart_rate": 39, "age": 30}, True),
    Case("cardiac.tachycardia", "a child's faster heart", {"heart_rate": 140, "age": 5}, False),
    Case("allergy.angioedema", "swollen lips", sx("facial_swelling"), True),
    Case("allergy.angioedema", "an itchy rash", sx("rash", "itching"), False),
    Case("gi.bloody_stool", "black stool", sx("bloody_stool"), True),
    Case("gi.bloody_stool", "diarrhoea", sx("diarrhea"), False),
    Case("gi.severe_abdominal_pain", "pain 7", {**sx("abdominal_pain"), "pain_score": 7}, True),
    Case("gi.severe_abdominal_pain", "pain 6", {**sx("abdominal_pain"), "pain_score": 6}, False),
    Case("uro.upper_tract_infection_signs", "painful urination and fever", sx("dysuria", "fever"), True),
    Case("uro.upper_tract_infection_signs", "frequency and back pain", sx("urinary_frequency", "back_pain"), True),
    Case("uro.upper_tract_infection_signs", "painful urination at 38.0", {**sx("dysuria"), "temperature": 38}, True),
    Case("uro.upper_tract_infection_signs", "painful urination at 37.9", {**sx("dysuria"), "temperature": 37.9}, False),
    Case("peds.drowsy", "a drowsy three-year-old", {**sx("drowsiness"), "age": 3}, True),
    Case("peds.drowsy", "a child by subject", {**sx("drowsiness"), "subject": "child"}, True),
    Case("peds.drowsy", "a tired adult", {**sx("drowsiness"), "age": 30}, False),
    Case("peds.feeding_refusal", "a baby refusing feeds", {**sx("refusal_to_feed"), "age": 0.5}, True),
    Case("peds.feeding_refusal", "an adult off food", {**sx("refusal_to_feed"), "age": 40}, False),
    Case("peds.dehydration", "a toddler passing little urine", {**sx("decreased_urination"), "age": 2}, True),
    Case("peds.dehydration", "an adult", {**sx("dehydration"), "age": 40}, False),
    Case("peds.persistent_vomiting_diarrhea", "vomiting 24 hours", {**sx("vomiting"), "age": 4, "duration_hours": 24}, True),
    Case("peds.persistent_vomiting_diarrhea", "vomiting 23 hours", {**sx("vomiting"), "age": 4, "duration_hours": 23}, False),
    Case("peds.persistent_vomiting_diarrhea", "an adult with diarrhoea",
         {**sx("diarrhea"), "age": 30, "duration_hours": 48}, False),
    Case("peds.infant_fever_3_6m", "3 months at 39.0", {"age_months": 3, "temperature": 39}, True),
    Case("peds.infant_fever_3_6m", "3 months at 38.9", {"age_months": 3, "temperature": 38.9}, False),
    Case("peds.infant_fever_3_6m", "6 months leaves the band", {"age_months": 6, "temperature": 39.5}, False),
    Case("peds.high_fever_over_3_days", "a child, 38.5 for 72 hours", {"age": 6, "temperature": 38.5, "duration_hours": 72}, True),
    Case("peds.high_fever_over_3_days", "a child, 38.5 for 71 hours", {"age": 6, "temperature": 38.5, "duration_hours": 71}, False),
    Case("preg.warning_signs", "pregnant with a headache", {**sx("headache"), "pregnant": True}, True),
    Case("preg.warning_signs", "headache, not pregnant", {**sx("headache"), "pregnant": False}, False),
    Case("psych.suicidal_thoughts", "thoughts without a plan", {**sx("suicidal_ideation"), "suicide_plan": False}, True),
    Case("psych.suicidal_thoughts", "plan not yet asked (the emergency rule holds)", sx("suicidal_ideation"), False),
    # --- consult
    Case("covid.fever_over_3_days", "fever for 72 hours", {**sx("fever"), "duration_hours": 72}, True),
    Case("covid.fever_over_3_days", "fever for 71 hours", {**sx("fever"), "duration_hours": 71}, False),
    Case("covid.fever_over_3_days", "37.3 for 72 hours", {"temperature": 37.3, "duration_hours": 72}, True),
    Case("covid.fever_over_3_days", "37.2 for 72 hours", {"temperature": 37.2, "duration_hours": 72}, False),
    Case("resp.chronic_cough", "cough for 3 weeks", {**sx("cough"), "duration_hours": 504}, True),
    Case("resp.chronic_cough", "cough for 503 hours", {**sx("cough"), "duration_hours": 503}, False),
    Case("resp.chest_tightness", "chest tightness", sx("chest_tightness"), True),
    Case("resp.chest_tightness", "denied", sx(chest_tightness=False), False),
    Case("cardiac.palpitations", "palpitations", sx("palpitations"), True),
    Case("cardiac.palpitations", "denied", sx(palpitations=False), False),
    Case("cardiac.leg_swelling", "a swollen leg", sx("leg_swelling"), True),
    Case("cardiac.leg_swelling", "denied", sx(leg_swelling=False), False),
    Case("gi.abdominal_pain_moderate", "pain 4", {**sx("abdominal_pain"), "pain_score": 4}, True),
    Case("gi.abdominal_pain_moderate", "pain 3", {**sx("abdominal_pain"), "pain_score": 3}, False),
    Case("gi.abdominal_pain_moderate", "pain not rated yet", sx("abdominal_pain"), True),
    Case("gi.dehydration", "dry mouth, little urine", sx("dehydration"), True),
    Case("gi.dehydration", "denied", sx(dehydration=False), False),
    Case("uro.urinary_symptoms", "blood in urine", sx("hematuria"), True),
    Case("uro.urinary_symptoms", "denied", sx(dysuria=False), False),
    Case("eent.eye_ear_tooth", "toothache", sx("toothache"), True),
    Case("eent.eye_ear_tooth", "ear pain", sx("ear_pain"), True),
    Case("eent.eye_ear_tooth", "sore throat is not", sx("sore_throat"), False),
    Case("skin.fever_with_rash", "rash and fever", sx("rash", "fever"), True),
    Case("skin.fever_with_rash", "rash at 37.2", {**sx("rash"), "temperature": 37.2}, False),
    Case("injury.burn", "a burn", sx("burn"), True),
    Case("injury.burn", "a small cut", sx("wound"), False),
    Case("neuro.dizziness", "dizzy", sx("dizziness"), True),
    Case("neuro.dizziness", "denied", sx(dizziness=False), False),
    Case("psych.depression_screen_positive", "PHQ-2 of 3", {"phq2_score": 3}, True),
    Case("psych.depression_screen_positive", "PHQ-2 of 2", {"phq2_score": 2}, False),
    Case("psych.anxiety_screen_positive", "GAD-2 of 3", {"gad2_score": 3}, True),
    Case("psych.anxiety_screen_positive", "GAD-2 of 2", {"gad2_score": 2}, False),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c.rule}: {c.says}" for c in CASES])
def test_rule_evidence(ruleset: Ruleset, case: Case) -> None:
    rule = ruleset.rule(case.rule)
    assert rule.when.evaluate(derive_facts(case.facts)) is case.fires


def test_every_rule_has_a_firing_and_a_non_firing_case(ruleset: Ruleset) -> None:
    firing = {c.rule for c in CASES if c.fires}
    quiet = {c.rule for c in CASES if not c.fires}
    ids = {r.id for r in ruleset.rules}
    assert ids - firing == set(), "rules with no firing case"
    assert ids - quiet == set(), "rules with no non-firing case"
    assert {c.rule for c in CASES} - ids == set(), "cases for rules that do not exist"
