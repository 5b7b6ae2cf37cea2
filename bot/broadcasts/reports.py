"""A campaign's report: counts by status, reasons for the failed and skipped, per method."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from bot.broadcasts.campaigns import get_campaign
from bot.broadcasts.model import STATUSES
from bot.broadcasts.tables import DeliveryRow

if TYPE_CHECKING:
    from bot.runtime import Runtime


@dataclass(frozen=True)
class Report:
    """A campaign's outcome: counts by status, reasons for failed and skipped, per method."""

    campaign_id: int
    name: str
    status: str
    total: int
    counts: dict[str, int]
    reasons: dict[str, dict[str, int]]  # failed/skipped -> reason -> count
    by_method: dict[str, dict[str, int]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


async def report(runtime: "Runtime", campaign_id: int) -> Report:
    campaign = await get_campaign(runtime, campaign_id)
    counts: Counter[str] = Counter()
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    by_method: dict[str, Counter[str]] = defaultdict(Counter)
    async with runtime.db.session() as session:
        rows = await session.execute(
            select(DeliveryRow.method, DeliveryRow.status, DeliveryRow.reason, func.count())
            .where(DeliveryRow.campaign_id == campaign_id)
            .group_by(DeliveryRow.method, DeliveryRow.status, DeliveryRow.reason)
        )
        for method, status, reason, n in rows:
            counts[status] += n
            by_method[method][status] += n
            if status in ("failed", "skipped"):
                reasons[status][reason or "unknown"] += n
    return Report(
        campaign_id=campaign_id,
        name=campaign.name,
        status=campaign.status,
        total=sum(counts.values()),
        counts={s: counts.get(s, 0) for s in STATUSES},
        reasons={k: dict(v) for k, v in reasons.items()},
        by_method={m: dict(c) for m, c in by_method.items()},
    )


async def deliveries(runtime: "Runtime", campaign_id: int) -> list[DeliveryRow]:
    """Every recipient's delivery record of a campaign."""
    async with runtime.db.session() as session:
        return list(
            await session.scalars(select(DeliveryRow).where(DeliveryRow.campaign_id == campaign_id).order_by(DeliveryRow.id))
        )
