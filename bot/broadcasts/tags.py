"""Channel user tags (WeChat tags) mirrored daily into the audience data."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from sqlalchemy import delete, insert

from bot.broadcasts.model import HOSPITAL_TZ, TAG_SOURCES, TransientDeliveryError
from bot.broadcasts.tables import UserTagRow
from bot.db import utcnow
from bot.jobs import job
from bot.runtime import Runtime

log = logging.getLogger("wenzhen.broadcasts")


async def replace_user_tags(runtime: "Runtime", channel: str, tags: dict[str, list[str]]) -> int:
    """Mirror a channel's user tags (the whole set, replacing the previous one); returns how many pairs."""
    rows = [{"channel": channel, "sender": s, "tag": t, "synced_at": utcnow()} for t, ss in tags.items() for s in set(ss)]
    async with runtime.db.transaction() as session:
        await session.execute(delete(UserTagRow).where(UserTagRow.channel == channel))
        if rows:
            await session.execute(insert(UserTagRow), rows)
    return len(rows)


async def sync_tags(runtime: "Runtime") -> dict[str, int]:
    """Pull every registered channel's user tags; returns pairs mirrored per channel (a channel that is
    off or unreachable keeps its previous mirror)."""
    synced: dict[str, int] = {}
    for channel, source in TAG_SOURCES.items():
        try:
            tags = await source(runtime)
        except TransientDeliveryError as exc:
            log.warning("user tags of %s not synced: %s", channel, exc)
            continue
        synced[channel] = await replace_user_tags(runtime, channel, tags)
    return synced


TAG_SYNC_HOUR = 3  # local time of the daily tag sync, when few patients write


async def schedule_tag_sync(runtime: "Runtime") -> None:
    """Queue the next daily tag sync (one per day however many workers start: the key is the date)."""
    local = utcnow().astimezone(HOSPITAL_TZ)
    due = local.replace(hour=TAG_SYNC_HOUR, minute=0, second=0, microsecond=0)
    if due <= local:
        due += dt.timedelta(days=1)
    await runtime.jobs.schedule(
        "broadcast.sync_tags", SyncTags(), due.astimezone(dt.timezone.utc), key=f"broadcast-tags:{due.date().isoformat()}"
    )


@dataclass(frozen=True)
class SyncTags:
    """Job payload: the daily tag sync (nothing to say)."""


@job("broadcast.sync_tags")
async def _sync_tags_job(payload: SyncTags, runtime: "Runtime") -> None:
    await sync_tags(runtime)
    await schedule_tag_sync(runtime)
