"""Which entries each age group gets (actions/guidance/selection.py `age_group`), over the content files."""
from __future__ import annotations

from typing import Any

import pytest

from actions.guidance.content import load_content
from actions.guidance.selection import select

CONTENT = load_content()
FEVER_AND_COUGH = {"symptoms": {"fever": True, "cough": True, "sore_throat": True}, "temperature": 39.0,
                   "antigen_result": "positive", "triage_level": "selfcare"}
ADULT_ONLY = ("右美沙芬", "N95", "成人每次", "或含润喉片", "1500–2000 ml")


def guidance(**slots: Any) -> tuple[list[str], str, str]:
    chosen = select(CONTENT, {**FEVER_AND_COUGH, **slots})
    zh = "\n".join(chosen.messages(CONTENT, "zh"))
    en = "\n".join(select(CONTENT, {**FEVER_AND_COUGH, **slots}, "en").messages(CONTENT, "en"))
    return chosen.entry_ids, zh, en


@pytest.mark.parametrize(("slots", "group"), [
    ({"subject": "infant", "age_months": 8}, "infant"),
    ({"subject": "infant"}, "infant"),
    ({"subject": "child", "age": 3}, "child"),
    ({"subject": "child"}, "child"),
    ({"age": 11.5}, "child"),
    ({"age": 12}, "adult"),
    ({"age": 64}, "adult"),
    ({"age": 65}, "elderly"),
    ({}, "adult"),
])
def test_the_age_group(slots: dict[str, Any], group: str) -> None:
    assert select(CONTENT, slots).facts["age_group"] == group


@pytest.mark.parametrize("slots", [
    {"subject": "infant", "age_months": 8, "weight_kg": 8},
    {"subject": "child", "age": 3, "weight_kg": 14},
    {"subject": "child", "age": 9, "weight_kg": 28},
    {"subject": "child"},
])
def test_children_and_babies_get_no_adult_advice_in_either_language(slots: dict[str, Any]) -> None:
    ids, zh, en = guidance(**slots)
    for adult in ADULT_ONLY:
        assert adult not in zh, (adult, ids)
    for adult in ("dextromethorphan", "N95", "adults 0.", "lozenges (", "1.5–2 litres"):
        assert adult not in en, (adult, ids)
    assert not {"cough", "sore_throat", "isolation", "hydration_rest", "monitor_spo2"} & set(ids), ids


def test_a_baby_gets_the_babys_cough_feeding_and_no_honey() -> None:
    ids, zh, _ = guidance(subject="infant", age_months=8, weight_kg=8)
    assert {"cough_infant", "hydration_rest_infant", "mask_young_child"} <= set(ids)
    assert "cough_child" not in ids and "不满1岁的宝宝不能吃蜂蜜" in zh and "一小勺蜂蜜" not in zh


def test_a_three_year_old_gets_the_childs_cough_and_no_mask() -> None:
    ids, zh, _ = guidance(subject="child", age=3, weight_kg=14)
    assert {"cough_child", "sore_throat_child", "hydration_rest_child", "isolation_child", "mask_young_child"} <= set(ids)
    assert "mask_school_child" not in ids and "6岁以下的孩子不需要戴口罩" in zh


def test_a_school_child_may_wear_a_childrens_mask() -> None:
    ids, zh, _ = guidance(subject="child", age=9, weight_kg=28)
    assert "mask_school_child" in ids and "mask_young_child" not in ids and "儿童口罩" in zh


def test_an_adult_gets_the_adult_advice_and_none_of_the_childrens() -> None:
    ids, zh, en = guidance(age=35)
    assert {"cough", "sore_throat", "isolation", "hydration_rest", "ibuprofen_adult"} <= set(ids)
    assert "右美沙芬" in zh and "N95" in zh and "dextromethorphan" in en
    assert not {i for i in ids if i.endswith(("_child", "_infant")) or "elderly" in i}, ids


def test_an_elder_gets_the_ibuprofen_caution_and_the_elders_warning_signs() -> None:
    ids, zh, _ = guidance(age=72)
    assert {"ibuprofen_elderly_caution", "red_flags_elderly", "cough", "isolation"} <= set(ids)
    assert "65岁以上的老人用布洛芬更容易伤胃、伤肾" in zh
    # Already on a fever medicine: no caution about starting one.
    ids, _, _ = guidance(age=72, medications={"ibuprofen": True})
    assert "ibuprofen_elderly_caution" not in ids and "red_flags_elderly" in ids


@pytest.mark.parametrize("weight", ["unknown", "不清楚", None, 0])
def test_a_weight_that_is_no_number_computes_no_dose_and_asks_for_the_weight(weight: Any) -> None:
    # newcomer's trial: 体重 answered 不清楚 printed "unknown kg 的孩子每次 – mg"
    ids, zh, en = guidance(subject="child", age=3, weight_kg=weight)
    assert "acetaminophen_child_by_weight" not in ids and "child_dose_needs_weight" in ids
    assert "unknown" not in zh and "kg 的孩子每次" not in zh and "None" not in zh
    assert "告诉我们体重" in zh and "unknown kg" not in en


def test_a_weight_in_kilograms_still_gives_the_dose() -> None:
    ids, zh, _ = guidance(subject="child", age=3, weight_kg=14)
    assert "acetaminophen_child_by_weight" in ids and "14 kg 的孩子每次 140–210 mg" in zh
