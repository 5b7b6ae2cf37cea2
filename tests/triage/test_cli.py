"""`wenzhen triage check` and `decide` through the real command line group, and the check at start."""
from __future__ import annotations

import re
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from bot.cli import main
from actions.triage.ruleset import DEFAULT_RULES_PATH, RulesetError
from tests.conftest import write_config
from tests.triage.conftest import embedded_runtime


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/wenzhen.db")
    monkeypatch.setenv("WENZHEN_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("WENZHEN_SECRET_KEY", "test-secret-key-" + "x" * 32)

    def invoke(*args: str, **config: object):
        path = write_config(tmp_path / "config.yml", **config)
        # `--config` sets WENZHEN_CONFIG for the whole process: let monkeypatch own it and undo it.
        monkeypatch.setenv("WENZHEN_CONFIG", str(path))
        return CliRunner().invoke(main, ["--config", str(path), "triage", *args])

    return invoke


def test_check_reports_a_valid_rule_file(run) -> None:
    result = run("check")
    assert result.exit_code == 0, result.output
    assert "emergency" in result.output and result.output.strip().endswith("valid")


def test_check_names_the_broken_rule_and_exits_2(run, tmp_path: Path) -> None:
    document = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    document["rules"][0]["when"] = "spo3 <= 93"
    broken = tmp_path / "rules.yml"
    broken.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    result = run("check", triage={"rules": str(broken)})
    assert result.exit_code == 2
    assert f"rule '{document['rules'][0]['id']}': unknown slot 'spo3'" in result.output


def test_decide_prints_the_decision_for_given_facts(run) -> None:
    result = run("decide", '{"spo2": 94, "symptoms.fever": true}')
    assert result.exit_code == 0, result.output
    decision = json.loads(result.output)
    assert decision["level"] == "urgent" and decision["rules"] == ["resp.spo2_borderline"]
    assert decision["facts"] == {"spo2": 94, "symptoms.fever": True}


def test_decide_refuses_facts_that_are_not_a_json_object(run) -> None:
    assert run("decide", "spo2=92").exit_code == 2
    assert run("decide", "[1, 2]").exit_code == 2


async def test_a_broken_rule_file_stops_the_runtime_at_start(tmp_path: Path) -> None:
    document = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    document["rules"][0]["level"] = "critical"
    broken = tmp_path / "broken-rules.yml"
    broken.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    runtime = embedded_runtime(tmp_path, triage={"rules": str(broken)})
    try:
        with pytest.raises(RulesetError, match=f"rule '{re.escape(document['rules'][0]['id'])}': unknown level 'critical'"):
            await runtime.start(upgrade=True)
    finally:
        await runtime.stop()
