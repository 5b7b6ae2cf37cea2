"""From the shell: staff and roster changes are audited (reads are not), and `wenzhen audit verify` names a broken link."""
from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.console.helpers import PASSWORD
from tests.console.test_cli import run

__all__ = ["run"]


def _entries(tmp_path: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(tmp_path / "cli.db") as db:
        return db.execute("SELECT actor, action, detail FROM audit_log ORDER BY id").fetchall()


def test_staff_and_roster_changes_from_the_shell_are_audited_without_their_arguments(run, tmp_path: Path) -> None:
    assert run("staff", "add", "dr.li", "--name", "李明", "--department", "fever").exit_code == 0
    assert run("staff", "list").exit_code == 0
    assert run("roster", "add", "dr.li", "fever", "mon", "08:00", "12:00").exit_code == 0
    entries = _entries(tmp_path)
    assert [action for _, action, _ in entries] == ["staff.change", "roster.change"]
    assert all(actor.startswith("cli:") for actor, _, _ in entries)
    assert PASSWORD not in str(entries)


def test_audit_verify_says_ok_then_names_the_edited_entry(run, tmp_path: Path) -> None:
    run("staff", "add", "dr.li", "--name", "李明", "--department", "fever")
    run("roster", "add", "dr.li", "fever", "mon", "08:00", "12:00")
    ok = run("audit", "verify")
    assert ok.exit_code == 0 and ok.output.startswith("OK: 2 entries")
    with sqlite3.connect(tmp_path / "cli.db") as db:
        db.execute("UPDATE audit_log SET actor = 'admin:1' WHERE id = 1")
    broken = run("audit", "verify")
    assert broken.exit_code == 1 and "audit entry 1" in broken.output and "changed" in broken.output


def test_audit_adopt_vouches_once_for_events_older_than_the_chain(run, tmp_path: Path) -> None:
    run("staff", "add", "dr.li", "--name", "李明", "--department", "fever")
    with sqlite3.connect(tmp_path / "cli.db") as db:
        db.execute("INSERT INTO conversations (id, channel, sender, created_at) VALUES ('legacy', 'rest', 'legacy', '2022-12-20 10:00:00')")
        db.execute("INSERT INTO events (conversation_id, seq, type, actor, timestamp, data) "
                   "VALUES ('legacy', 1, 'user', 'patient', 1.0, '{\"text\": \"你好\"}')")
    assert run("audit", "verify").exit_code == 1
    adopted = run("audit", "adopt")
    assert adopted.exit_code == 0 and "adopted 1 events" in adopted.output
    assert run("audit", "verify").exit_code == 0
    again = run("audit", "adopt")
    assert again.exit_code == 2 and "already" in again.output
