"""Session seven (fix11c): the terminal chat's screen holds the conversation only — log lines go to chat.log."""
from __future__ import annotations

from pathlib import Path

from tests.conftest import write_config
from tests.engine.test_cli import run
from tests.engine.test_flows import FLOW_CONFIG


def test_chat_logs_go_to_a_file_not_into_the_chat(tmp_path: Path) -> None:
    config = write_config(tmp_path / "chat.yml", **FLOW_CONFIG)
    result = run(["--log-level", "DEBUG", "--config", str(config), "chat"], tmp_path, stdin="/report_symptoms\n1\n",
                 DATABASE_URL=f"sqlite:///{tmp_path}/chat.db")
    assert result.returncode == 0, result.stderr
    assert "体温多少度？" in result.stdout
    for screen in (result.stdout, result.stderr):
        assert " DEBUG " not in screen and " INFO " not in screen and " WARNING " not in screen, screen
    log = tmp_path / "data" / "chat.log"
    assert log.exists() and " DEBUG " in log.read_text(encoding="utf-8")
    assert str(log) in result.stdout  # the chat says where its logs are
