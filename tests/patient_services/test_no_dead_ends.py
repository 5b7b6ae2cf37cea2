"""No dead ends: every menu key, QR scene and trained intent leads to a flow, checked when the
runtime starts; `serve` refuses to start otherwise, with the file and line in one line."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from actions.services.entry_points import DeadEnd, check_entry_points, trained_intents, wechat_entry_points
from bot.config import PROJECT_ROOT, load_config
from bot.flow_loader import FlowSet
from nlu.interpreter import DEFAULT_DATA
from tests.conftest import free_port, write_config



def serve(config: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WENZHEN_", "DATABASE_URL", "REDIS_URL"))}
    env.update(WENZHEN_CONFIG=str(config), WENZHEN_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(PROJECT_ROOT),
               DATABASE_URL=f"sqlite:///{tmp_path}/serve.db", WENZHEN_SECRET_KEY="test-secret-key-" + "x" * 32)
    return subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--port", str(free_port())], capture_output=True,
                          text=True, cwd=tmp_path, env=env, timeout=240)


def test_a_menu_key_without_a_flow_stops_serve_with_the_config_file_and_line(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.yml", wechat={
        "click": {"PARKING": "/ask_parking"},
        "menu": [{"name": "医院", "sub_button": [{"type": "click", "name": "停车", "key": "PARKING"}]}],
    })
    result = serve(config, tmp_path)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    line_of_key = next(i for i, text in enumerate(config.read_text(encoding="utf-8").splitlines(), 1) if "PARKING:" in text)
    assert f"{config}:{line_of_key}: menu key PARKING (/ask_parking) leads to no flow" in lines[0]
    assert "Traceback" not in result.stderr


def test_a_menu_key_missing_from_the_click_table_is_named() -> None:
    config = replace(load_config(), raw={"wechat": {"click": {}, "menu": [{"type": "click", "name": "新", "key": "NEW"}]}})
    with pytest.raises(DeadEnd, match="menu key NEW has no payload under wechat.click"):
        wechat_entry_points(config)


def test_every_shipped_entry_point_leads_somewhere(runtime: object) -> None:
    flows: FlowSet = runtime.flows  # type: ignore[attr-defined]
    points = [*wechat_entry_points(load_config()), *trained_intents(DEFAULT_DATA)]
    assert {"menu key BOOK", "menu key FEEDBACK", "scene fever_clinic", "intent book_appointment"} <= {p.what for p in points}
    check_entry_points(points, flows)  # raises DeadEnd otherwise


def test_a_trained_intent_without_a_flow_is_named_with_its_training_file_and_line(runtime: object) -> None:
    flows: FlowSet = runtime.flows  # type: ignore[attr-defined]
    without_feedback = FlowSet({k: v for k, v in flows.flows.items() if k != "feedback"}, flows.slots)
    with pytest.raises(DeadEnd) as caught:
        check_entry_points(trained_intents(DEFAULT_DATA), without_feedback)
    where = str(caught.value).split(": intent feedback")[0]
    path, line = where.rsplit(":", 1)
    # the first training file that teaches the intent (services.yml, or a later class file such as
    # round4_classes.yml): the message names a real file and the line that opens the intent there
    assert Path(path).suffix == ".yml" and Path(path).is_file()
    assert Path(path).read_text(encoding="utf-8").splitlines()[int(line) - 1] == "- intent: feedback"
