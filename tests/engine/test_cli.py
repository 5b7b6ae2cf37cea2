"""The `wenzhen` command line: help, one-line errors with exit 2, the terminal chat, db upgrade."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from bot.config import PROJECT_ROOT
from tests.conftest import write_config
from tests.engine.test_flows import FLOW_CONFIG


def run(args: list[str], tmp_path: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("WENZHEN_", "DATABASE_URL", "REDIS_URL"))}
    full_env.update(WENZHEN_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(PROJECT_ROOT), **env)
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True, cwd=tmp_path, env=full_env, timeout=180
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run(["--help"], tmp_path)
    assert result.returncode == 0
    for command in ("chat", "serve", "db", "worker"):
        assert command in result.stdout


def test_a_missing_config_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run(["--config", "nope.yml", "db", "upgrade"], tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == "wenzhen: configuration file not found: nope.yml"


def test_a_broken_config_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text("plugins: [unclosed\n", encoding="utf-8")
    result = run(["--config", "bad.yml", "db", "upgrade"], tmp_path)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "not valid YAML" in result.stderr


def test_several_workers_need_shared_services(tmp_path: Path) -> None:
    result = run(["serve", "--workers", "2"], tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/x.db")
    assert result.returncode == 2
    assert "several workers need shared state" in result.stderr


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    result = run(["db", "upgrade"], tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/fresh.db")
    assert result.returncode == 0, result.stderr
    tables = {r[0] for r in sqlite3.connect(tmp_path / "fresh.db").execute("select name from sqlite_master")}
    assert {"conversations", "events", "scheduled_jobs", "alembic_version"} <= tables


def test_chat_shows_buttons_as_numbered_choices_and_takes_a_number(tmp_path: Path) -> None:
    config = write_config(tmp_path / "chat.yml", **FLOW_CONFIG)
    result = run(["--config", str(config), "chat"], tmp_path, stdin="/report_symptoms\n1\n", DATABASE_URL=f"sqlite:///{tmp_path}/chat.db")
    assert result.returncode == 0, result.stderr
    assert "体温多少度？" in result.stdout
    assert "1. 没有发烧" in result.stdout
    assert "咳嗽吗？" in result.stdout  # "1" answered the temperature question with its button
