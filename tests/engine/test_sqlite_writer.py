"""Embedded SQLite's one writer per process (`bot.db.WriteLock`): the jobs loop, other writers and the turns
never meet SQLite's own lock; a writer inside the lock that calls another writer joins it (no deadlock); a
writer busy too long is a turn run again, never a patient's 5xx; PostgreSQL has no such lock."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import create_app
from bot.db import SQLITE_BUSY_TIMEOUT_MS, Database, EventRow, JobRow, WriterBusy
from bot.jobs import Jobs
from bot.store import TurnTransaction
from bot.supervision.audit import AuditEntry, AuditRow, AuditTrail
from integrations.web.rest_auth import RestAuth
from tests.engine.test_jobs_and_push import Record, status_of

WEBHOOK = "/webhooks/rest/webhook"
# Real patient phrasings through the real NLU; 退订 opens the turn's own transaction (the opt-out is stored in it).
TEXTS = ["你好", "我发烧了两天", "38.5度", "咳嗽有痰", "退订", "/greet"]


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


async def rest_client(runtime) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {RestAuth(runtime.config).deployment_token}"}
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    return httpx.AsyncClient(transport=transport, base_url="http://wenzhen.test", headers=headers, timeout=120)


async def test_the_jobs_loop_and_many_rest_turns_at_once_never_meet_a_locked_database(make_runtime, caplog) -> None:
    caplog.set_level(logging.WARNING)
    runtime = await make_runtime(rest={"auth": "token"})
    jobs: Jobs = runtime.jobs
    jobs._stale_check_every = dt.timedelta(0)  # the stale check's UPDATE on every poll, not once a minute
    for i in range(150):
        await jobs.schedule("test_record", Record(n=i), due_at=now())

    async def keep_scheduling() -> None:  # other writers of the process: each schedule is a transaction
        for i in range(150, 300):
            await jobs.schedule("test_record", Record(n=i), due_at=now())
            await asyncio.sleep(0)

    async def conversation(http: httpx.AsyncClient, sender: str) -> list[httpx.Response]:
        return [await http.post(WEBHOOK, json={"sender": sender, "message": text}) for text in TEXTS]

    async with await rest_client(runtime) as http:
        scheduling = asyncio.create_task(keep_scheduling())
        answered = await asyncio.gather(*(conversation(http, f"p{i}") for i in range(40)))
        await scheduling
        responses = [r for rs in answered for r in rs]
        assert [r.status_code for r in responses if r.status_code >= 500] == []
        assert all(r.status_code == 200 for r in responses)
        for i in (0, 17, 39):
            events = (await http.get(f"/conversations/p{i}/tracker")).json()["events"]
            assert [e["text"] for e in events if e["event"] == "user"] == TEXTS

    async with runtime.db.session() as session:
        users = await session.scalar(select(func.count()).select_from(EventRow).where(EventRow.type == "user"))
        assert users == 40 * len(TEXTS)  # every turn stored, once
        ids = list(await session.scalars(select(JobRow.id).where(JobRow.kind == "test_record")))
    assert len(ids) == 300
    for job_id in ids:  # the jobs ran meanwhile too
        assert (await status_of(runtime, job_id, {"done", "failed"})).status == "done"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "database is locked" not in logged and "turn failed" not in logged
    assert "writer was busy" not in logged  # not even a retried turn: nobody waited past the writer's timeout


async def test_a_writer_inside_the_lock_calling_another_writer_joins_it(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/w.db")
    await db.upgrade()
    jobs, audit = Jobs(db), AuditTrail(db)
    entry = AuditEntry(actor="t", action="test.nested", object_type="test", object_id="1")

    async def nested() -> None:
        async with db.transaction() as outer:
            outer.add(JobRow(kind="test_record", key="outer", payload={}, due_at=now(), status="done", attempts=0))
            await outer.flush()  # the outer transaction holds SQLite's write lock from here on
            assert await jobs.schedule("test_record", Record(1), key="inner") is not None  # a writer of its own
            assert await jobs.schedule("test_record", Record(2), key="outer") is None  # its savepoint undone alone
            async with audit.writing() as conn:  # the audit chain's writer, inside as well
                await audit.append(conn, [entry])
            await audit.record(entry)
            async with db.transaction() as inner:
                assert inner is outer

    # Not re-entrant, the inner writer would wait for the outer one (`WriterBusy`); on a connection of its
    # own, SQLite's lock ("database is locked"): either fails the test, no timing needed.
    await nested()
    turn = TurnTransaction(db)
    session = await turn.session()
    session.add(JobRow(kind="test_record", key="turn", payload={}, due_at=now(), status="done", attempts=0))
    await session.flush()
    assert await jobs.cancel("inner") == 1  # a writer a turn's action calls: joins the turn
    await turn.commit()
    turn = TurnTransaction(db)
    (await turn.session()).add(JobRow(kind="test_record", key="gone", payload={}, due_at=now(), status="done", attempts=0))
    await jobs.schedule("test_record", Record(3), key="gone-too")
    await turn.discard()  # what the turn's writers did goes with it
    async with db.session() as s:
        keys = sorted(await s.scalars(select(JobRow.key)))
        statuses = dict((await s.execute(select(JobRow.key, JobRow.status))).all())
        assert await s.scalar(select(func.count()).select_from(AuditRow)) == 2
    assert keys == ["inner", "outer", "turn"] and statuses["inner"] == "cancelled"
    assert (await audit.verify()).ok
    lock = db.write_lock
    assert lock is not None and not lock.held_here and not lock._lock.locked()
    await db.close()


async def test_other_tasks_wait_for_the_writer_and_a_long_wait_is_writer_busy(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/w.db")
    await db.upgrade()
    lock = db.write_lock
    assert lock is not None and lock is Database(db.url).write_lock  # one writer per file in the process
    order: list[str] = []
    inside = asyncio.Event()

    async def first() -> None:
        async with db.transaction():
            inside.set()
            order.append("first in")
            await asyncio.sleep(0.2)
            order.append("first out")

    async def second() -> None:
        await inside.wait()
        async with db.transaction():
            order.append("second in")

    await asyncio.gather(first(), second())
    assert order == ["first in", "first out", "second in"]
    lock.timeout = 0.1
    inside.clear()
    holder = asyncio.create_task(first())
    await inside.wait()
    with pytest.raises(WriterBusy):
        async with db.transaction():
            pass
    await holder
    async with db.transaction():  # free again
        pass
    await db.close()


async def test_a_turn_that_finds_the_writer_busy_runs_again_and_is_stored(make_runtime) -> None:
    runtime = await make_runtime(rest={"auth": "token"})
    lock = runtime.db.write_lock
    lock.timeout = 0.3
    async with await rest_client(runtime) as http:
        await http.post(WEBHOOK, json={"sender": "waits", "message": "你好"})

        async def hold(seconds: float) -> None:
            async with runtime.db.transaction():
                await asyncio.sleep(seconds)

        holder = asyncio.create_task(hold(0.5))  # longer than one wait, shorter than the turn's retries
        await asyncio.sleep(0.05)
        response = await http.post(WEBHOOK, json={"sender": "waits", "message": "我头疼"})
        await holder
        assert response.status_code == 200 and response.json()
        holder = asyncio.create_task(hold(3))  # longer than every retry: busy, resend — not an internal error
        await asyncio.sleep(0.05)
        response = await http.post(WEBHOOK, json={"sender": "waits", "message": "还在吗"})
        await holder
        assert response.status_code == 503 and response.headers["retry-after"] == "2"
        assert response.json()["error"] == "conversation busy"
        users = [e["text"] for e in (await http.get("/conversations/waits/tracker")).json()["events"] if e["event"] == "user"]
        assert users == ["你好", "我头疼"]


async def test_sqlite_connections_wait_for_another_process_briefly_in_wal(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/w.db")
    await db.upgrade()
    async with db.session() as s:
        conn = await s.connection()
        assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
        assert (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar() == SQLITE_BUSY_TIMEOUT_MS
    await db.close()


async def test_postgresql_has_no_process_wide_writer(postgres_url: str) -> None:
    db = Database(postgres_url)
    await db.upgrade()
    assert db.write_lock is None
    async with db.transaction() as outer:  # two transactions of one task at once: two connections, no lock
        outer.add(JobRow(kind="test_record", key="a", payload={}, due_at=now(), status="pending", attempts=0))
        await outer.flush()
        async with db.transaction() as inner:
            assert inner is not outer
            inner.add(JobRow(kind="test_record", key="b", payload={}, due_at=now(), status="pending", attempts=0))
    async with db.session() as s:
        assert sorted(await s.scalars(select(JobRow.key))) == ["a", "b"]
    await db.close()


def test_a_write_transaction_parked_on_another_loop_holds_the_file_and_is_named(tmp_path: Path, caplog) -> None:
    """Session seven (sqlite7): the process's writer is one per event loop. A task of a loop that is not
    running, parked inside a write transaction, keeps SQLite's file lock: a writer of another loop waits
    busy_timeout and fails "database is locked" — what a test on a loop of its own met when the runtime's
    jobs loop lived on the module's loop. The second loop's first writer is logged by name."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/parked.db")
    first, second = asyncio.new_event_loop(), asyncio.new_event_loop()
    try:
        first.run_until_complete(db.upgrade())
        inside, never = asyncio.Event(), asyncio.Event()

        async def writer() -> None:
            async with db.transaction() as session:
                await session.execute(JobRow.__table__.delete())
                inside.set()
                await never.wait()

        async def park() -> None:
            first.create_task(writer(), name="parked-writer")
            await inside.wait()

        first.run_until_complete(park())  # `first` stops: its writer stays inside the transaction

        async def write_elsewhere() -> None:
            async with db.transaction() as session:
                await session.execute(JobRow.__table__.delete())

        caplog.set_level(logging.WARNING, "wenzhen.db")
        started = dt.datetime.now()
        with pytest.raises(Exception, match="database is locked"):
            second.run_until_complete(write_elsewhere())
        assert (dt.datetime.now() - started).total_seconds() >= SQLITE_BUSY_TIMEOUT_MS / 1000 * 0.9
        assert any("second event loop" in r.getMessage() for r in caplog.records)

        async def finish() -> None:
            never.set()
            await asyncio.gather(*[t for t in asyncio.all_tasks() if t is not asyncio.current_task()])
            await db.close()

        first.run_until_complete(finish())
    finally:
        first.close()
        second.close()
