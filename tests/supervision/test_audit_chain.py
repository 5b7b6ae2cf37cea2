"""The audit chain: every stored event is vouched for, and an edited, deleted or inserted row is named."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from bot.messages import UserMessage
from bot.runtime import Runtime
from bot.supervision import AuditEntry, AuditError
from bot.supervision.audit import AuditRow

pytestmark = pytest.mark.asyncio


async def _talk(runtime: Runtime, sender: str, *texts: str) -> None:
    for line in texts:
        await runtime.engine.handle(UserMessage(channel="rest", sender=sender, text=line))


async def _sql(runtime: Runtime, statement: str, **params: object) -> None:
    async with runtime.db.engine.begin() as conn:
        await conn.execute(text(statement), params)


async def _entry_of(runtime: Runtime, conversation: str, seq: int) -> int:
    async with runtime.db.engine.connect() as conn:
        return int((await conn.execute(text(
            "SELECT id FROM audit_log WHERE subject = :c AND event_seq = :s"), {"c": conversation, "s": seq})).scalar_one())


async def test_every_event_of_a_conversation_has_an_entry_and_the_chain_holds(runtime: Runtime) -> None:
    await _talk(runtime, "a1", "我发烧三天了，最高39度", "没有咳嗽")
    events = await runtime.engine.events("a1")
    entries = await runtime.audit.entries(subject="a1")
    assert [e.event_seq for e in entries] == [e.seq for e in events]
    assert {e.role for e in entries} >= {"patient", "bot"}
    result = await runtime.audit.verify()
    assert result.ok and result.events == len(events) and result.entries == len(events)


async def test_entries_hold_no_patient_text(runtime: Runtime) -> None:
    await _talk(runtime, "a2", "我叫李明，发烧38度5")
    async with runtime.db.engine.connect() as conn:
        dumped = " ".join(str(tuple(r)) for r in await conn.execute(text("SELECT * FROM audit_log")))
    assert "李明" not in dumped and "发烧" not in dumped


async def test_an_edited_event_is_named(runtime: Runtime) -> None:
    await _talk(runtime, "a3", "我发烧三天了")
    await _sql(runtime, "UPDATE events SET actor = 'bot' WHERE conversation_id = 'a3' AND seq = 1")
    result = await runtime.audit.verify()
    assert not result.ok and result.broken.reason == "edited_event"
    assert (result.broken.conversation_id, result.broken.seq) == ("a3", 1)
    assert result.broken.entry_id == await _entry_of(runtime, "a3", 1)
    assert "a3#1" in result.broken.describe()


async def test_a_deleted_event_is_named(runtime: Runtime) -> None:
    await _talk(runtime, "a4", "我发烧三天了")
    await _sql(runtime, "DELETE FROM events WHERE conversation_id = 'a4' AND seq = 2")
    result = await runtime.audit.verify()
    assert result.broken.reason == "deleted_event" and result.broken.seq == 2


async def test_an_inserted_event_is_named(runtime: Runtime) -> None:
    await _talk(runtime, "a5", "我发烧三天了")
    await _sql(runtime, "INSERT INTO events (conversation_id, seq, type, actor, timestamp, data) "
                        "VALUES ('a5', 999, 'bot', 'bot', 1.0, '{\"text\": \"forged\"}')")
    result = await runtime.audit.verify()
    assert result.broken.reason == "inserted_event" and (result.broken.conversation_id, result.broken.seq) == ("a5", 999)


async def test_an_edited_entry_is_named(runtime: Runtime) -> None:
    await _talk(runtime, "a6", "你好")
    victim = await _entry_of(runtime, "a6", 1)
    await _sql(runtime, "UPDATE audit_log SET actor = 'doctor:9' WHERE id = :i", i=victim)
    result = await runtime.audit.verify()
    assert (result.broken.reason, result.broken.entry_id) == ("edited_entry", victim)


async def test_a_deleted_entry_breaks_the_link_of_the_next(runtime: Runtime) -> None:
    await _talk(runtime, "a7", "你好", "发烧")
    victim = await _entry_of(runtime, "a7", 2)
    await _sql(runtime, "DELETE FROM audit_log WHERE id = :i", i=victim)
    result = await runtime.audit.verify()
    assert (result.broken.reason, result.broken.entry_id) == ("broken_link", victim + 1)


async def test_an_inserted_entry_breaks_the_chain(runtime: Runtime) -> None:
    await _talk(runtime, "a8", "你好")
    await _sql(runtime, "INSERT INTO audit_log (at, actor, role, action, object_type, object_id, detail, prev_hash, hash) "
                        "VALUES (1.0, 'admin:1', 'admin', 'export', 'consultations', 'x', '{}', 'forged', 'forged')")
    result = await runtime.audit.verify()
    assert result.broken.reason == "broken_link"


async def test_staff_actions_join_the_chain(runtime: Runtime) -> None:
    await _talk(runtime, "a9", "你好")
    await runtime.audit.record(AuditEntry(actor="admin:1", action="roster.change", object_type="roster", object_id="shift:3"))
    last = (await runtime.audit.entries(actions=("roster.change",)))[-1]
    assert last.role == "admin" and last.object_id == "shift:3"
    assert (await runtime.audit.verify()).ok


async def test_postgres_refuses_update_and_delete_of_events_and_entries(make_runtime, postgres_url: str) -> None:
    runtime = await make_runtime(database_url=postgres_url)
    await _talk(runtime, "p1", "我发烧三天了")
    for statement in ("UPDATE events SET actor = 'bot'", "DELETE FROM events", "TRUNCATE events CASCADE",
                      "UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log", "DELETE FROM conversations"):
        with pytest.raises(DBAPIError, match="append-only"):
            await _sql(runtime, statement)
    # Setting the purge flag by hand does not help: the chain has not recorded a purge.
    with pytest.raises(DBAPIError, match="append-only"):
        async with runtime.db.engine.begin() as conn:
            await conn.execute(text("SELECT set_config('wenzhen.purging', 'on', true)"))
            await conn.execute(text("DELETE FROM events WHERE conversation_id = 'p1'"))
    assert (await runtime.audit.verify()).ok


async def test_two_workers_appending_at_once_never_fork_the_chain(make_runtime, postgres_url: str) -> None:
    first = await make_runtime(database_url=postgres_url)
    second = await make_runtime(database_url=postgres_url)
    staff_actions = [
        (first if i % 2 else second).audit.record(
            AuditEntry(actor=f"doctor:{i}", action="record.open", object_type="consultation", object_id=str(i)))
        for i in range(30)
    ]
    turns = [_talk(first if i % 2 else second, f"c{i}", "发烧三天") for i in range(8)]
    await asyncio.gather(*staff_actions, *turns)
    result = await first.audit.verify()
    assert result.ok, result.broken
    async with first.db.session() as session:
        from sqlalchemy import func, select

        assert await session.scalar(select(func.count()).select_from(AuditRow).where(AuditRow.action == "record.open")) == 30


async def _predate_the_chain(runtime: Runtime) -> None:
    """What a database upgraded from a release without the audit trail looks like: events, no entries."""
    await _sql(runtime, "DELETE FROM audit_log")


async def test_events_that_predate_the_chain_are_adopted_once_and_the_chain_then_holds(runtime: Runtime) -> None:
    await _talk(runtime, "old1", "我发烧三天了，最高39度", "没有咳嗽")
    await _talk(runtime, "old2", "你好")
    await _predate_the_chain(runtime)
    before = await runtime.audit.verify()
    assert before.broken is not None and before.broken.reason == "inserted_event"
    old_events = len(await runtime.engine.events("old1")) + len(await runtime.engine.events("old2"))

    adopted = await runtime.audit.adopt_existing(actor="cli:root")

    assert adopted == old_events
    result = await runtime.audit.verify()
    assert result.ok and result.events == old_events
    first = (await runtime.audit.entries(limit=1))[0]
    assert first.action == "audit.adopt" and first.detail["events"] == old_events
    assert all(e.detail.get("adopted") is True for e in await runtime.audit.entries(subject="old1"))
    # New turns chain after the adopted ones; a second adoption is refused.
    await _talk(runtime, "old1", "谢谢")
    assert (await runtime.audit.verify()).ok
    with pytest.raises(AuditError, match="already"):
        await runtime.audit.adopt_existing(actor="cli:root")


async def test_an_event_inserted_after_the_chain_started_is_never_adopted(runtime: Runtime) -> None:
    await _talk(runtime, "a9", "我发烧三天了")
    await _sql(runtime, "INSERT INTO events (conversation_id, seq, type, actor, timestamp, data) "
                        "VALUES ('a9', 999, 'bot', 'bot', 1.0, '{\"text\": \"forged\"}')")
    with pytest.raises(AuditError, match="nothing to adopt"):
        await runtime.audit.adopt_existing(actor="cli:root")
    result = await runtime.audit.verify()
    assert result.broken.reason == "inserted_event" and (result.broken.conversation_id, result.broken.seq) == ("a9", 999)


async def test_adoption_on_postgres_after_an_upgrade(make_runtime, postgres_url: str) -> None:
    runtime = await make_runtime(database_url=postgres_url)
    await _talk(runtime, "pg-old", "我发烧三天了，最高39度", "没有咳嗽")
    # A release without the trail had no entries (and no triggers): remove them as its owner would see it.
    await _sql(runtime, "ALTER TABLE audit_log DISABLE TRIGGER USER")
    await _sql(runtime, "DELETE FROM audit_log")
    await _sql(runtime, "ALTER TABLE audit_log ENABLE TRIGGER USER")
    assert (await runtime.audit.verify()).broken.reason == "inserted_event"
    adopted = await runtime.audit.adopt_existing(actor="cli:root")
    assert adopted == len(await runtime.engine.events("pg-old"))
    await _talk(runtime, "pg-old", "谢谢")
    assert (await runtime.audit.verify()).ok
