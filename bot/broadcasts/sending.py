"""Sending a batch: opt-outs and monthly limits checked right before each rate-limited call,
every outcome recorded; delivery receipts. Exactly-once as the package docstring says."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import Counter
from typing import Any

from sqlalchemy import and_, func, select, tuple_, update

from bot.broadcasts.campaigns import SendBatch, finish_if_done, get_campaign
from bot.broadcasts.model import (
    ARTICLE_EXPIRED,
    HOSPITAL_TZ,
    INTERRUPTED,
    METHODS,
    OPTED_OUT,
    OVER_LIMIT,
    Content,
    DeliveryMethod,
    Outcome,
    Recipient,
    TransientDeliveryError,
)
from bot.broadcasts.opt_outs import opted_out
from bot.broadcasts.rate_limit import RateLimiter
from bot.broadcasts.settings import Settings
from bot.broadcasts.tables import DeliveryRow
from bot.db import utcnow
from bot.jobs import job
from bot.runtime import Runtime

log = logging.getLogger("wenzhen.broadcasts")


def build_rate_limiter(runtime: "Runtime") -> RateLimiter:
    """The service factory: one limiter per process, across workers through Redis when configured."""
    return RateLimiter(runtime.redis, runtime.redis_prefix)


@job("broadcast.send")
async def _send_job(payload: SendBatch, runtime: "Runtime") -> None:
    await send_batch(runtime, payload.campaign, payload.method, payload.batch)


async def send_batch(runtime: "Runtime", campaign_id: int, method_name: str, batch: int) -> None:
    """Deliver one batch: check opt-outs and limits right before each call, record every outcome."""
    campaign = await get_campaign(runtime, campaign_id)
    if campaign.status != "running":
        return
    method = METHODS.get(method_name)
    if method is None:
        raise RuntimeError(f"delivery method {method_name!r} is not available in this process")
    settings = Settings.of(runtime)
    content = Content(**campaign.content)
    in_batch = and_(
        DeliveryRow.campaign_id == campaign_id, DeliveryRow.method == method_name, DeliveryRow.batch == batch
    )
    if not method.idempotent:
        # Left `sending` by a worker that died mid-call: it may have arrived, so it is never repeated.
        async with runtime.db.transaction() as session:
            await session.execute(
                update(DeliveryRow)
                .where(in_batch, DeliveryRow.status == "sending")
                .values(status="failed", reason=INTERRUPTED, updated_at=utcnow())
            )
    if content.expired(utcnow()):
        # The article's review lapsed while the campaign was under way: what is left is not sent.
        async with runtime.db.transaction() as session:
            await session.execute(
                update(DeliveryRow)
                .where(in_batch, DeliveryRow.status.in_(("pending", "sending")))
                .values(status="skipped", reason=ARTICLE_EXPIRED, updated_at=utcnow())
            )
    claimable = ("pending", "sending") if method.idempotent else ("pending",)
    while True:
        async with runtime.db.session() as session:
            query = select(DeliveryRow).where(in_batch, DeliveryRow.status.in_(claimable)).order_by(DeliveryRow.id)
            if method.chunk_size:
                query = query.limit(method.chunk_size)
            chunk = list(await session.scalars(query))
        if not chunk:
            break
        recipients = await _claim(runtime, method, settings.monthly_limit(method), chunk)
        if recipients:
            await _deliver(runtime, settings, method, content, recipients, _chunk_key(campaign_id, method, batch, chunk))
        if not method.chunk_size:
            break
    await finish_if_done(runtime, campaign_id)


def _chunk_key(campaign_id: int, method: DeliveryMethod, batch: int, chunk: list[DeliveryRow]) -> str:
    # A whole-batch call keeps the same key on every attempt: that is what makes it idempotent.
    suffix = f"-{chunk[0].id}" if method.chunk_size else ""
    return f"wz{campaign_id}-{method.name}-{batch}{suffix}"


async def _claim(
    runtime: "Runtime", method: DeliveryMethod, monthly_limit: int | None, chunk: list[DeliveryRow]
) -> list[Recipient]:
    """Skip the opted-out and the over-limit, mark the rest `sending`; committed before any call."""
    now = utcnow()
    skips: dict[int, str] = {}
    async with runtime.db.transaction() as session:
        opted = await opted_out(session, ((r.channel, r.sender) for r in chunk))
        for row in chunk:
            if (row.channel, row.sender) in opted:
                skips[row.id] = OPTED_OUT
        if monthly_limit is not None:
            used = await _sent_this_month(session, method.name, [r for r in chunk if r.id not in skips], now)
            for row in chunk:
                if row.id not in skips and used.get((row.channel, row.sender), 0) >= monthly_limit:
                    skips[row.id] = OVER_LIMIT
        if skips:
            await session.execute(
                update(DeliveryRow),
                [{"id": i, "status": "skipped", "reason": r, "updated_at": now} for i, r in skips.items()],
            )
        sending = [r for r in chunk if r.id not in skips]
        if sending:
            await session.execute(
                update(DeliveryRow),
                [{"id": r.id, "status": "sending", "attempts": r.attempts + 1, "updated_at": now} for r in sending],
            )
    return [Recipient(r.id, r.conversation_id, r.channel, r.sender) for r in sending]


async def _sent_this_month(
    session: Any, method: str, rows: list[DeliveryRow], now: dt.datetime
) -> dict[tuple[str, str], int]:
    if not rows:
        return {}
    local = now.astimezone(HOSPITAL_TZ)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(dt.timezone.utc)
    counts: Counter[tuple[str, str]] = Counter()
    keys = list({(r.channel, r.sender) for r in rows})
    campaign_id = rows[0].campaign_id
    for start in range(0, len(keys), 500):
        result = await session.execute(
            select(DeliveryRow.channel, DeliveryRow.sender, func.count())
            .where(
                tuple_(DeliveryRow.channel, DeliveryRow.sender).in_(keys[start : start + 500]),
                DeliveryRow.method == method,
                DeliveryRow.status.in_(("sent", "delivered")),
                DeliveryRow.updated_at >= month_start,
                DeliveryRow.campaign_id != campaign_id,
            )
            .group_by(DeliveryRow.channel, DeliveryRow.sender)
        )
        counts.update({(c, s): n for c, s, n in result})
    return counts


async def _deliver(
    runtime: "Runtime",
    settings: Settings,
    method: DeliveryMethod,
    content: Content,
    recipients: list[Recipient],
    key: str,
) -> None:
    """One rate-limited call with in-job retries; outcomes recorded. Giving up leaves the rows pending."""
    delays = list(settings.retry_delays)
    while True:
        await runtime.services.get(RateLimiter).wait(method.name, settings.rate_limits.get(method.name))
        try:
            outcomes = await method.send(runtime, content, recipients, key)
            break
        except TransientDeliveryError as exc:
            if not delays:
                await _set_status(runtime, [r.delivery_id for r in recipients], "pending", str(exc)[:200])
                raise  # the job is retried later with backoff: nothing delivered, nothing lost
            log.warning("broadcast %s: transient failure (%s); retrying", key, exc)
            await asyncio.sleep(delays.pop(0))
    now = utcnow()
    updates = []
    for r in recipients:
        outcome = outcomes.get(r.delivery_id) or Outcome("failed", "no outcome reported")
        updates.append(
            {"id": r.delivery_id, "status": outcome.status, "reason": outcome.reason,
             "provider_id": outcome.provider_id, "updated_at": now}
        )
    async with runtime.db.transaction() as session:
        await session.execute(update(DeliveryRow), updates)


async def _set_status(runtime: "Runtime", ids: list[int], status: str, reason: str | None) -> None:
    async with runtime.db.transaction() as session:
        await session.execute(
            update(DeliveryRow).where(DeliveryRow.id.in_(ids)).values(status=status, reason=reason, updated_at=utcnow())
        )


async def mark_delivered(runtime: "Runtime", method: str, provider_id: str, ok: bool, reason: str | None = None) -> int:
    """A channel's delivery receipt (e.g. WeChat TEMPLATESENDJOBFINISH): sent → delivered or failed."""
    async with runtime.db.transaction() as session:
        result = await session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.method == method, DeliveryRow.provider_id == provider_id, DeliveryRow.status == "sent")
            .values(status="delivered" if ok else "failed", reason=None if ok else reason, updated_at=utcnow())
        )
        return result.rowcount or 0
