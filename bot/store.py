"""Conversation persistence: the event log in SQL, with a state snapshot cached in front of it."""
from __future__ import annotations

import logging

import asyncio

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot import events as ev
from bot.cache import Cache
from bot.db import ConversationRow, Database, EventRow, utcnow
from bot.events import Event
from bot.locks import Lease, LeaseLost
from bot.log_limits import log_limited
from bot.messages import BotMessage
from bot.state import ConversationState
from bot.supervision.audit import AuditTrail, event_entry

log = logging.getLogger("wenzhen.store")

# How many message ids a cached state remembers for the fast duplicate check; older ones are
# still caught by the database's unique constraint.
REMEMBERED_MESSAGE_IDS = 200


def _event(row: EventRow) -> Event:
    return Event(type=row.type, data=dict(row.data), actor=row.actor, timestamp=row.timestamp, seq=row.seq)


async def fence_conversation(conn: AsyncConnection, conversation_id: str, lease: Lease) -> None:
    """Record the lease's token on the conversation, refusing (LeaseLost) if a newer lease stored a turn."""
    table = ConversationRow.__table__
    result = await conn.execute(
        update(table)
        .where(table.c.id == conversation_id, or_(table.c.fence.is_(None), table.c.fence <= lease.token))
        .values(fence=lease.token)
    )
    if result.rowcount != 1:
        raise LeaseLost(conversation_id)


class TurnTransaction:
    """The database transaction of one turn, opened when an action first asks for it (`ctx.transaction()`).

    The turn's events are then appended in it and everything commits at once, or nothing does: a
    failed turn, or one that lost a write race and is run again, leaves no half of itself behind.
    A turn that never asks costs nothing (its events go through the store's own short transaction).
    """

    def __init__(self, db: Database, write_lock: asyncio.Lock | None) -> None:
        self._db = db
        self._lock = write_lock
        self._session: AsyncSession | None = None

    @property
    def open(self) -> bool:
        return self._session is not None

    async def session(self) -> AsyncSession:
        if self._session is None:
            if self._lock is not None:
                await self._lock.acquire()  # embedded SQLite: this turn is now the one writer
            try:
                session = self._db.sessions()
                await session.begin()
            except BaseException:
                if self._lock is not None:
                    self._lock.release()
                raise
            self._session = session
        return self._session

    async def commit(self) -> None:
        if self._session is not None:
            try:
                await self._session.commit()
            finally:
                await self._close()

    async def discard(self) -> None:
        """Roll back whatever the turn wrote (safe to call when nothing was opened)."""
        if self._session is not None:
            try:
                await self._session.rollback()
            finally:
                await self._close()

    async def _close(self) -> None:
        session, self._session = self._session, None
        try:
            if session is not None:
                await session.close()
        finally:
            if self._lock is not None:
                self._lock.release()


class ConversationStore:
    def __init__(self, db: Database, cache: Cache, audit: AuditTrail | None = None) -> None:
        self.db = db
        self.cache = cache
        # Every stored event is vouched for by an entry of the audit chain, in the same transaction.
        # SQLite lets one connection write at a time and makes the others retry with growing sleeps
        # (its busy handler): under load that turns into stalls of a second. Embedded, there is one
        # process, so the turns queue in the trail's lock instead, in order and without sleeping.
        self.audit = audit or AuditTrail(db)

    async def load(self, conversation_id: str, channel: str = "", sender: str = "") -> ConversationState:
        """The conversation's state: the cached snapshot, else a replay of its events from SQL.

        The cache is written after every commit. If a process died between the two, the cached
        snapshot is behind: the next append then collides on (conversation_id, seq), the engine
        drops the snapshot and replays — so a hit needs no read from SQL.
        """
        cached = await self.cache.get(conversation_id)
        if cached:
            return ConversationState.from_dict(cached)
        state = ConversationState(conversation_id=conversation_id, channel=channel, sender=sender)
        async with self.db.session() as session:
            row = await session.get(ConversationRow, conversation_id)
            if row is not None:
                state.channel, state.sender = row.channel, row.sender
            rows = await session.scalars(
                select(EventRow).where(EventRow.conversation_id == conversation_id).order_by(EventRow.seq)
            )
            for event_row in rows:
                state.apply(_event(event_row))
        return state

    def begin_turn(self) -> TurnTransaction:
        """A transaction for one turn, opened only if an action asks for it."""
        return TurnTransaction(self.db, self.audit.sqlite_lock)

    async def exists(self, conversation_id: str) -> bool:
        async with self.db.session() as session:
            return await session.get(ConversationRow, conversation_id) is not None

    async def append(
        self,
        state: ConversationState,
        new_events: list[Event],
        after: ConversationState,
        lease: Lease | None = None,
        transaction: TurnTransaction | None = None,
    ) -> list[Event]:
        """Write the turn's events in one transaction (all or nothing), then refresh the cache.

        With an open `transaction` (an action wrote in the turn's transaction) the events join it
        and it commits; on any error it is rolled back. With a `lease` that carries a fencing token,
        the commit goes through only while the lease is still held and no turn of a newer lease is
        stored (else LeaseLost, nothing written).
        """
        stored = [Event(e.type, e.data, e.actor, e.timestamp, state.seq + i) for i, e in enumerate(new_events, 1)]
        last_seq = state.seq + len(new_events)
        if transaction is not None and transaction.open:
            try:
                await self._write(await transaction.session(), state, stored, lease)
                await transaction.commit()
            except BaseException:
                await transaction.discard()
                raise
        else:
            # Core statements on a plain connection: this runs once per message, and the ORM's unit of
            # work would cost more than the write itself.
            async with self.audit.writing() as conn:
                await self._write(conn, state, stored, lease)
        after.seq = last_seq
        if len(after.message_ids) > REMEMBERED_MESSAGE_IDS:
            keep = sorted(after.message_ids.items(), key=lambda kv: kv[1])[-REMEMBERED_MESSAGE_IDS:]
            after.message_ids = dict(keep)
        try:
            await self.cache.set(state.conversation_id, after.to_dict())
        except Exception as exc:
            # The turn is committed: a cache that cannot be written must not report it as failed. A
            # snapshot left behind is caught by the next append's (conversation_id, seq) conflict.
            log_limited(log, "cache-write", "state cache not written (%s); SQL has the turn", exc.__class__.__name__)
        return stored

    async def _write(
        self, conn: AsyncConnection | AsyncSession, state: ConversationState, stored: list[Event], lease: Lease | None
    ) -> None:
        """The conversation row (first turn), the events and their audit entries, on a connection or the
        turn's session; then the fencing check."""
        if state.seq == 0:
            await conn.execute(
                insert(ConversationRow.__table__).values(
                    id=state.conversation_id, channel=state.channel, sender=state.sender, created_at=utcnow(),
                    fence=lease.token if lease else None,
                )
            )
        if stored:
            await conn.execute(
                insert(EventRow.__table__),
                [
                    {
                        "conversation_id": state.conversation_id,
                        "seq": e.seq,
                        "type": e.type,
                        "actor": e.actor,
                        "timestamp": e.timestamp,
                        "message_id": e.data.get("message_id") if e.type == ev.USER else None,
                        "data": e.data,
                    }
                    for e in stored
                ],
            )
            await self.audit.append(conn, [event_entry(state.conversation_id, e) for e in stored])
        if lease is not None and lease.token is not None and state.seq > 0:
            # After the events: a snapshot of a conversation SQL does not have fails on their
            # foreign key first (an IntegrityError, which reloads), not here.
            await fence_conversation(conn, state.conversation_id, lease)
        if lease is not None:
            await lease.verify()  # the last moment before the commit: still ours?

    async def forget_cached(self, conversation_id: str) -> None:
        await self.cache.delete(conversation_id)

    async def events(self, conversation_id: str, after_seq: int = 0) -> list[Event]:
        async with self.db.session() as session:
            rows = await session.scalars(
                select(EventRow)
                .where(EventRow.conversation_id == conversation_id, EventRow.seq > after_seq)
                .order_by(EventRow.seq)
            )
            return [_event(r) for r in rows]

    async def replies_to(self, conversation_id: str, message_id: str) -> list[BotMessage]:
        """The bot messages that answered the user message with `message_id` (for duplicates)."""
        async with self.db.session() as session:
            user_seq = await session.scalar(
                select(EventRow.seq).where(
                    EventRow.conversation_id == conversation_id, EventRow.message_id == message_id
                )
            )
        if user_seq is None:
            return []
        replies: list[BotMessage] = []
        for event in await self.events(conversation_id, user_seq):
            if event.type == ev.USER:
                break
            if event.type == ev.BOT:
                replies.append(BotMessage.from_dict(event.data))
        return replies

    async def conversation_ids(self, channel: str | None = None) -> list[str]:
        async with self.db.session() as session:
            query = select(ConversationRow.id)
            if channel:
                query = query.where(ConversationRow.channel == channel)
            return list(await session.scalars(query))
