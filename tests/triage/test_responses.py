"""The triage wording: complete in both languages, 120 in every emergency text, crisis lines for suicide."""
from __future__ import annotations

import yaml

from bot.config import PROJECT_ROOT
from actions.triage.announce import ADVICE_PREFIX
from actions.triage.ruleset import LEVELS, Ruleset

RESPONSES = PROJECT_ROOT / "flows" / "responses"


def read(language: str) -> dict[str, list[dict[str, object]]]:
    return yaml.safe_load((RESPONSES / language / "triage.yml").read_text(encoding="utf-8"))


def test_english_has_every_chinese_triage_response() -> None:
    assert set(read("en")) == set(read("zh"))


def test_every_level_has_a_name_and_every_emergency_advice_a_text(ruleset: Ruleset) -> None:
    zh = read("zh")
    assert {f"triage_level_{level}" for level in LEVELS} <= set(zh)
    assert {f"{ADVICE_PREFIX}{r.advice}" for r in ruleset.rules if r.advice} <= set(zh)


def test_the_emergency_message_offers_the_120_button_and_number() -> None:
    for language, title in (("zh", "拨打120"), ("en", "Call 120")):
        [call] = read(language)["utter_emergency_call"]
        assert "tel:120" in str(call["text"])
        assert {"title": title, "payload": "/call_120"} in call["buttons"]


def test_the_suicide_advice_gives_the_crisis_lines_and_120_and_110() -> None:
    for language in ("zh", "en"):
        text = str(read(language)[f"{ADVICE_PREFIX}suicide"][0]["text"])
        assert all(number in text for number in ("12356", "400-161-9995", "120", "110")), language


def test_the_decision_text_says_it_is_not_a_diagnosis() -> None:
    assert "不是诊断" in str(read("zh")["triage_decision"][0]["text"])
    assert "not a diagnosis" in str(read("en")["triage_decision"][0]["text"])


def test_every_emergency_banner_has_its_text_and_the_crisis_banner_no_driving_advice(ruleset: Ruleset) -> None:
    from actions.triage.announce import BANNER_PREFIX
    for language in ("zh", "en"):
        texts = read(language)
        assert {f"{BANNER_PREFIX}{r.banner}" for r in ruleset.rules if r.banner} <= set(texts)
        [crisis] = texts[f"{BANNER_PREFIX}crisis"]
        assert all(n in str(crisis["text"]) for n in ("12356", "400-161-9995", "120", "110")), language
        assert "开车" not in str(crisis["text"]) and "drive" not in str(crisis["text"]), language
        assert {"payload": "/call_120"}.items() <= crisis["buttons"][0].items()
    assert {r.id for r in ruleset.rules if r.banner == "crisis"} == {"psych.suicide_risk", "psych.self_harm"}
