"""`wenzhen staff` and `wenzhen roster`: accounts and on-duty hours from the shell; bad input exits 2 with one line."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main as wenzhen
from tests.conftest import write_config
from tests.console.helpers import PASSWORD


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    config = write_config(tmp_path / "config.yml")
    # WENZHEN_CONFIG is listed so that the runner restores it: `--config` also sets it for the process.
    env = {"WENZHEN_CONFIG": str(config), "DATABASE_URL": f"sqlite:///{tmp_path}/cli.db", "WENZHEN_DATA_DIR": str(tmp_path / "data"),
           "WENZHEN_STAFF_PASSWORD": PASSWORD, "REDIS_URL": ""}

    def invoke(*args: str, password: str | None = None) -> Result:
        extra = {} if password is None else {"WENZHEN_STAFF_PASSWORD": password}
        return CliRunner().invoke(wenzhen, ["--config", str(config), *args], env={**env, **extra})

    return invoke


def test_staff_are_added_listed_updated_and_disabled(run) -> None:  # type: ignore[no-untyped-def]
    added = run("staff", "add", "dr.li", "--name", "李明", "--title", "主治医师", "--department", "fever",
                "--department", "general")
    assert added.exit_code == 0, added.output
    assert "dr.li\t李明\t主治医师\tdoctor\tfever,general" in run("staff", "list").output
    assert run("staff", "list", "--department", "pediatrics").output == ""
    assert run("staff", "update", "dr.li", "--department", "pediatrics").exit_code == 0
    assert "pediatrics" in run("staff", "list", "--department", "pediatrics").output
    assert "disabled" in run("staff", "update", "dr.li", "--disabled").output
    assert run("staff", "passwd", "dr.li", password="another long password").exit_code == 0


def test_weekend_mornings_and_a_day_off_make_the_sessions(run) -> None:  # type: ignore[no-untyped-def]
    run("staff", "add", "dr.li", "--name", "李明", "--department", "general")
    shifts = run("roster", "add", "dr.li", "全科", "sat,sun", "08:00", "12:00")
    assert shifts.exit_code == 0 and shifts.output.count("shift") == 2
    assert run("roster", "override", "dr.li", "general", "2030-01-05").output.endswith("off\n")
    listing = run("roster", "list").output
    assert "sat\t08:00-12:00" in listing and "2030-01-05\toff" in listing
    sessions = run("roster", "sessions", "general").output
    assert "08:00" in sessions and ("周六 08:00" in sessions or "周日 08:00" in sessions), sessions
    assert not any(day in sessions for day in ("Sat", "Sun", "Mon")), sessions
    shift_id = listing.split("\t")[0].split()[1]
    assert run("roster", "remove", "--shift", shift_id).output == "removed\n"


@pytest.mark.parametrize("args, reason", [
    (["staff", "add", "dr.li", "--name", "李明", "--department", "surgery"], "unknown department"),
    (["staff", "add", "dr.li", "--name", "李明", "--role", "nurse"], "nurse"),
    (["staff", "update", "nobody", "--title", "x"], "no staff member"),
    (["roster", "add", "dr.li", "general", "someday", "08:00", "12:00"], "not a weekday"),
    (["roster", "add", "dr.li", "general", "mon", "12:00", "08:00"], "must end after it starts"),
    (["roster", "add", "dr.li", "general", "mon", "8点", "12:00"], "not a time of day"),
    (["roster", "override", "dr.li", "general", "2030-01-05", "08:00"], "both start and end"),
    (["roster", "remove"], "exactly one"),
])
def test_bad_input_exits_2_with_one_line(run, args: list[str], reason: str) -> None:  # type: ignore[no-untyped-def]
    run("staff", "add", "dr.li", "--name", "李明", "--department", "general")
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert reason in result.output.strip().splitlines()[-1] and "Traceback" not in result.output


def test_a_short_password_is_refused(run) -> None:  # type: ignore[no-untyped-def]
    result = run("staff", "add", "dr.li", "--name", "李明", password="short")
    assert result.exit_code == 2 and "at least" in result.output


def test_a_piped_password_is_read_quietly_with_or_without_password_stdin(tmp_path: Path) -> None:
    """`printf … | wenzhen staff add …` in a real process: no GetPassWarning, no echo, the account works."""
    import os
    import subprocess
    import sys

    config = write_config(tmp_path / "config.yml")
    env = {**os.environ, "WENZHEN_CONFIG": str(config), "DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
           "WENZHEN_DATA_DIR": str(tmp_path / "data"), "REDIS_URL": ""}
    env.pop("WENZHEN_STAFF_PASSWORD", None)

    def wenzhen_piped(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", "--config", str(config), *args], input=stdin,
                              capture_output=True, text=True, env=env, timeout=120)

    added = wenzhen_piped(PASSWORD + "\n", "staff", "add", "dr.li", "--name", "李明", "--password-stdin")
    assert added.returncode == 0, added.stderr
    assert "GetPassWarning" not in added.stderr and PASSWORD not in added.stdout + added.stderr
    changed = wenzhen_piped("another long password\n", "staff", "passwd", "dr.li")
    assert changed.returncode == 0 and "GetPassWarning" not in changed.stderr, changed.stderr
    empty = wenzhen_piped("", "staff", "add", "dr.wu", "--name", "吴", "--password-stdin")
    assert empty.returncode == 2 and "no password on stdin" in empty.stderr
