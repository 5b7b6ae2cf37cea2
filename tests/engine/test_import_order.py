"""Every module imports on its own, whatever was imported before it (no import cycle hides behind an order)."""
from __future__ import annotations

import subprocess
import sys

import pytest
from click.testing import CliRunner

from bot.cli import main


@pytest.mark.parametrize("module", ["bot.engine", "bot.session_facts", "bot.consultations", "integrations.wechat",
                                    "integrations.telegram", "integrations.console", "actions.handoff"])
def test_a_module_imports_first_in_a_fresh_interpreter(module: str) -> None:
    done = subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_plugins_commands_are_listed_by_help() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    for command in ("staff", "roster", "rest", "export", "audit", "retention", "broadcast"):
        assert f"  {command} " in result.output, result.output
