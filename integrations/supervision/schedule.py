"""The nightly retention sweep as a durable job: scheduled at start, each run schedules the next."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.cache import Cache
from bot.config import Config
from bot.db import Database, utcnow
from bot.jobs import Jobs, job
from bot.runtime import Runtime
from bot.supervision import AuditTrail
from bot.supervision.retention import RecordKeeper

SWEEP_JOB = "retention_sweep"


@dataclass(frozen=True)
class RetentionSweep:
    """Job payload: the sweep due at this time (ISO 8601); the next one is scheduled from it."""

    due: str


def next_sweep(config: Config, now: dt.datetime) -> dt.datetime:
    """The next `supervision.retention.run_at` (local time, default 03:30): a quiet hour for the database."""
    zone = ZoneInfo(str(config.get("consultations.timezone", "Asia/Shanghai")))
    hour, _, minute = str(config.get("supervision.retention.run_at", "03:30")).partition(":")
    local = now.astimezone(zone)
    due = local.replace(hour=int(hour), minute=int(minute or 0), second=0, microsecond=0)
    return due if due > local else due + dt.timedelta(days=1)


async def schedule_next(config: Config, jobs: Jobs, after: dt.datetime | None = None) -> None:
    """One pending sweep per day, whichever workers start (the job key is unique)."""
    due = next_sweep(config, after or utcnow())
    await jobs.schedule(SWEEP_JOB, RetentionSweep(due.isoformat()), due, key=f"retention:{due.date().isoformat()}")


async def schedule_sweep(runtime: Runtime) -> None:
    """The plugin's start hook."""
    await schedule_next(runtime.config, runtime.jobs)


@job(SWEEP_JOB)
async def _sweep(payload: RetentionSweep, config: Config, db: Database, audit: AuditTrail, cache: Cache, jobs: Jobs) -> None:
    await RecordKeeper(config, db, audit, cache).sweep()
    # The next one follows this one's due time, however late this one ran.
    await schedule_next(config, jobs, dt.datetime.fromisoformat(payload.due) + dt.timedelta(minutes=1))
