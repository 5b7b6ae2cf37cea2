"""Campaigns: create, schedule, cancel, resume and start one (writing every recipient's delivery row)."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcasts.audiences import Profile, check_audience, plan
from bot.broadcasts.model import HOSPITAL_TZ, METHODS, Audience, BroadcastError, Content
from bot.broadcasts.settings import Settings
from bot.broadcasts.tables import CampaignRow, DeliveryRow
from bot.db import utcnow
from bot.jobs import job
from bot.runtime import Runtime


async def create_campaign(
    runtime: "Runtime",
    name: str,
    content: Content,
    audience: Audience,
    methods: list[str],
    created_by: str,
) -> int:
    """A draft campaign; nothing is sent until it is scheduled."""
    if not name.strip():
        raise BroadcastError("a campaign needs a name")
    if not content.text.strip():
        raise BroadcastError("a campaign needs content")
    if not methods:
        raise BroadcastError("a campaign needs at least one delivery method")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise BroadcastError(f"unknown delivery method(s) {unknown}; available: {sorted(METHODS)}")
    check_audience(audience, Settings.of(runtime))
    async with runtime.db.transaction() as session:
        row = CampaignRow(
            name=name.strip()[:200],
            kind="article" if content.article_id else "message",
            article_id=content.article_id,
            content=asdict(content),
            audience=audience.to_dict(),
            methods=list(methods),
            status="draft",
            created_by=created_by,
        )
        session.add(row)
        await session.flush()
        return int(row.id)


async def get_campaign(runtime: "Runtime", campaign_id: int) -> CampaignRow:
    async with runtime.db.session() as session:
        row = await session.get(CampaignRow, campaign_id)
    if row is None:
        raise BroadcastError(f"no campaign {campaign_id}")
    return row


async def list_campaigns(runtime: "Runtime") -> list[CampaignRow]:
    async with runtime.db.session() as session:
        return list(await session.scalars(select(CampaignRow).order_by(CampaignRow.id.desc())))


@dataclass(frozen=True)
class StartCampaign:
    """Job payload: write a scheduled campaign's deliveries and queue its batches."""

    campaign: int


@dataclass(frozen=True)
class SendBatch:
    """Job payload: deliver one batch of one method of a campaign."""

    campaign: int
    method: str
    batch: int


def _job_key(campaign_id: int, generation: int, *parts: object) -> str:
    return ":".join(["broadcast", str(campaign_id), f"g{generation}", *map(str, parts)])


async def schedule_campaign(runtime: "Runtime", campaign_id: int, at: dt.datetime | None = None) -> dt.datetime:
    """Schedule a draft campaign to start at `at` (now by default; a time without a zone is China time)."""
    due = at or utcnow()
    if due.tzinfo is None:
        due = due.replace(tzinfo=HOSPITAL_TZ)
    due = due.astimezone(dt.timezone.utc)  # SQLite keeps wall-clock times: store every instant in UTC
    async with runtime.db.transaction() as session:
        result = await session.execute(
            update(CampaignRow)
            .where(CampaignRow.id == campaign_id, CampaignRow.status == "draft")
            .values(status="scheduled", scheduled_at=due)
        )
        if result.rowcount != 1:
            row = await session.get(CampaignRow, campaign_id)
            raise BroadcastError(f"campaign {campaign_id} is {row.status if row else 'missing'}, not a draft")
        generation = (await session.get(CampaignRow, campaign_id)).generation  # type: ignore[union-attr]
    await runtime.jobs.schedule("broadcast.start", StartCampaign(campaign_id), due, key=_job_key(campaign_id, generation, "start"))
    return due


async def cancel_campaign(runtime: "Runtime", campaign_id: int) -> None:
    """Stop a campaign: its pending deliveries are skipped; what was sent stays recorded."""
    async with runtime.db.transaction() as session:
        row = await session.get(CampaignRow, campaign_id)
        if row is None:
            raise BroadcastError(f"no campaign {campaign_id}")
        if row.status in ("done", "cancelled"):
            raise BroadcastError(f"campaign {campaign_id} is already {row.status}")
        row.status = "cancelled"
        row.finished_at = utcnow()
        await session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.campaign_id == campaign_id, DeliveryRow.status == "pending")
            .values(status="skipped", reason="cancelled", updated_at=utcnow())
        )
    await runtime.jobs.cancel(f"broadcast:{campaign_id}:")


async def resume_campaign(runtime: "Runtime", campaign_id: int) -> int:
    """Reschedule every batch that still has unsent deliveries (after its jobs gave up); returns how many."""
    from bot.db import JobRow

    async with runtime.db.transaction() as session:
        row = await session.get(CampaignRow, campaign_id)
        if row is None or row.status != "running":
            raise BroadcastError(f"campaign {campaign_id} is not running")
        busy = await session.scalar(
            select(func.count()).select_from(JobRow).where(
                JobRow.key.startswith(f"broadcast:{campaign_id}:", autoescape=True),
                JobRow.status.in_(("pending", "running")),
            )
        )
        if busy:
            raise BroadcastError(f"campaign {campaign_id} still has {busy} job(s) queued or running")
        row.generation += 1
        generation = row.generation
        batches = await _open_batches(session, campaign_id)
    for method, batch in batches:
        await _schedule_batch(runtime, campaign_id, generation, method, batch)
    return len(batches)


async def _open_batches(session: AsyncSession, campaign_id: int) -> list[tuple[str, int]]:
    """The (method, batch) pairs of a campaign that still have deliveries to make."""
    result = await session.execute(
        select(DeliveryRow.method, DeliveryRow.batch)
        .where(DeliveryRow.campaign_id == campaign_id, DeliveryRow.status.in_(("pending", "sending")))
        .distinct()
    )
    return [(method, batch) for method, batch in result.all()]


async def _schedule_batch(runtime: "Runtime", campaign_id: int, generation: int, method: str, batch: int) -> None:
    await runtime.jobs.schedule(
        "broadcast.send",
        SendBatch(campaign_id, method, batch),
        key=_job_key(campaign_id, generation, method, batch),
    )


@job("broadcast.start")
async def _start_job(payload: StartCampaign, runtime: "Runtime") -> None:
    await start_campaign(runtime, payload.campaign)


async def start_campaign(runtime: "Runtime", campaign_id: int) -> None:
    """Write every recipient's delivery row (once), then queue one send job per batch."""
    settings = Settings.of(runtime)
    campaign = await get_campaign(runtime, campaign_id)
    if campaign.status == "cancelled":
        return
    if campaign.status == "scheduled":
        result = await plan(runtime, Audience.from_dict(campaign.audience), list(campaign.methods))
        rows: list[dict[str, Any]] = []
        now = utcnow()
        for method, people in result.by_method.items():
            for index, profile in enumerate(people):
                rows.append(_delivery(campaign_id, profile, method, index // settings.batch_size, "pending", None, now))
        for profile, method, reason in result.skipped:
            rows.append(_delivery(campaign_id, profile, method, -1, "skipped", reason, now))
        async with runtime.db.transaction() as session:
            claimed = await session.execute(
                update(CampaignRow)
                .where(CampaignRow.id == campaign_id, CampaignRow.status == "scheduled")
                .values(status="running", started_at=now)
            )
            if claimed.rowcount != 1:
                return  # another worker started it
            for start in range(0, len(rows), 5000):
                await session.execute(insert(DeliveryRow), rows[start : start + 5000])
        campaign = await get_campaign(runtime, campaign_id)
    if campaign.status != "running":
        return
    async with runtime.db.session() as session:
        batches = await _open_batches(session, campaign_id)
    for method, batch in batches:
        await _schedule_batch(runtime, campaign_id, campaign.generation, method, batch)
    await finish_if_done(runtime, campaign_id)


def _delivery(
    campaign_id: int, profile: Profile, method: str, batch: int, status: str, reason: str | None, now: dt.datetime
) -> dict[str, Any]:
    return {
        "campaign_id": campaign_id,
        "conversation_id": profile.conversation_id,
        "channel": profile.channel,
        "sender": profile.sender,
        "method": method,
        "batch": batch,
        "status": status,
        "reason": reason,
        "attempts": 0,
        "updated_at": now,
    }


async def finish_if_done(runtime: "Runtime", campaign_id: int) -> None:
    async with runtime.db.transaction() as session:
        open_rows = await session.scalar(
            select(func.count())
            .select_from(DeliveryRow)
            .where(DeliveryRow.campaign_id == campaign_id, DeliveryRow.status.in_(("pending", "sending")))
        )
        if not open_rows:
            await session.execute(
                update(CampaignRow)
                .where(CampaignRow.id == campaign_id, CampaignRow.status == "running")
                .values(status="done", finished_at=utcnow())
            )
