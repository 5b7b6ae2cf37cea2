"""Loading rules.yml: a rule that could silently never fire is refused, with the rule named."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.flow_loader import SlotSpec
from actions.triage.ruleset import DEFAULT_RULES_PATH, LEVELS, Ruleset, RulesetError, load_ruleset

VALID_RULE = {"id": "resp.spo2_low", "level": "emergency", "when": "spo2 <= 93", "reason": "血氧低",
              "source": "dx10", "advice": "breathing"}


def write(tmp_path: Path, rule: dict[str, Any] | None = None, **top: Any) -> Path:
    document = {
        "version": "t1",
        "sources": {"dx10": "诊疗方案（试行第十版）"},
        "rules": [rule or VALID_RULE],
        "modifiers": {"context": "present('fever')", "rules": [
            {"id": "risk.age_65", "when": "age >= 65", "reason": "高龄", "source": "dx10"}]},
        **top,
    }
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return path


def load_error(tmp_path: Path, slots: dict[str, SlotSpec], **changes: Any) -> str:
    path = write(tmp_path, {**VALID_RULE, **changes})
    with pytest.raises(RulesetError) as raised:
        load_ruleset(slots, path, map_keys={"symptoms": {"fever", "cough"}}, advice={"breathing"})
    return str(raised.value)


def test_the_project_rules_load_against_the_real_slots_lexicon_and_responses(ruleset: Ruleset) -> None:
    assert {r.level for r in ruleset.rules} == set(LEVELS) - {"selfcare"}
    assert [LEVELS.index(r.level) for r in ruleset.rules] == sorted(LEVELS.index(r.level) for r in ruleset.rules)
    assert all(r.source and r.reason and r.reason_en for r in ruleset.rules)
    assert all(r.advice for r in ruleset.rules if r.level == "emergency")


def test_a_valid_minimal_file_loads(tmp_path: Path, slots: dict[str, SlotSpec]) -> None:
    ruleset = load_ruleset(slots, write(tmp_path))
    assert ruleset.rule("resp.spo2_low").source == "诊疗方案（试行第十版）"
    assert ruleset.version.startswith("t1+")


def test_the_version_changes_with_any_edit(tmp_path: Path, slots: dict[str, SlotSpec]) -> None:
    first = load_ruleset(slots, write(tmp_path)).version
    second = load_ruleset(slots, write(tmp_path, {**VALID_RULE, "reason": "血氧饱和度低"})).version
    assert first != second and first.split("+")[0] == second.split("+")[0]


def test_the_project_version_names_the_file_version(ruleset: Ruleset) -> None:
    declared = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))["version"]
    assert ruleset.version.startswith(f"{declared}+")


def test_an_unknown_slot_is_an_error_naming_the_rule(tmp_path: Path, slots: dict[str, SlotSpec]) -> None:
    assert load_error(tmp_path, slots, when="spo3 <= 93") == "rules.yml: rule 'resp.spo2_low': unknown slot 'spo3'"


def test_a_bad_expression_is_an_error_naming_the_rule(tmp_path: Path, slots: dict[str, SlotSpec]) -> None:
    assert "rule 'resp.spo2_low': bad condition" in load_error(tmp_path, slots, when="spo2 <=")
    assert "rule 'resp.spo2_low': bad condition" in load_error(tmp_path, slots, when="__import__('os')")


def test_an_unknown_level_is_an_error_naming_the_rule(tmp_path: Path, slots: dict[str, SlotSpec]) -> None:
    assert "rule 'resp.spo2_low': unknown level 'critical'" in load_error(tmp_path, slots, level="critical")


def test_a_missing_source_is_an_error_naming_the_rule(tmp_path: Path, slots: dict[str, SlotSpec]) -> None:
    assert "rule 'resp.spo2_low': a `source` is required" in load_error(tmp_path, slots, source=None)
    assert "rule 'resp.spo2_low': source 'who'" in load_error(tmp_path, slots, source="who")


def test_a_missing_reason_is_an_error(tmp_path: Path, slots: dict[str, SlotSpec]) -> None:
    assert "a patient-facing `reason` is required" in load_error(tmp_path, slots, reason=" ")


def test_a_categorical_value_the_slot_cannot_take_is_an_error(tmp_path: Path, slots: dict[str, SlotSpec]) -> None:
    message = load_error(tmp_path, slots, when="breathing_severity == 'sever'")
    assert "'breathing_severity' is never 'sever'" in message
    assert "never 'infnat'" in load_error(tmp_path, slots, when="subject in ['child', 'infnat']")


def test_a_misspelt_symptom_code_is_an_error(tmp_path: Path, slots: dict[str, SlotSpec]) -> None:
    assert "unknown symptoms code 'fevr'" in load_error(tmp_path, slots, when="present('fevr')")


def test_a_threshold_outside_the_slot_range_is_an_error(tmp_path: Path, slots: dict[str, SlotSpec]) -> None:
    assert "930 is outside the range of 'spo2'" in load_error(tmp_path, slots, when="spo2 <= 930")


def test_comparing_a_yes_no_slot_with_a_number_is_an_error(tmp_path: Path, slots: dict[str, SlotSpec]) -> None:
    assert "'suicide_plan' is true or false" in load_error(tmp_path, slots, when="suicide_plan == 1")


def test_an_emergency_rule_needs_known_advice(tmp_path: Path, slots: dict[str, SlotSpec]) -> None:
    assert "needs `advice`" in load_error(tmp_path, slots, advice=None)
    assert "advice 'pray' has no response" in load_error(tmp_path, slots, advice="pray")
    assert "only for emergency rules" in load_error(tmp_path, slots, level="urgent")


def test_a_duplicate_id_is_an_error(tmp_path: Path, slots: dict[str, SlotSpec]) -> None:
    path = write(tmp_path)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["rules"].append(dict(VALID_RULE))
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    with pytest.raises(RulesetError, match="rule 'resp.spo2_low': the id is used twice"):
        load_ruleset(slots, path)


def test_a_malformed_id_or_unknown_key_is_an_error(tmp_path: Path, slots: dict[str, SlotSpec]) -> None:
    assert "rule #1: id 'SpO2 low'" in load_error(tmp_path, slots, id="SpO2 low")
    assert "unknown key(s) ['levle']" in load_error(tmp_path, slots, levle="urgent")


def test_a_file_without_version_or_sources_is_refused(tmp_path: Path, slots: dict[str, SlotSpec]) -> None:
    with pytest.raises(RulesetError, match="a `version` is required"):
        load_ruleset(slots, write(tmp_path, version=""))
    with pytest.raises(RulesetError, match="`sources` must map"):
        load_ruleset(slots, write(tmp_path, sources={}))


def test_broken_yaml_is_refused_with_the_file_name(tmp_path: Path, slots: dict[str, SlotSpec]) -> None:
    path = tmp_path / "rules.yml"
    path.write_text("rules: [\n  - id: x", encoding="utf-8")
    with pytest.raises(RulesetError, match="rules.yml: not valid YAML"):
        load_ruleset(slots, path)


def test_docs_list_every_rule_and_modifier(ruleset: Ruleset) -> None:
    docs = (DEFAULT_RULES_PATH.parents[2] / "docs" / "triage.md").read_text(encoding="utf-8")
    missing = [i for i in [r.id for r in ruleset.rules] + [m.id for m in ruleset.modifiers] if f"`{i}`" not in docs]
    assert missing == []


def test_a_missing_rule_file_is_a_clear_error(tmp_path: Path, slots: dict[str, SlotSpec]) -> None:
    with pytest.raises(RulesetError, match="cannot read the rule file"):
        load_ruleset(slots, tmp_path / "nowhere.yml")


def test_an_emergency_banner_needs_its_response_and_an_emergency_rule(tmp_path: Path, slots: dict[str, SlotSpec]) -> None:
    path = write(tmp_path, {**VALID_RULE, "banner": "crisis"})
    with pytest.raises(RulesetError, match="banner 'crisis' has no response"):
        load_ruleset(slots, path, advice={"breathing"}, banners={"other"})
    assert load_ruleset(slots, path, advice={"breathing"}, banners={"crisis"}).rule("resp.spo2_low").banner == "crisis"
    assert "only for emergency rules" in load_error(tmp_path, slots, level="urgent", advice=None, banner="crisis")
