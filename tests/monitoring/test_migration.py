"""Migration 0030_monitor2_person_key up and down, on SQLite and on PostgreSQL (real, under CI=true).

Rows stored per conversation get the person's key: the card the account bound for the relation the
conversation was about, else the family member; two conversations of one card become one series; on
the way down the people of one conversation are merged back into one row. No reading, alert, note or
device is lost either way."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command

from bot.db import Database, alembic_config

NOW = dt.datetime(2026, 12, 7, 8, 0, tzinfo=dt.timezone.utc)
CHILD_TABLES = ("monitoring_readings", "monitoring_alerts", "monitoring_notes", "monitoring_devices")


def member(cid: str, relation: str) -> str:
    return f"member:{hashlib.sha256(cid.encode()).hexdigest()[:40]}:{relation}"


async def migrate(db: Database, direction: str, target: str) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda c: getattr(command, direction)(alembic_config(c), target))


async def rows(db: Database, sql: str, **params: Any) -> list[dict[str, Any]]:
    async with db.engine.connect() as conn:
        return [dict(r._mapping) for r in await conn.execute(sa.text(sql), params)]


async def insert(db: Database, table: str, **values: Any) -> None:
    """One row; dicts are JSON (a jsonb cast on PostgreSQL)."""
    pg = not db.url.startswith("sqlite")
    names = ", ".join(values)
    marks = ", ".join(f"CAST(:{k} AS JSONB)" if pg and isinstance(v, dict) else f":{k}" for k, v in values.items())
    params = {k: json.dumps(v) if isinstance(v, dict) else v for k, v in values.items()}
    async with db.engine.begin() as conn:
        await conn.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), params)


async def legacy(db: Database) -> None:
    """As a deployment had them before 0030: one monitoring row per conversation."""
    for cid, channel, sender, subject in (("c-self", "rest", "c-self", None), ("c-dad", "rest", "c-dad", "parent"),
                                          ("wechat:oB", "wechat", "oB", "self")):
        await insert(db, "conversations", id=cid, channel=channel, sender=sender, created_at=NOW)
        if subject:
            await insert(db, "events", conversation_id=cid, seq=1, type="slot", actor="patient", timestamp=1.0,
                         data={"name": "subject", "value": subject})
    # c-dad's account bound her father's card; the father's own WeChat account bound the same card for himself.
    for pid, channel, sender, card, relation in ((1, "rest", "c-dad", 11, "parent"), (2, "wechat", "oB", 12, "self")):
        await insert(db, "patients", id=pid, channel=channel, external_id=sender, consented_at=NOW, created_at=NOW)
        await insert(db, "medical_cards", id=card, patient_id=pid, relation=relation, name_enc="x", id_number_enc="x",
                     id_number_hash="hash-dad", phone_enc="x", phone_hash="p", created_at=NOW)
    for n, cid in enumerate(("c-self", "c-dad", "wechat:oB"), start=1):
        await insert(db, "monitoring_patients", id=n, conversation_id=cid, channel="rest", department="general",
                     enrolled=n != 3, reason="consult", schedule={}, thresholds={},
                     latest={"spo2": {"value": 90 + n, "at": f"2026-12-0{n}T08:00:00+00:00", "source": "typed"}},
                     recent={"spo2": [90 + n]}, flags={}, level="", last_reading_at=NOW - dt.timedelta(days=4 - n),
                     created_at=NOW)
        for k in range(2):
            await insert(db, "monitoring_readings", patient_id=n, measure="spo2", value=90 + n, unit="%", context="",
                         source="typed", taken_at=NOW - dt.timedelta(hours=k), recorded_at=NOW)
        await insert(db, "monitoring_alerts", patient_id=n, kind="trend", measure="spo2", value=90 + n, level="consult",
                     reason="r", created_at=NOW)
    await insert(db, "monitoring_notes", patient_id=3, author="dr", author_name="", text_encrypted="t", created_at=NOW)
    await insert(db, "monitoring_devices", name="ox", token_hash="th", patient_id=3, created_at=NOW)


async def children(db: Database) -> dict[str, list[int]]:
    return {t: sorted(r["patient_id"] for r in await rows(db, f"SELECT patient_id FROM {t}")) for t in CHILD_TABLES}


async def check_up_and_down(url: str) -> None:
    db = Database(url)
    try:
        for revision in ("0011_monitoring", "0005_patients"):
            await migrate(db, "upgrade", revision)
        await legacy(db)
        assert len((await children(db))["monitoring_readings"]) == 6

        await migrate(db, "upgrade", "0030_monitor2_person_key")
        people = {r["id"]: r for r in await rows(db, "SELECT id, patient_key, relation, card_id, conversation_id, enrolled, "
                                                     "latest FROM monitoring_patients ORDER BY id")}
        assert set(people) == {1, 2}  # the father's WeChat row became his card's series (row 2)
        assert (people[1]["patient_key"], people[1]["relation"], people[1]["card_id"]) == (member("c-self", "self"), "self", None)
        assert (people[2]["patient_key"], people[2]["relation"], people[2]["card_id"]) == ("card:hash-dad", "parent", 11)
        latest = people[2]["latest"] if isinstance(people[2]["latest"], dict) else json.loads(people[2]["latest"])
        assert latest["spo2"]["value"] == 93  # the newer of the two
        moved = await children(db)
        assert moved == {"monitoring_readings": [1, 1, 2, 2, 2, 2], "monitoring_alerts": [1, 2, 2],
                         "monitoring_notes": [2], "monitoring_devices": [2]}

        # Now a second person is followed from c-self (as the app does after the upgrade).
        await insert(db, "monitoring_patients", id=7, patient_key=member("c-self", "parent"), relation="parent",
                     conversation_id="c-self", channel="rest", department="general", enrolled=True, reason="consult",
                     schedule={}, thresholds={}, latest={}, recent={}, flags={}, level="", created_at=NOW)
        await insert(db, "monitoring_readings", patient_id=7, measure="spo2", value=95, unit="%", context="",
                     source="typed", taken_at=NOW, recorded_at=NOW)
        with pytest.raises(sa.exc.IntegrityError):  # one row per person
            await insert(db, "monitoring_patients", patient_key=member("c-self", "parent"), relation="parent",
                         conversation_id="c-self", channel="rest", department="general", enrolled=True, reason="",
                         schedule={}, thresholds={}, latest={}, recent={}, flags={}, level="", created_at=NOW)

        await migrate(db, "downgrade", "0011_monitoring")
        back = await rows(db, "SELECT * FROM monitoring_patients ORDER BY id")
        assert [r["id"] for r in back] == [1, 2] and "patient_key" not in back[0]
        assert (await children(db))["monitoring_readings"] == [1, 1, 1, 2, 2, 2, 2]  # c-self's two people: one row
        with pytest.raises(sa.exc.IntegrityError):  # one row per conversation again
            await insert(db, "monitoring_patients", conversation_id="c-self", channel="rest", department="general",
                         enrolled=True, reason="", schedule={}, thresholds={}, latest={}, recent={}, flags={}, level="",
                         created_at=NOW)

        await db.upgrade()  # and up again, with every other branch
        again = await rows(db, "SELECT id, patient_key FROM monitoring_patients ORDER BY id")
        assert [r["patient_key"] for r in again] == [member("c-self", "self"), "card:hash-dad"]
    finally:
        await db.close()


async def test_the_migration_up_and_down_on_sqlite(tmp_path: Path) -> None:
    await check_up_and_down(f"sqlite+aiosqlite:///{tmp_path}/m.db")


@pytest.mark.postgres
async def test_the_migration_up_and_down_on_postgres(postgres_url: str) -> None:
    await check_up_and_down(postgres_url)
