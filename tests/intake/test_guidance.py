"""Home-care guidance: the content files load and cite their sources; the right entries are chosen."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from actions.guidance.content import CONTENT_DIR, GuidanceContentError, load_content
from actions.guidance.selection import select
from bot.config import PROJECT_ROOT

CONTENT = load_content()


def chosen(**slots: Any) -> list[str]:
    return select(CONTENT, slots).entry_ids


def text(language: str = "zh", **slots: Any) -> str:
    return "\n".join(select(CONTENT, slots, language).messages(CONTENT, language))


def suggested_products(**slots: Any) -> list[str]:
    return [e.recommends for e in select(CONTENT, slots).entries if e.recommends]


def test_every_entry_cites_a_known_source_and_has_chinese_text() -> None:
    assert CONTENT.entries
    for entry in CONTENT.entries:
        assert entry.sources and all(s in CONTENT.sources for s in entry.sources)
        assert entry.text["zh"]


def test_an_entry_citing_an_unknown_source_is_refused(tmp_path: Path) -> None:
    shutil.copytree(CONTENT_DIR, tmp_path / "content")
    care = tmp_path / "content" / "home_care.yml"
    care.write_text(care.read_text(encoding="utf-8").replace("[nhc_home_treatment_2022]", "[a_blog_post]", 1), encoding="utf-8")
    with pytest.raises(GuidanceContentError, match="unknown source 'a_blog_post'"):
        load_content(tmp_path / "content")


def test_an_entry_with_a_broken_condition_is_refused(tmp_path: Path) -> None:
    shutil.copytree(CONTENT_DIR, tmp_path / "content")
    care = tmp_path / "content" / "home_care.yml"
    care.write_text(care.read_text(encoding="utf-8").replace('when: "has_fever and not taking_antipyretic"', 'when: "__import__(\'os\')"', 1), encoding="utf-8")
    with pytest.raises(GuidanceContentError, match="fever_when_to_treat"):
        load_content(tmp_path / "content")


def test_an_adult_with_fever_gets_adult_doses_of_one_medicine_or_the_other() -> None:
    ids = chosen(age=35, temperature=38.9)
    assert {"acetaminophen_adult", "ibuprofen_adult"} <= set(ids)
    body = text(age=35, temperature=38.9)
    assert "24小时内不超过4次（一天总量不超过2 g）" in body and "24小时内总量不超过1.2 g" in body
    assert "选一种" in body


def test_a_child_with_fever_gets_doses_worked_out_from_the_weight() -> None:
    body = text(subject="child", age=3, weight_kg=14, symptoms={"fever": True})
    assert "14 kg 的孩子每次 140–210 mg" in body
    assert "14 kg 的孩子每次 70–140 mg" in body
    assert "成人每次" not in body


def test_a_childs_single_dose_never_exceeds_the_adult_tablet() -> None:
    facts = select(CONTENT, {"age": 11, "weight_kg": 60, "temperature": 39.0}).facts
    assert facts["acetaminophen_max_mg"] == 500 and facts["ibuprofen_max_mg"] == 400


def test_a_child_without_a_weight_is_asked_to_weigh_rather_than_given_a_dose() -> None:
    ids = chosen(subject="child", age=5, temperature=38.6)
    assert "child_dose_needs_weight" in ids
    assert "acetaminophen_child_by_weight" not in ids and "acetaminophen_adult" not in ids


def test_a_baby_of_four_months_gets_no_ibuprofen() -> None:
    ids = chosen(subject="infant", age_months=4, weight_kg=6.5, temperature=38.4)
    assert "acetaminophen_child_by_weight" in ids and "infant_no_ibuprofen" in ids
    assert "ibuprofen_child_by_weight" not in ids


def test_a_baby_under_three_months_gets_no_medicine_without_a_doctor() -> None:
    ids = chosen(subject="infant", age_months=2, weight_kg=5, temperature=38.1)
    assert "infant_under_3_months_no_self_medication" in ids
    assert not suggested_products(subject="infant", age_months=2, weight_kg=5, temperature=38.1)


def test_someone_on_a_compound_cold_medicine_is_not_told_to_add_acetaminophen() -> None:
    slots = {"age": 40, "temperature": 38.8, "medications": {"compound_cold_medicine": True}}
    assert "acetaminophen" not in suggested_products(**slots)
    assert "already_taking_acetaminophen" in chosen(**slots)
    assert "复方感冒药" in text(**slots)


def test_someone_already_on_ibuprofen_is_not_given_a_second_fever_medicine() -> None:
    slots = {"age": 40, "temperature": 38.8, "medications": {"ibuprofen": True}}
    assert suggested_products(**slots) == []
    assert "already_taking_antipyretic" in chosen(**slots)


def test_pregnancy_and_kidney_disease_exclude_ibuprofen() -> None:
    assert "ibuprofen" not in suggested_products(age=30, pregnant=True, temperature=38.6)
    assert "pregnancy_fever" in chosen(age=30, pregnant=True, temperature=38.6)
    assert "ibuprofen" not in suggested_products(age=60, temperature=38.6, conditions={"chronic_kidney_disease": True})


def test_symptom_sections_follow_the_symptoms() -> None:
    assert {"cough", "sore_throat"} <= set(chosen(symptoms={"cough": True, "sore_throat": True}))
    assert "cough" not in chosen(symptoms={"cough": False, "sore_throat": True})
    assert "gut" in chosen(symptoms={"diarrhea": True})


def test_isolation_and_monitoring_for_an_infection() -> None:
    body = text(antigen_result="positive")
    assert "尽量住单独的房间" in body and "通风" in body and "口罩" in body and "老人" in body
    assert "每天早晚各量一次体温" in body and "血氧" in body


def test_no_oximeter_means_no_oximeter_advice() -> None:
    assert "monitor_spo2" not in chosen(antigen_result="positive", has_oximeter=False)


def test_mood_only_guidance_has_no_thermometer_and_names_the_crisis_lines() -> None:
    ids = chosen(chief_complaint="mental", phq2_score=2, gad2_score=3)
    assert "mood_selfcare" in ids and "red_flags_mood" in ids
    assert "monitor_temperature" not in ids and "red_flags_general" not in ids


def test_english_conversations_get_english_text() -> None:
    body = text("en", age=35, temperature=38.9)
    assert "[Medicines]" in body and "no more than 4 doses (2 g) in 24 hours" in body


MEDICATIONS = st.dictionaries(st.sampled_from(sorted(CONTENT.products)), st.booleans(), max_size=3)
SLOTS = st.fixed_dictionaries(
    {
        "medications": MEDICATIONS,
        "symptoms": st.dictionaries(st.sampled_from(["fever", "cough", "sore_throat", "diarrhea", "low_mood"]), st.booleans()),
    },
    optional={
        "age": st.floats(min_value=0, max_value=100),
        "age_months": st.floats(min_value=0, max_value=36),
        "subject": st.sampled_from(["self", "child", "infant", "parent"]),
        "weight_kg": st.floats(min_value=2, max_value=120),
        "temperature": st.floats(min_value=35, max_value=42),
        "pregnant": st.booleans(),
        "chief_complaint": st.sampled_from(["fever", "mental", "other"]),
        "has_oximeter": st.booleans(),
    },
)


@settings(max_examples=300, deadline=None)
@given(SLOTS)
def test_nobody_is_ever_told_to_take_two_products_with_the_same_ingredient(slots: dict[str, Any]) -> None:
    guidance = select(CONTENT, slots)
    taking = {code for code, on in slots["medications"].items() if on}
    seen = {i for code in taking for i in CONTENT.products[code].ingredients | CONTENT.products[code].classes}
    suggested = [e.recommends for e in guidance.entries if e.recommends]
    for code in suggested:
        product = CONTENT.products[code]
        assert not (product.ingredients | product.classes) & seen, (code, taking)
    ingredients = [i for code in suggested for i in CONTENT.products[code].ingredients]
    assert len(ingredients) == len(set(ingredients)), suggested
    assert any(e.group == "red_flags" for e in guidance.entries), "every guidance names the red flags"


def test_every_condition_reads_a_declared_slot_or_a_derived_fact() -> None:
    declared: set[str] = set()
    for path in (PROJECT_ROOT / "flows").glob("*.yml"):
        declared |= set((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("slots") or {})
    facts = set(select(CONTENT, {"weight_kg": 20, "age": 5}).facts)
    for entry in CONTENT.entries:
        for name in entry.when.names:
            assert name in facts or name.partition(".")[0] in declared, f"{entry.id}: '{name}' is neither a slot nor a fact"


def test_a_local_sting_gets_sting_care_and_sting_red_flags_not_fever_care() -> None:
    """Guidance matches the complaint: a bee sting without fever gets the sting's care (scrape the
    sting out, wash, cool) and the signs of a severe allergic reaction, not the fever advice."""
    ids = chosen(symptoms={"insect_sting": True}, chief_complaint="rash_allergy", triage_level="selfcare")
    assert "sting_local_care" in ids and "red_flags_sting" in ids
    assert not {"monitor_temperature", "hydration_rest", "red_flags_general", "fever_when_to_treat"} & set(ids)
    said = text(symptoms={"insect_sting": True}, chief_complaint="rash_allergy", triage_level="selfcare")
    assert "刮" in said and "120" in said and "退热" not in said
    # With a fever the fever advice comes back beside the sting's.
    feverish = chosen(symptoms={"insect_sting": True, "fever": True}, chief_complaint="rash_allergy", triage_level="consult")
    assert "sting_local_care" in feverish and "monitor_temperature" in feverish
