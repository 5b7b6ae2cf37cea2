"""Conversation persistence: the event log in SQL, with a state snapshot cached in front of it."""
from __future__ import annotations

import asyncio
import contextlib

from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import events as ev
from bot.cache import Cache
from bot.db import ConversationRow, Database, EventRow, utcnow
from bot.events import Event
from bot.messages import BotMessage
from bot.state import ConversationState

# How many message ids a cached state remembers for the fast duplicate check; older ones are
# still caught by the database's unique constraint.
REMEMBERED_MESSAGE_IDS = 200


def _event(row: EventRow) -> Event:
    return Event(type=row.type, data=dict(row.data), actor=row.actor, timestamp=row.timestamp, seq=row.seq)


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
    def __init__(self, db: Database, cache: Cache) -> None:
        self.db = db
        self.cache = cache
        # SQLite lets one connection write at a time and makes the others retry with growing sleeps
        # (its busy handler): under load that turns into stalls of a second. Embedded, there is one
        # process, so the turns queue here instead, in order and without sleeping.
        self._sqlite_writes = asyncio.Lock() if db.is_sqlite else None

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
        return TurnTransaction(self.db, self._sqlite_writes)

    async def exists(self, conversation_id: str) -> bool:
        async with self.db.session() as session:
            return await session.get(ConversationRow, conversation_id) is not None

    async def append(
        self,
        state: ConversationState,
        new_events: list[Event],
        after: ConversationState,
        transaction: TurnTransaction | None = None,
    ) -> list[Event]:
        """Write the turn's events in one transaction (all or nothing), then refresh the cache.

        With an open `transaction` (an action wrote in the turn's transaction) the events join it
        and it commits; on any error it is rolled back."""
        stored = [Event(e.type, e.data, e.actor, e.timestamp, state.seq + i) for i, e in enumerate(new_events, 1)]
        last_seq = state.seq + len(new_events)
        if transaction is not None and transaction.open:
            try:
                await self._write(await transaction.session(), state, stored)
                await transaction.commit()
            except BaseException:
                await transaction.discard()
                raise
        else:
            # Core statements on a plain connection: this runs once per message, and the ORM's unit of
            # work would cost more than the write itself.
            async with self._sqlite_writes or contextlib.nullcontext(), self.db.engine.begin() as conn:
                await self._write(conn, state, stored)
        after.seq = last_seq
        if len(after.message_ids) > REMEMBERED_MESSAGE_IDS:
            keep = sorted(after.message_ids.items(), key=lambda kv: kv[1])[-REMEMBERED_MESSAGE_IDS:]
            after.message_ids = dict(keep)
        await self.cache.set(state.conversation_id, after.to_dict())
        return stored

    @staticmethod
    async def _write(conn: Any, state: ConversationState, stored: list[Event]) -> None:
        """The conversation row (first turn) and the events, on a connection or the turn's session."""
        if state.seq == 0:
            await conn.execute(
                insert(ConversationRow.__table__).values(
                    id=state.conversation_id, channel=state.channel, sender=state.sender, created_at=utcnow()
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
