"""Retention and erasure: expired conversations, records, media and broadcast logs go (audited, chain intact);
an erasure request deletes, or seals what the law keeps."""
from __future__ import annotations

import datetime as dt
import json
import os
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import func, select, text

from bot.broadcasts import DeliveryRow
from bot.consultations.models import ConsultationRow
from bot.db import EventRow, utcnow
from bot.jobs import HANDLERS, JobRow
from bot.patients import MedicalCard
from bot.runtime import Runtime
from bot.supervision.retention import RecordKeeper
from integrations.supervision.schedule import SWEEP_JOB, RetentionSweep
from tests.console.helpers import say
from tests.supervision.helpers import consult, doctor_and_admin, sign_in
from tests.supervision.test_who_saw_what import bind_card


def keeper(runtime: Runtime) -> RecordKeeper:
    return RecordKeeper(runtime.config, runtime.db, runtime.audit, runtime.cache)


async def events_of(runtime: Runtime, conversation_id: str) -> int:
    async with runtime.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(EventRow)
                                        .where(EventRow.conversation_id == conversation_id)) or 0)


async def test_the_sweep_removes_what_expired_and_keeps_medical_records_for_fifteen_years(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    csrf = await doctor_and_admin(runtime, client)
    await say(client, "chat-only", "发烧吃什么药")
    await consult(client, "patient", ["我发烧三天了"], csrf)
    four_years = await keeper(runtime).sweep(now=utcnow() + dt.timedelta(days=4 * 365))
    assert (four_years.conversations, four_years.records) == (1, 0)
    assert await events_of(runtime, "chat-only") == 0 and await events_of(runtime, "patient") > 0
    assert not await runtime.store.exists("chat-only") and (await runtime.engine.state("chat-only")).seq == 0
    sixteen_years = await keeper(runtime).sweep(now=utcnow() + dt.timedelta(days=16 * 365))
    assert sixteen_years.records == 1 and await events_of(runtime, "patient") == 0
    async with runtime.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(ConsultationRow)) == 0
    purges = await runtime.audit.entries(actions=("retention.purge",))
    assert [(p.subject, p.actor, p.detail["kind"]) for p in purges] == [
        ("chat-only", "system:retention", "conversations"), ("patient", "system:retention", "consultation_records")]
    assert (await runtime.audit.verify()).ok  # purged events are accounted for by their purge entries


async def test_old_media_files_and_broadcast_logs_go(runtime: Runtime) -> None:
    media = runtime.config.data_dir / "media"
    media.mkdir(parents=True, exist_ok=True)
    old, new = media / "old.jpg", media / "new.jpg"
    for path in (old, new):
        path.write_bytes(b"\xff\xd8")
    long_ago = (utcnow() - dt.timedelta(days=200)).timestamp()
    os.utime(old, (long_ago, long_ago))
    async with runtime.db.transaction() as session:
        for days, sender in ((800, "old"), (10, "new")):
            session.add(DeliveryRow(campaign_id=1, conversation_id=sender, channel="rest", sender=sender, method="rest",
                                    batch=0, status="sent", updated_at=utcnow() - dt.timedelta(days=days)))
    report = await keeper(runtime).sweep()
    assert (report.media_files, report.broadcast_logs) == (1, 1)
    assert not old.exists() and new.exists()
    actions = [e.action for e in await runtime.audit.entries()]
    assert "retention.media" in actions and "retention.broadcast_logs" in actions


async def test_an_erasure_request_deletes_a_chat_with_its_cards_but_seals_a_medical_record(
        runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    csrf = await doctor_and_admin(runtime, client)
    await bind_card(client, "chatter")
    cid = await consult(client, "treated", ["咳嗽一周了"], csrf)
    await sign_in(other_client, "boss")
    admin = {"X-CSRF-Token": (await other_client.get("/api/console/me")).json()["csrf_token"]}

    deleted = await other_client.post("/api/console/admin/erasure", json={"conversation_id": "chatter"}, headers=admin)
    assert deleted.json()["outcome"] == "deleted" and await events_of(runtime, "chatter") == 0
    async with runtime.db.session() as session:
        assert await session.scalar(select(func.count()).select_from(MedicalCard)) == 0

    sealed = await other_client.post("/api/console/admin/erasure", json={"conversation_id": "treated"}, headers=admin)
    assert sealed.json()["outcome"] == "sealed" and await events_of(runtime, "treated") > 0
    assert (await client.get(f"/api/console/consultations/{cid}")).status_code == 403
    # Nobody signed out learns that the record exists, let alone that it is sealed.
    anonymous = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
    async with anonymous:
        assert (await anonymous.get(f"/api/console/consultations/{cid}")).status_code == 401
    now = dt.datetime.now(dt.timezone.utc)
    exported = await other_client.get("/api/console/admin/export/consultations", params={
        "from": (now - dt.timedelta(hours=1)).isoformat(), "to": (now + dt.timedelta(hours=1)).isoformat()})
    assert [json.loads(line)["sealed"] for line in exported.text.splitlines()] == [True]
    assert [e.action for e in await runtime.audit.entries(actions=("erasure.delete", "erasure.seal"))] == \
        ["erasure.delete", "erasure.seal"]
    assert (await runtime.audit.verify()).ok


async def test_an_erasure_request_waits_while_a_consultation_is_open(runtime: Runtime, client: httpx.AsyncClient) -> None:
    csrf = await doctor_and_admin(runtime, client)
    await consult(client, "open", ["头疼"], csrf, close=False)
    outcome = await keeper(runtime).erase("open", "admin:2")
    assert outcome.kind == "refused" and await events_of(runtime, "open") > 0
    assert (await runtime.audit.entries(actions=("erasure.refused",)))[-1].detail == {"reason": "a consultation is still open"}


async def test_the_nightly_sweep_is_a_durable_job_that_schedules_the_next(runtime: Runtime) -> None:
    async def pending() -> list[JobRow]:
        async with runtime.db.session() as session:
            return list((await session.scalars(select(JobRow).where(JobRow.kind == SWEEP_JOB, JobRow.status == "pending")
                                               .order_by(JobRow.due_at))).all())

    [first] = await pending()
    due = first.due_at if first.due_at.tzinfo else first.due_at.replace(tzinfo=dt.timezone.utc)
    now = dt.datetime.now(dt.timezone.utc)
    assert now < due <= now + dt.timedelta(days=1)
    # What the job queue runs at the due time: the handler with its payload and declared services.
    await runtime.services.bind(HANDLERS[SWEEP_JOB])(RetentionSweep(**first.payload))
    following = (await pending())[-1]
    assert following.key == "retention:" + (due + dt.timedelta(days=1)).astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()


async def test_postgres_purges_only_through_the_audited_function(make_runtime, postgres_url: str) -> None:
    runtime = await make_runtime(database_url=postgres_url)
    from bot.messages import UserMessage

    await runtime.engine.handle(UserMessage(channel="rest", sender="pg-chat", text="你好"))
    report = await keeper(runtime).sweep(now=utcnow() + dt.timedelta(days=4 * 365))
    assert report.conversations == 1 and await events_of(runtime, "pg-chat") == 0
    assert (await runtime.audit.verify()).ok
    async with runtime.db.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'retention.purge'"))).scalar() == 1
