"""Conversation persistence: the event log in SQL, with a state snapshot cached in front of it."""
from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

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


Row = dict[str, Any]


class GroupCommit:
    """Embedded SQLite: the turns that arrive while a write is in flight are written together, in one
    transaction, as soon as it ends.

    SQLite lets one connection write at a time and makes the others retry with growing sleeps (its
    busy handler): under load that turns into stalls of a second. Embedded, there is one process,
    so writes queue here instead; and since every transaction costs a dozen hand-offs to
    aiosqlite's thread, a queue of N turns is written for the price of one. If a batch collides
    (a duplicate message id), its turns are written one by one, so only the colliding one fails.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._pending: list[tuple[Row | None, list[Row], asyncio.Future[None]]] = []
        self._busy = False
        self._tasks: set[asyncio.Task[None]] = set()

    async def write(self, conversation: Row | None, events: list[Row]) -> None:
        if not self._busy:
            # Nothing in flight: write at once, in the caller's task (no hand-off when the load is light).
            self._busy = True
            try:
                await self._insert([conversation] if conversation else [], events)
            finally:
                self._next()
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((conversation, events, done))
        await done

    def _next(self) -> None:
        """A write ended: the turns that queued meanwhile go next, together; else the writer is idle."""
        if not self._pending:
            self._busy = False
            return
        task = asyncio.create_task(self._drain())
        self._tasks.add(task)  # held until done (the loop keeps only a weak reference)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                try:
                    await self._insert([c for c, _, _ in batch if c], [e for _, events, _ in batch for e in events])
                    outcomes: list[BaseException | None] = [None] * len(batch)
                except IntegrityError:
                    outcomes = [await self._alone(c, events) for c, events, _ in batch]
                except Exception as exc:  # the database failed: every turn of the batch learns it
                    outcomes = [exc] * len(batch)
                for (_, _, done), outcome in zip(batch, outcomes):
                    if done.done():  # its turn was cancelled while waiting
                        continue
                    if outcome is None:
                        done.set_result(None)
                    else:
                        done.set_exception(outcome)
        finally:
            self._busy = False

    async def _alone(self, conversation: Row | None, events: list[Row]) -> BaseException | None:
        try:
            await self._insert([conversation] if conversation else [], events)
        except Exception as exc:
            return exc
        return None

    async def _insert(self, conversations: list[Row], events: list[Row]) -> None:
        async with self._engine.begin() as conn:
            if conversations:
                await conn.execute(insert(ConversationRow.__table__), conversations)
            if events:
                await conn.execute(insert(EventRow.__table__), events)


class ConversationStore:
    def __init__(self, db: Database, cache: Cache) -> None:
        self.db = db
        self.cache = cache
        self._sqlite_writes = GroupCommit(db.engine) if db.is_sqlite else None
        # PostgreSQL: a turn of a running conversation is one multi-row INSERT, atomic on its own, so it
        # is sent without BEGIN/COMMIT — one network round trip instead of three.
        self._autocommit = None if db.is_sqlite else db.engine.execution_options(isolation_level="AUTOCOMMIT")

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

    async def exists(self, conversation_id: str) -> bool:
        async with self.db.session() as session:
            return await session.get(ConversationRow, conversation_id) is not None

    async def append(self, state: ConversationState, new_events: list[Event], after: ConversationState) -> list[Event]:
        """Write the turn's events in one transaction (all or nothing), then refresh the cache."""
        stored = [Event(e.type, e.data, e.actor, e.timestamp, state.seq + i) for i, e in enumerate(new_events, 1)]
        last_seq = state.seq + len(new_events)
        # Core statements on a plain connection: this runs once per message, and the ORM's unit of
        # work would cost more than the write itself.
        conversation = None
        if state.seq == 0:
            conversation = {"id": state.conversation_id, "channel": state.channel, "sender": state.sender, "created_at": utcnow()}
        rows = [
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
        ]
        if self._sqlite_writes is not None:
            await self._sqlite_writes.write(conversation, rows)
        elif conversation is None and self._autocommit is not None:
            if rows:
                await self._insert_alone(self._autocommit, insert(EventRow.__table__).values(rows))
        else:
            async with self.db.engine.begin() as conn:
                await conn.execute(insert(ConversationRow.__table__), [conversation])
                if rows:
                    await conn.execute(insert(EventRow.__table__), rows)
        after.seq = last_seq
        if len(after.message_ids) > REMEMBERED_MESSAGE_IDS:
            keep = sorted(after.message_ids.items(), key=lambda kv: kv[1])[-REMEMBERED_MESSAGE_IDS:]
            after.message_ids = dict(keep)
        await self.cache.set(state.conversation_id, after.to_dict())
        return stored

    @staticmethod
    async def _insert_alone(engine: AsyncEngine, statement: Any) -> None:
        """One statement; once more on a fresh connection if the pooled one had died (a server restart)."""
        for attempt in (1, 2):
            try:
                async with engine.connect() as conn:
                    await conn.execute(statement)
                return
            except DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:
                    raise

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
