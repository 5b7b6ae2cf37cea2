"""Durable scheduled work: rows in SQL (so nothing is lost on restart), run through the taskiq broker.

Every serve/chat/worker process polls for due rows and claims each atomically (one UPDATE that
only one process can win); the claimed job is handed to the broker — bot.runtime.InProcessBroker when
embedded, a Redis stream with REDIS_URL — whose receiver runs the handler registered for its kind.

A job's payload is a frozen dataclass (stored through the one codec, `bot.wire`); its handler takes
it first, then the services it declares: `async def run(payload: Checkin, engine: Engine)`.
"""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import inspect
import logging
import typing
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot import wire
from bot.db import Database, JobRow, utcnow
from bot.log_limits import log_limited

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.services import Services

log = logging.getLogger("wenzhen.jobs")

JobHandler = Callable[..., Awaitable[None]]  # (payload, *the services it declares)
HANDLERS: dict[str, JobHandler] = {}
MAX_ATTEMPTS = 5
STALE_AFTER = dt.timedelta(minutes=10)  # a claimed job not finished by then is taken to have died
STALE_CHECK_EVERY = dt.timedelta(minutes=1)


def job(kind: str) -> Callable[[JobHandler], JobHandler]:
    """Register the handler for scheduled jobs of `kind`."""

    def register(func: JobHandler) -> JobHandler:
        HANDLERS[kind] = func
        return func

    return register


class Jobs:
    """Schedule, cancel and run durable jobs for one runtime."""

    def __init__(self, db: Database, poll_seconds: float = 1.0, lease_seconds: float | None = None) -> None:
        self._db = db
        self._services: "Services | None" = None
        self._bound: dict[str, JobHandler] = {}
        self._poll = poll_seconds
        # A job `running` longer than its lease is taken to have been lost (its worker died, or its
        # message went with a Redis that restarted empty) and is run again.
        self._lease = dt.timedelta(seconds=lease_seconds) if lease_seconds else STALE_AFTER
        self._stale_check_every = min(STALE_CHECK_EVERY, self._lease)
        self._task: asyncio.Task[None] | None = None
        self._kick: Callable[[int], Awaitable[Any]] | None = None
        self._wake = asyncio.Event()
        self._last_stale_check: dt.datetime | None = None

    def bind_services(self, services: "Services") -> None:
        """Where handlers find the services they declare (set up by the runtime)."""
        self._services = services

    def bind(self, kick: Callable[[int], Awaitable[Any]]) -> None:
        """How a claimed job id reaches the broker (set up by the runtime)."""
        self._kick = kick

    async def schedule(
        self, kind: str, payload: Any, due_at: dt.datetime | None = None, key: str | None = None,
        session: "AsyncSession | None" = None,
    ) -> int | None:
        """Add a job; with `key`, scheduling the same key twice keeps the first (returns None).

        With `session` (a turn's transaction) the job is added in it, committed with it; its key
        must then be new (a duplicate would fail the whole turn)."""
        if kind not in HANDLERS:
            raise ValueError(f"no handler for job kind {kind!r}")
        expected = payload_type(HANDLERS[kind])
        if not isinstance(payload, expected):
            raise TypeError(f"job {kind!r} takes a {expected.__name__} payload, not {type(payload).__name__}")
        due = due_at or utcnow()
        if due.tzinfo is None:
            raise ValueError("due_at must be timezone-aware")
        due = due.astimezone(dt.timezone.utc)  # SQLite keeps the wall-clock time: store UTC everywhere
        row = JobRow(kind=kind, key=key, payload=wire.to_data(payload), due_at=due, status="pending", attempts=0)
        if session is not None:
            session.add(row)
            await session.flush()
            return row.id
        try:
            async with self._db.transaction() as own:
                own.add(row)
                await own.flush()
                job_id = row.id
        except IntegrityError:
            return None
        if due <= utcnow():
            self._wake.set()
        return job_id

    async def cancel(self, key_prefix: str, session: "AsyncSession | None" = None) -> int:
        """Cancel every pending job whose key starts with `key_prefix`; returns how many.

        With `session` (a turn's transaction) the cancelling commits, or not, with it."""
        statement = (
            update(JobRow)
            .where(JobRow.status == "pending", JobRow.key.startswith(key_prefix, autoescape=True))
            .values(status="cancelled")
        )
        if session is not None:
            return (await session.execute(statement)).rowcount or 0
        async with self._db.transaction() as own:
            return (await own.execute(statement)).rowcount or 0

    async def pending(self, key_prefix: str = "") -> list[JobRow]:
        async with self._db.session() as session:
            rows = await session.scalars(
                select(JobRow)
                .where(JobRow.status == "pending", JobRow.key.startswith(key_prefix, autoescape=True))
                .order_by(JobRow.due_at)
            )
            return list(rows)

    async def run_due(self, now: dt.datetime | None = None, limit: int = 100) -> int:
        """Claim the jobs due by `now` and hand them to the broker; returns how many were claimed."""
        now = now or utcnow()
        if now.tzinfo is None:  # a time read back from SQLite, which keeps UTC without its zone
            now = now.replace(tzinfo=dt.timezone.utc)
        if self._last_stale_check is None or now - self._last_stale_check >= self._stale_check_every:
            # A write, so not on every poll: on SQLite it would compete with the turns for the one writer.
            self._last_stale_check = now
            async with self._db.transaction() as session:
                await session.execute(
                    update(JobRow)
                    .where(JobRow.status == "running", JobRow.claimed_at < now - self._lease)
                    .values(status="pending")
                )
        async with self._db.session() as session:
            ids = list(
                await session.scalars(
                    select(JobRow.id)
                    .where(JobRow.status == "pending", JobRow.due_at <= now)
                    .order_by(JobRow.due_at)
                    .limit(limit)
                )
            )
        claimed = 0
        for job_id in ids:
            async with self._db.transaction() as session:
                result = await session.execute(
                    update(JobRow)
                    .where(JobRow.id == job_id, JobRow.status == "pending")
                    .values(status="running", claimed_at=utcnow())
                )
            if result.rowcount == 1:
                claimed += 1
                assert self._kick is not None, "Jobs.bind was not called"
                try:
                    await self._kick(job_id)
                except Exception:
                    # The broker is away (Redis down): give the job back at once instead of
                    # leaving it `running` until its lease runs out.
                    async with self._db.transaction() as session:
                        await session.execute(
                            update(JobRow).where(JobRow.id == job_id, JobRow.status == "running").values(status="pending")
                        )
                    raise
        return claimed

    async def execute(self, job_id: int) -> None:
        """Run one claimed job (called by the broker's receiver); failures are retried with backoff."""
        async with self._db.session() as session:
            row = await session.get(JobRow, job_id)
        if row is None or row.status != "running":
            return
        handler = HANDLERS.get(row.kind)
        error: str | None = None
        if handler is None:
            error = f"no handler for kind {row.kind!r}"
        else:
            try:
                payload = wire.from_data(payload_type(handler), dict(row.payload))
                await self._handler(row.kind, handler)(payload)
            except Exception as exc:  # a failing job is retried, never lost
                log.exception("job %s (%s) failed", job_id, row.kind)
                error = f"{exc.__class__.__name__}: {exc}"[:2000]
        attempts = row.attempts + 1
        if error is None:
            values: dict[str, Any] = {"status": "done", "attempts": attempts, "last_error": None}
        elif attempts >= MAX_ATTEMPTS or handler is None:
            values = {"status": "failed", "attempts": attempts, "last_error": error}
        else:
            backoff = dt.timedelta(seconds=min(3600, 10 * 2**attempts))
            values = {"status": "pending", "attempts": attempts, "last_error": error, "due_at": utcnow() + backoff}
        async with self._db.transaction() as session:
            await session.execute(update(JobRow).where(JobRow.id == job_id, JobRow.status == "running").values(**values))

    def _handler(self, kind: str, handler: JobHandler) -> JobHandler:
        if kind not in self._bound:
            assert self._services is not None, "Jobs.bind_services was not called"
            self._bound[kind] = self._services.bind(handler, edge=True)
        return self._bound[kind]

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="wenzhen-jobs")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_due()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log_limited(log, "jobs-poll", "polling scheduled jobs failed (%s: %s); retrying",
                            exc.__class__.__name__, str(exc)[:200], level=logging.ERROR)
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), self._poll)
            except asyncio.TimeoutError:
                pass




def payload_type(handler: JobHandler) -> type[Any]:
    """The dataclass a handler takes as its payload (its first parameter's annotation)."""
    first = next(iter(inspect.signature(handler).parameters))
    kind = typing.get_type_hints(handler).get(first)
    if not (isinstance(kind, type) and dataclasses.is_dataclass(kind)):
        raise TypeError(f"job handler {handler.__qualname__}: its first parameter must be a payload dataclass")
    return kind
