"""The nightly retention sweep as a durable job: scheduled at start, each run schedules the next."""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from bot.db import utcnow
from bot.jobs import job
from bot.runtime import Runtime
from bot.supervision.retention import RecordKeeper

SWEEP_JOB = "retention_sweep"


def next_sweep(runtime: Runtime, now: dt.datetime) -> dt.datetime:
    """The next `supervision.retention.run_at` (local time, default 03:30): a quiet hour for the database."""
    zone = ZoneInfo(str(runtime.config.get("consultations.timezone", "Asia/Shanghai")))
    hour, _, minute = str(runtime.config.get("supervision.retention.run_at", "03:30")).partition(":")
    local = now.astimezone(zone)
    due = local.replace(hour=int(hour), minute=int(minute or 0), second=0, microsecond=0)
    return due if due > local else due + dt.timedelta(days=1)


async def schedule_sweep(runtime: Runtime, after: dt.datetime | None = None) -> None:
    """One pending sweep per day, whichever workers start (the job key is unique)."""
    due = next_sweep(runtime, after or utcnow())
    await runtime.jobs.schedule(SWEEP_JOB, {"due": due.isoformat()}, due, key=f"retention:{due.date().isoformat()}")


@job(SWEEP_JOB)
async def _sweep(runtime: Runtime, payload: dict[str, Any]) -> None:
    await RecordKeeper(runtime.config, runtime.db, runtime.audit, runtime.cache).sweep()
    # The next one follows this one's due time, however late this one ran.
    await schedule_sweep(runtime, dt.datetime.fromisoformat(payload["due"]) + dt.timedelta(minutes=1))
