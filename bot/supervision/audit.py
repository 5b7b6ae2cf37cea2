"""The audit trail: every event and every staff action as one entry of a hash chain.

Each entry names who (actor, role), when, what (action) and on what (object, and the patient's
conversation it concerns, `subject`); an entry for an event also carries the event's digest, so
an edited, deleted or inserted event row shows up on verification. Appends are serialised (a
transaction-scoped advisory lock on PostgreSQL, one lock per process on embedded SQLite) and
`prev_hash` is unique, so two workers can never fork the chain: the loser of a race fails and
retries. Entries hold no patient text: only ids, codes and digests.
"""
from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Float, Index, Integer, String, and_, exists, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, BigId, Database, EventRow, JSONType
from bot.events import Event
from bot.supervision.chain import GENESIS, event_digest, link_hash

# pg_advisory_xact_lock key of the chain: any fixed 64-bit number no other part of the code uses.
CHAIN_LOCK_KEY = 0x77656E7A68656E  # "wenzhen"
# Actions that erase events on purpose: events they cover may be missing on verification.
ERASING_ACTIONS = ("retention.purge", "erasure.delete")
# Event data a supervisor may read in the trail (no patient text): per event type, the keys kept.
EVENT_DETAIL_KEYS = {"handoff": ("status", "consultation_id", "department"), "triage": ("level", "rules")}


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_subject", "subject", "event_seq"), Index("ix_audit_log_action", "action", "at"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float)
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(191))
    subject: Mapped[str | None] = mapped_column(String(191), nullable=True)
    event_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType)
    digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))


class AuditError(ValueError):
    """An audit operation that is refused (the message says why, in one line)."""


def role_of(actor: str) -> str:
    """`doctor:7` → doctor; patient, bot and system are their own role."""
    return actor.partition(":")[0][:16] or "system"


@dataclass(frozen=True)
class AuditEntry:
    """One audit entry before it is chained (and as read back, with `id` and `hash`)."""

    actor: str
    action: str
    object_type: str
    object_id: str
    subject: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    role: str = ""
    at: float = field(default_factory=time.time)
    event_seq: int | None = None
    digest: str | None = None
    id: int | None = None
    hash: str | None = None

    def hashed_fields(self) -> dict[str, Any]:
        return {
            "at": repr(float(self.at)), "actor": self.actor, "role": self.role or role_of(self.actor),
            "action": self.action, "object_type": self.object_type, "object_id": self.object_id,
            "subject": self.subject, "event_seq": self.event_seq, "detail": self.detail, "digest": self.digest,
        }

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.hashed_fields(), "at": self.at, "hash": self.hash}


def event_entry(conversation_id: str, event: Event) -> AuditEntry:
    """The entry that vouches for one stored event (its seq assigned)."""
    assert event.seq is not None
    keys = EVENT_DETAIL_KEYS.get(event.type, ())
    return AuditEntry(
        actor=event.actor, action=f"event.{event.type}", object_type="event", object_id=f"{conversation_id}#{event.seq}",
        subject=conversation_id, detail={k: event.data[k] for k in keys if k in event.data}, at=event.timestamp,
        event_seq=event.seq,
        digest=event_digest(conversation_id, event.seq, event.type, event.actor, event.timestamp, event.data),
    )


@dataclass(frozen=True)
class Broken:
    """The first place the trail does not hold."""

    reason: str  # edited_entry | broken_link | edited_event | deleted_event | inserted_event
    entry_id: int | None = None
    conversation_id: str | None = None
    seq: int | None = None

    def describe(self) -> str:
        where = f"audit entry {self.entry_id}" if self.entry_id is not None else "no audit entry"
        event = f" (event {self.conversation_id}#{self.seq})" if self.conversation_id is not None else ""
        return {
            "edited_entry": f"{where}{event}: the entry was changed (its hash does not match its fields)",
            "broken_link": f"{where}{event}: does not link to the entry before it (an entry was deleted or inserted)",
            "edited_event": f"{where}{event}: the event was changed after it was written",
            "deleted_event": f"{where}{event}: the event was deleted",
            "inserted_event": f"{where}{event}: the event was inserted without an audit entry",
        }[self.reason]


@dataclass(frozen=True)
class Verification:
    entries: int
    events: int
    broken: Broken | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        actor=row.actor, action=row.action, object_type=row.object_type, object_id=row.object_id,
        subject=row.subject, detail=dict(row.detail or {}), role=row.role, at=row.at, event_seq=row.event_seq,
        digest=row.digest, id=row.id, hash=row.hash,
    )


class AuditTrail:
    """Appends to and verifies the chain of one database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @contextlib.asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that may append to the chain. On embedded SQLite it is `Database.transaction`'s
        (the process's one writer orders every appender; inside another write transaction of the same
        task, a savepoint of it); on PostgreSQL a plain one (`append` takes the chain's advisory lock)."""
        if self.db.write_lock is None:
            async with self.db.engine.begin() as conn:
                yield conn
            return
        async with self.db.transaction() as session:
            yield await session.connection()

    async def append(self, conn: AsyncConnection, entries: list[AuditEntry]) -> None:
        """Chain `entries` after the newest entry, inside the caller's transaction (see `writing`)."""
        if not entries:
            return
        if not self.db.is_sqlite:
            # Held until commit: the next appender reads the hash this transaction writes.
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY})
        prev = await conn.scalar(select(AuditRow.hash).order_by(AuditRow.id.desc()).limit(1)) or GENESIS
        rows = []
        for entry in entries:
            fields = entry.hashed_fields()
            digest = link_hash(prev, fields)
            rows.append({**fields, "at": entry.at, "prev_hash": prev, "hash": digest})
            prev = digest
        await conn.execute(insert(AuditRow), rows)

    async def record(self, entry: AuditEntry) -> None:
        """Append one staff action in its own transaction (a lost race on another worker is retried)."""
        for attempt in range(5):
            try:
                async with self.writing() as conn:
                    await self.append(conn, [entry])
                return
            except IntegrityError:
                if attempt == 4:
                    raise
                await asyncio.sleep(0.01 * (attempt + 1))

    async def adopt_existing(self, actor: str, batch: int = 2000) -> int:
        """Vouch, once, for the events a database held before it had a chain (an upgrade from a release
        without the audit trail). Only events older than the first event the chain vouched for are
        adopted — an event inserted later stays `inserted_event` — and the adoption is itself an entry
        (`audit.adopt`, with the count and the id range) placed before the adopted events' entries.
        A second adoption is refused. Returns the number of events adopted."""
        vouched = exists().where(AuditRow.subject == EventRow.conversation_id, AuditRow.event_seq == EventRow.seq)
        async with self.writing() as conn:
            if await conn.scalar(select(AuditRow.id).where(AuditRow.action == "audit.adopt").limit(1)) is not None:
                raise AuditError("the events that predate the chain were adopted already (audit.adopt)")
            first_vouched = await conn.scalar(select(func.min(EventRow.id)).where(vouched))
            older = ~vouched if first_vouched is None else and_(~vouched, EventRow.id < first_vouched)
            span = (await conn.execute(select(func.count(), func.min(EventRow.id), func.max(EventRow.id)).where(older))).one()
            count = int(span[0] or 0)
            if count == 0:
                raise AuditError("no event predates the chain: nothing to adopt")
            await self.append(conn, [AuditEntry(
                actor=actor, action="audit.adopt", object_type="audit", object_id="*",
                detail={"events": count, "first_event_id": int(span[1]), "last_event_id": int(span[2])})])
            after = 0
            while True:
                rows = (await conn.execute(
                    select(EventRow.__table__).where(older, EventRow.id > after).order_by(EventRow.id).limit(batch))).all()
                if not rows:
                    break
                entries = []
                for row in rows:
                    event = Event(type=row.type, data=dict(row.data or {}), actor=row.actor, timestamp=row.timestamp,
                                  seq=row.seq)
                    entry = event_entry(row.conversation_id, event)
                    entries.append(replace(entry, detail={**entry.detail, "adopted": True}))
                await self.append(conn, entries)
                after = rows[-1].id
        return count

    async def entries(self, subject: str | None = None, actions: tuple[str, ...] = (), after_id: int = 0,
                      limit: int = 500, newest_first: bool = False) -> list[AuditEntry]:
        """Entries in chain order (or newest first), optionally of one conversation and some actions."""
        query = select(AuditRow).where(AuditRow.id > after_id)
        if subject is not None:
            query = query.where(AuditRow.subject == subject)
        if actions:
            query = query.where(AuditRow.action.in_(actions))
        async with self.db.session() as session:
            order = AuditRow.id.desc() if newest_first else AuditRow.id
            rows = await session.scalars(query.order_by(order).limit(limit))
            return [_entry(r) for r in rows]

    async def verify(self) -> Verification:
        """Walk the whole chain in order (streamed: constant memory) and name the first broken link."""
        async with self.db.engine.connect() as conn:
            erased = {row.subject: row.id for row in await conn.execute(
                select(AuditRow.subject, AuditRow.id).where(AuditRow.action.in_(ERASING_ACTIONS)).order_by(AuditRow.id))}
            query = (
                select(AuditRow, EventRow.type.label("e_type"), EventRow.actor.label("e_actor"),
                       EventRow.timestamp.label("e_timestamp"), EventRow.data.label("e_data"),
                       EventRow.id.label("e_id"))
                .outerjoin(EventRow, and_(EventRow.conversation_id == AuditRow.subject,
                                          EventRow.seq == AuditRow.event_seq))
                .order_by(AuditRow.id)
            )
            prev, count, events = GENESIS, 0, 0
            result = await conn.stream(query.execution_options(yield_per=2000))
            async for row in result:
                count += 1
                entry = _entry(row)
                where: dict[str, Any] = {"entry_id": entry.id}
                if entry.event_seq is not None:
                    where.update(conversation_id=entry.subject, seq=entry.event_seq)
                if row.prev_hash != prev:
                    return Verification(count, events, Broken("broken_link", **where))
                if link_hash(prev, entry.hashed_fields()) != entry.hash:
                    return Verification(count, events, Broken("edited_entry", **where))
                prev = row.hash
                if entry.event_seq is None or entry.subject is None:
                    continue
                if row.e_id is None:
                    if erased.get(entry.subject, 0) > (entry.id or 0):
                        continue
                    return Verification(count, events, Broken("deleted_event", **where))
                events += 1
                found = event_digest(entry.subject, entry.event_seq, row.e_type, row.e_actor, row.e_timestamp,
                                     dict(row.e_data or {}))
                if found != entry.digest:
                    return Verification(count, events, Broken("edited_event", **where))
            unvouched = (await conn.execute(
                select(EventRow.conversation_id, EventRow.seq)
                .where(~exists().where(AuditRow.subject == EventRow.conversation_id, AuditRow.event_seq == EventRow.seq))
                .order_by(EventRow.id).limit(1))).first()
        if unvouched is not None:
            return Verification(count, events, Broken("inserted_event", conversation_id=unvouched[0], seq=unvouched[1]))
        return Verification(count, events, None)
