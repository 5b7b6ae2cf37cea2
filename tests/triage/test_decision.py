"""How rules combine into one decision: most urgent wins, modifiers raise once, missing never lowers."""
from __future__ import annotations

from actions.triage.decision import decide
from actions.triage.ruleset import Ruleset
from tests.triage.conftest import symptoms as sx


def test_no_firing_rule_means_selfcare_with_no_rules(ruleset: Ruleset) -> None:
    decision = decide(ruleset, {**sx("cough", "sore_throat"), "temperature": 38.0, "age": 30})
    assert decision.level == "selfcare"
    assert decision.rule_ids == [] and decision.reasons() == []


def test_the_most_urgent_firing_rule_wins_and_every_fired_rule_is_listed(ruleset: Ruleset) -> None:
    decision = decide(ruleset, {**sx("cough", "chest_tightness"), "spo2": 92, "duration_hours": 600})
    assert decision.level == "emergency"
    assert decision.rule_ids == ["resp.spo2_low", "resp.chronic_cough", "resp.chest_tightness"]
    assert decision.reasons() == ["静息时血氧饱和度≤93%"]


def test_missing_answers_never_meet_a_threshold(ruleset: Ruleset) -> None:
    assert decide(ruleset, {}).level == "selfcare"
    assert decide(ruleset, {"spo2": None, "respiratory_rate": None}).rule_ids == []


def test_an_unanswered_qualifier_of_a_red_flag_does_not_lower_it(ruleset: Ruleset) -> None:
    # Suicidal thoughts: emergency until the patient says there is no plan.
    assert decide(ruleset, sx("suicidal_ideation")).level == "emergency"
    assert decide(ruleset, {**sx("suicidal_ideation"), "suicide_plan": False}).level == "urgent"


def test_a_denied_symptom_fires_nothing(ruleset: Ruleset) -> None:
    assert decide(ruleset, sx(chest_pain=False, seizure=False, dyspnea=False)).level == "selfcare"


def test_age_65_with_an_infection_raises_selfcare_to_consult(ruleset: Ruleset) -> None:
    assert decide(ruleset, {**sx("fever"), "age": 65}).level == "consult"
    assert decide(ruleset, {**sx("fever"), "age": 64}).level == "selfcare"


def test_a_high_risk_trait_without_an_infection_raises_nothing(ruleset: Ruleset) -> None:
    assert decide(ruleset, {**sx("insomnia"), "age": 80, "conditions": {"diabetes": True}}).level == "selfcare"


def test_each_high_risk_group_raises_a_mild_infection(ruleset: Ruleset) -> None:
    groups = {
        "risk.chronic_disease": {"conditions": {"copd": True}},
        "risk.immunosuppressed": {"conditions": {"cancer": True}},
        "risk.pregnancy": {"pregnant": True},
        "risk.infant": {"age": 0.5},
    }
    for rule_id, trait in groups.items():
        decision = decide(ruleset, {"antigen_result": "positive", **sx("cough"), **trait})
        assert (decision.level, decision.rule_ids) == ("consult", [rule_id]), rule_id


def test_a_toddler_called_baby_is_not_raised_as_an_infant(ruleset: Ruleset) -> None:
    assert decide(ruleset, {**sx("fever"), "subject": "infant", "age": 2, "temperature": 38.0}).level == "selfcare"
    assert decide(ruleset, {**sx("fever"), "subject": "infant", "temperature": 38.0}).level == "consult"


def test_modifiers_raise_consult_to_urgent(ruleset: Ruleset) -> None:
    decision = decide(ruleset, {**sx("fever"), "age": 70, "duration_hours": 96, "temperature": 38.0})
    assert decision.level == "urgent"
    assert decision.reasons() == ["发热超过3天", "年龄≥65岁，属于高风险人群"]


def test_several_modifiers_raise_only_one_level(ruleset: Ruleset) -> None:
    decision = decide(ruleset, {**sx("cough"), "age": 80, "conditions": {"diabetes": True, "cancer": True}})
    assert decision.level == "consult"
    assert decision.rule_ids == ["risk.chronic_disease", "risk.immunosuppressed"]  # round 5: age alone does not lift a cough


def test_modifiers_never_make_an_emergency(ruleset: Ruleset) -> None:
    decision = decide(ruleset, {**sx("fever", "dyspnea"), "age": 90, "conditions": {"copd": True}})
    assert decision.level == "urgent"
    assert decision.raised_by == ()


def test_facts_record_every_known_slot_the_rules_read_and_nothing_else(ruleset: Ruleset) -> None:
    decision = decide(ruleset, {**sx("fever", cough=False), "temperature": 39, "language": "zh", "age": 0.5})
    assert decision.facts == {"symptoms.fever": True, "symptoms.cough": False, "temperature": 39,
                              "age": 0.5, "age_months": 6.0}


def test_age_in_months_and_in_years_are_the_same_fact(ruleset: Ruleset) -> None:
    by_months = decide(ruleset, {"age_months": 2, "temperature": 38.0})
    by_years = decide(ruleset, {"age": 2 / 12, "temperature": 38.0})
    assert by_months.rule_ids == by_years.rule_ids == ["peds.infant_fever_under_3m"]


def test_english_reasons_for_english_conversations(ruleset: Ruleset) -> None:
    decision = decide(ruleset, {"spo2": 90})
    assert decision.to_contract("en")["reasons"] == ["Resting oxygen saturation at or below 93%"]
    assert decision.to_contract()["reasons"] == ["静息时血氧饱和度≤93%"]


def test_age_alone_lifts_a_fever_not_a_cold(ruleset: Ruleset) -> None:
    """Round 5 of issue 10: the 10th edition's high-risk groups are for COVID-19; a cold stays selfcare."""
    cold = decide(ruleset, {**sx("runny_nose", "sneezing", "cough"), "age": 72})
    assert cold.level == "selfcare" and "risk.age_65" not in cold.rule_ids
    fever = decide(ruleset, {**sx("fever", "cough"), "temperature": 38.2, "age": 72})
    assert "risk.age_65" in fever.rule_ids and fever.level != "selfcare"


def test_the_throat_question_left_unknown_floors_only_while_the_breathing_is_unknown(ruleset: Ruleset) -> None:
    # Round 8 of issue 10: "嗓子疼" twice to the throat's combined question names none of its signs; the breathing,
    # answered, stands in for the emergency of a throat. Unanswered breathing keeps the unknown a red flag.
    throat = {"symptoms": {"sore_throat": True, "drooling": "unknown"}}
    assert decide(ruleset, throat).level == "consult"
    assert decide(ruleset, {"symptoms": {**throat["symptoms"], "dyspnea": False}}).level == "selfcare"
    assert "intake.unknown_red_flag" not in decide(ruleset, {**throat, "breathing_severity": "mild"}).rule_ids
    assert decide(ruleset, {"symptoms": {"drooling": "unknown", "dyspnea": False}}).level == "consult"
