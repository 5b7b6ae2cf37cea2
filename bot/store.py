"""Conversation persistence: the event log in SQL, with a state snapshot cached in front of it."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Awaitable, Callable

from sqlalchemy import bindparam, insert, or_, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from bot import events as ev
from bot.cache import Cache, dumps, loads
from bot.db import (
    SQLITE_BUSY_TIMEOUT_MS, SQLITE_PRAGMAS, ConversationRow, Database, EventRow, is_sqlite_busy, utcnow,
)
from bot.events import Event
from bot.locks import Lease, LeaseLost
from bot.log_limits import log_limited
from bot.messages import BotMessage
from bot.state import ConversationState
from bot.supervision.audit import CHAIN_LOCK_KEY, AuditEntry, AuditRow, AuditTrail, event_entry
from bot.supervision.chain import GENESIS, canonical, link_hash

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

    def __init__(self, db: Database) -> None:
        self._db = db
        self._scope: contextlib.AsyncExitStack | None = None
        self._session: AsyncSession | None = None

    @property
    def open(self) -> bool:
        return self._session is not None

    async def session(self) -> AsyncSession:
        if self._session is None:
            # `Database.transaction`: on embedded SQLite this turn is now the process's one writer (its
            # task holds `Database.write_lock` until the commit), and a writer it calls meanwhile joins it.
            scope = contextlib.AsyncExitStack()
            self._session = await scope.enter_async_context(self._db.transaction())
            self._scope = scope
        return self._session

    async def commit(self) -> None:
        if self._scope is not None:
            scope, self._scope, self._session = self._scope, None, None
            await scope.aclose()

    async def discard(self) -> None:
        """Roll back whatever the turn wrote (safe to call when nothing was opened)."""
        if self._scope is not None:
            scope, self._scope, self._session = self._scope, None, None
            await scope.__aexit__(_Discarded, _Discarded(), None)


class _Discarded(Exception):
    """Passed into a turn's transaction to roll it back."""


Row = dict[str, Any]
_CONVERSATIONS, _EVENTS = ConversationRow.__table__, EventRow.__table__
# A conversation and its events, oldest first; one row with no event (seq NULL) when it has none.
_POSTGRES_READ = (
    select(_CONVERSATIONS.c.channel, _CONVERSATIONS.c.sender, _EVENTS.c.type, _EVENTS.c.data, _EVENTS.c.actor,
           _EVENTS.c.timestamp, _EVENTS.c.seq)
    .select_from(_CONVERSATIONS.outerjoin(_EVENTS, _EVENTS.c.conversation_id == _CONVERSATIONS.c.id))
    .where(_CONVERSATIONS.c.id == bindparam("conversation_id"))
    .order_by(_EVENTS.c.seq)
)
APPEND_TURNS = text("SELECT wenzhen_append_turns(CAST(CAST(:turns AS text) AS jsonb), :chain_lock)")
Turn = tuple[Row | None, list[Row], list[AuditEntry]]  # the conversation row (first turn), events, entries


class GroupCommit:
    """Turns that arrive while a write is in flight are written together, as soon as it ends.

    `flush(items)` writes a batch and returns one outcome per item (None, or the exception that
    item's turn must raise), so that a turn that collides fails alone. A write with nothing in
    flight goes at once, in the caller's task (no hand-off under light load). Embedded SQLite
    (`SQLiteWriter`) and PostgreSQL (`wenzhen_append_turns`) each give their own `flush`.
    """

    def __init__(self, flush: Callable[[list[Any]], Awaitable[list[BaseException | None]]]) -> None:
        self._flush = flush
        self._pending: list[tuple[Any, asyncio.Future[None]]] = []
        self._busy = False
        self._tasks: set[asyncio.Task[None]] = set()

    async def write(self, item: Any) -> None:
        if not self._busy:
            self._busy = True
            try:
                outcome = (await self._flush([item]))[0]
            finally:
                self._next()
            if outcome is not None:
                raise outcome
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((item, done))
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
                    outcomes = await self._flush([item for item, _ in batch])
                except Exception as exc:  # the database failed: every turn of the batch learns it
                    outcomes = [exc] * len(batch)
                for (_, done), outcome in zip(batch, outcomes):
                    if done.done():  # its turn was cancelled while waiting
                        continue
                    if outcome is None:
                        done.set_result(None)
                    else:
                        done.set_exception(outcome)
        finally:
            self._busy = False


class SQLiteGroup:
    """Embedded SQLite's batches: one transaction for all; if it fails, each turn again alone.

    SQLite lets one connection write at a time, and every transaction through aiosqlite costs a
    dozen hand-offs to its thread; the chain's lock (`AuditTrail.writing`) already queues the
    writers of this one process, so a queue of N turns is written for the price of one.
    """

    def __init__(self, audit: AuditTrail, writer: "SQLiteWriter | None") -> None:
        self._audit = audit
        self._writer = writer

    async def flush(self, turns: list[Turn]) -> list[BaseException | None]:
        try:
            await self._insert(turns)
            return [None] * len(turns)
        except Exception as exc:
            if len(turns) == 1 or is_sqlite_busy(exc):  # busy: each turn alone would wait as long again
                raise
        outcomes: list[BaseException | None] = []
        for turn in turns:
            try:
                await self._insert([turn])
                outcomes.append(None)
            except Exception as exc:
                outcomes.append(exc)
        return outcomes

    async def _insert(self, turns: list[Turn]) -> None:
        conversations = [c for c, _, _ in turns if c]
        events = [row for _, rows, _ in turns for row in rows]
        entries = [entry for _, _, items in turns for entry in items]
        lock = self._audit.db.write_lock
        if self._writer is not None and lock is not None and not (lock.held_here and lock.session is not None):
            # Not inside a write transaction of this task (that one is joined below instead: the
            # writer thread's connection would wait for it).
            async with lock.hold():
                if lock.session is None:
                    await self._writer.write(conversations, events, entries)
                    return
        async with self._audit.writing() as conn:
            if conversations:
                await conn.execute(insert(ConversationRow.__table__), conversations)
            if events:
                await conn.execute(insert(EventRow.__table__), events)
            await self._audit.append(conn, entries)


class PostgresGroup:
    """PostgreSQL's batches: the turns of running conversations, their chained audit entries and their
    fence checks in one statement (`wenzhen_append_turns`, migration 0020_speed_turn), sent on the
    autocommit pool: one round trip and one commit for all of them. Every turn of a deployment
    appends to the one audit chain under one advisory lock held until its commit, so turns written
    one by one are as many commits in a row; written together, they share one. Each turn is a
    block of its own in the function: one that collides or lost its lease is undone alone."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def flush(self, turns: list[tuple[str, dict[str, Any]]]) -> list[BaseException | None]:
        params = {"turns": dumps([turn for _, turn in turns]), "chain_lock": CHAIN_LOCK_KEY}
        for attempt in (1, 2):
            try:
                async with self._engine.connect() as conn:
                    outcomes = (await conn.execute(APPEND_TURNS, params)).scalar_one()
                break
            except DBAPIError as exc:
                # This pool has no pre-ping: a connection that died with the server fails here once,
                # which invalidates the pool; nothing was written, so the batch goes again on a fresh one.
                if attempt == 2 or not exc.connection_invalidated:
                    raise
        found: list[BaseException | None] = []
        for (cid, _), outcome in zip(turns, outcomes):
            if outcome == "ok":
                found.append(None)
            elif outcome == "lease_lost":
                found.append(LeaseLost(cid))
            elif outcome.startswith("conflict"):
                found.append(IntegrityError("wenzhen_append_turns", None, Exception(outcome)))
            else:
                found.append(DBAPIError("wenzhen_append_turns", None, Exception(outcome)))
        return found


class SQLiteWriter:
    """One sqlite3 connection in one thread of its own, for the group commit's batches.

    Through SQLAlchemy and aiosqlite, a transaction of three statements is a dozen hand-offs to
    aiosqlite's thread and back (begin, a cursor per statement, execute, close, commit, the pool's
    reset), each one a wait for the GIL. Here the whole batch — the conversations, the events, the
    newest hash of the chain and the audit entries chained after it — is one hand-off. Values are
    bound exactly as SQLAlchemy binds them on this dialect (its own bind processors), and the
    chain's hashes are computed by `chain.link_hash`, as `AuditTrail.append` does. The caller holds
    the process's one writer (`Database.write_lock`), so no other writer of this process writes meanwhile.
    """

    def __init__(self, db: Database, path: str) -> None:
        import concurrent.futures

        self._path = path
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="wenzhen-sqlite-writer")
        self._conn: Any = None
        dialect = db.engine.dialect
        self._statements: dict[str, tuple[str, list[tuple[str, Any]]]] = {}
        for table in (ConversationRow.__table__, EventRow.__table__, AuditRow.__table__):
            columns = [c for c in table.columns if not (c.primary_key and c.autoincrement is True and c.name == "id")]
            if table.name == "conversations":
                columns = list(table.columns)
            names = [c.name for c in columns]
            sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            self._statements[table.name] = (sql, [(c.name, c.type.dialect_impl(dialect).bind_processor(dialect)) for c in columns])
        # Cache misses read through a second connection in a thread of its own (WAL: readers never
        # wait for the writer), so a read does not queue behind a batch being written.
        self._reader = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="wenzhen-sqlite-reader")
        self._read_conn: Any = None
        events = EventRow.__table__.c
        self._event_columns = [
            events[name].type.dialect_impl(dialect).result_processor(dialect, None)
            for name in ("type", "data", "actor", "timestamp", "seq")
        ]

    def _bind(self, table: str, rows: list[Row]) -> tuple[str, list[tuple[Any, ...]]]:
        sql, columns = self._statements[table]
        return sql, [tuple(proc(row.get(name)) if proc else row.get(name) for name, proc in columns) for row in rows]

    async def write(self, conversations: list[Row], events: list[Row], entries: list[AuditEntry]) -> None:
        bound = (self._bind("conversations", conversations), self._bind("events", events))
        future = asyncio.get_running_loop().run_in_executor(self._executor, self._write, bound, entries)
        try:
            await asyncio.shield(future)
        except asyncio.CancelledError:
            # The thread finishes its transaction either way: the chain's lock stays held until it has.
            await asyncio.wait([future])
            raise

    def _connect(self) -> Any:
        import sqlite3

        conn = sqlite3.connect(self._path, timeout=SQLITE_BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        for pragma in SQLITE_PRAGMAS:
            conn.execute(f"PRAGMA {pragma}")
        return conn

    def _write(self, bound: tuple[tuple[str, list[Any]], tuple[str, list[Any]]], entries: list[AuditEntry]) -> None:
        import sqlite3

        if self._conn is None:
            self._conn = self._connect()
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, rows in bound:
                    if rows:
                        conn.executemany(sql, rows)
                if entries:
                    found = conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
                    prev = found[0] if found else GENESIS
                    rows = []
                    for entry in entries:
                        fields = entry.hashed_fields()
                        digest = link_hash(prev, fields)
                        rows.append({**fields, "at": entry.at, "prev_hash": prev, "hash": digest})
                        prev = digest
                    conn.executemany(*self._bind("audit_log", rows))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:  # as SQLAlchemy wraps it: IntegrityError (a collision), OperationalError (away: a 503)
            raise DBAPIError.instance("group commit", None, exc, sqlite3.Error) from exc

    async def read(self, conversation_id: str) -> tuple[tuple[str, str] | None, list[Event]]:
        """A conversation's (channel, sender) and its events in order, in one hand-off to a reading
        connection of its own (a cache miss through SQLAlchemy and aiosqlite was ~12). The values are
        read back as SQLAlchemy reads them on this dialect (its own result processors)."""
        future = asyncio.get_running_loop().run_in_executor(self._reader, self._read, conversation_id)
        return await future

    def _read(self, conversation_id: str) -> tuple[tuple[str, str] | None, list[Event]]:
        import sqlite3

        if self._read_conn is None:
            self._read_conn = self._connect()
        conn = self._read_conn
        try:
            conn.execute("BEGIN")  # one snapshot for both reads
            try:
                found = conn.execute("SELECT channel, sender FROM conversations WHERE id = ?", (conversation_id,)).fetchone()
                rows = conn.execute(
                    "SELECT type, data, actor, timestamp, seq FROM events WHERE conversation_id = ? ORDER BY seq",
                    (conversation_id,),
                ).fetchall()
            finally:
                conn.execute("COMMIT")
        except sqlite3.Error as exc:  # as SQLAlchemy wraps it (OperationalError: the database is away, a 503)
            raise DBAPIError.instance("conversation read", None, exc, sqlite3.Error) from exc
        procs = self._event_columns
        events = []
        for row in rows:
            type_, data, actor, timestamp, seq = (proc(value) if proc else value for proc, value in zip(procs, row))
            events.append(Event(type=type_, data=dict(data), actor=actor, timestamp=timestamp, seq=seq))
        return (tuple(found) if found is not None else None), events  # type: ignore[return-value]

    async def close(self) -> None:
        def close() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        def close_reader() -> None:
            if self._read_conn is not None:
                self._read_conn.close()
                self._read_conn = None

        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, close)
        await loop.run_in_executor(self._reader, close_reader)
        self._executor.shutdown(wait=False)
        self._reader.shutdown(wait=False)


def _event_rows(conversation_id: str, stored: list[Event]) -> list[Row]:
    return [
        {
            "conversation_id": conversation_id,
            "seq": e.seq,
            "type": e.type,
            "actor": e.actor,
            "timestamp": e.timestamp,
            "message_id": e.data.get("message_id") if e.type == ev.USER else None,
            "data": e.data,
        }
        for e in stored
    ]


def _sqlite_writer(db: Database) -> SQLiteWriter | None:
    """The group commit's own connection, for a database in a file (an in-memory one is per connection)."""
    url = db.engine.url
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        return None
    writer = SQLiteWriter(db, url.database)
    db.on_close(writer.close)
    return writer


class ConversationStore:
    def __init__(self, db: Database, cache: Cache, audit: AuditTrail | None = None) -> None:
        self.db = db
        self.cache = cache
        # Every stored event is vouched for by an entry of the audit chain, in the same transaction.
        # SQLite lets one connection write at a time and makes the others retry with growing sleeps
        # (its busy handler): under load that turns into stalls of a second. Embedded, there is one
        # process, so the turns queue in the trail's lock instead, in order and without sleeping.
        self.audit = audit or AuditTrail(db)
        # Embedded SQLite: turns are written in groups. PostgreSQL: an ordinary turn is one statement.
        self._group: GroupCommit | None = None
        self._pg_group: GroupCommit | None = None
        # Embedded SQLite in a file: cache misses are read through the writer's reading connection.
        self._reader: SQLiteWriter | None = None
        if db.is_sqlite:
            self._reader = _sqlite_writer(db)
            self._group = GroupCommit(SQLiteGroup(self.audit, self._reader).flush)
        elif db.autocommit is not None:
            self._pg_group = GroupCommit(PostgresGroup(db.autocommit).flush)

    def cache_key(self, conversation_id: str) -> str | None:
        """The shared cache's key of a conversation's snapshot, for a lock that reads and writes it with
        the lock (`Locks.hold(key, cache_key)`): one Redis round trip each way instead of two."""
        return self.cache.shared_key(conversation_id)

    async def load(
        self, conversation_id: str, channel: str = "", sender: str = "", lease: Lease | None = None
    ) -> ConversationState:
        """The conversation's state: the cached snapshot, else a replay of its events from SQL.

        The cache is written after every commit. If a process died between the two, the cached
        snapshot is behind: the next append then collides on (conversation_id, seq), the engine
        drops the snapshot and replays — so a hit needs no read from SQL.
        """
        read_with_lock, raw = lease.take_snapshot() if lease is not None else (False, None)
        cached = (loads(raw) if raw else None) if read_with_lock else await self.cache.get(conversation_id)
        if cached:
            return ConversationState.from_dict(cached)
        state = ConversationState(conversation_id=conversation_id, channel=channel, sender=sender)
        if self._reader is not None:
            found, events = await self._reader.read(conversation_id)
            if found is not None:
                state.channel, state.sender = found
            for event in events:
                state.apply(event)
            return state
        if self.db.autocommit is not None:
            for row in await self._read_postgres(conversation_id):
                state.channel, state.sender = row.channel, row.sender
                if row.seq is not None:
                    state.apply(Event(type=row.type, data=dict(row.data), actor=row.actor, timestamp=row.timestamp,
                                      seq=row.seq))
            return state
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

    async def _read_postgres(self, conversation_id: str) -> list[Any]:
        """PostgreSQL's cache miss: the conversation's row and its events in one statement (one snapshot)
        on the autocommit pool — no pre-ping, BEGIN or ROLLBACK around it, no ORM session. No row: an
        unknown conversation (events cannot exist without theirs: foreign key). Values go through the
        columns' own result processors, as the ORM's read does."""
        statement = _POSTGRES_READ.params(conversation_id=conversation_id)
        assert self.db.autocommit is not None
        for attempt in (1, 2):
            try:
                async with self.db.autocommit.connect() as conn:
                    return list(await conn.execute(statement))
            except DBAPIError as exc:  # no pre-ping on this pool: a dead connection fails once
                if attempt == 2 or not exc.connection_invalidated:
                    raise
        raise AssertionError("unreachable")

    def begin_turn(self) -> TurnTransaction:
        """A transaction for one turn, opened only if an action asks for it."""
        return TurnTransaction(self.db)

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
        elif self._group is not None and (lease is None or not lease.fenced):
            conversation = None
            if state.seq == 0:
                conversation = {"id": state.conversation_id, "channel": state.channel, "sender": state.sender,
                                "created_at": utcnow(), "fence": None}
            await self._group.write((conversation, _event_rows(state.conversation_id, stored),
                                     [event_entry(state.conversation_id, e) for e in stored]))
        elif self._pg_group is not None:
            turn = self._turn_json(state, stored, lease)
            if lease is not None and (state.seq == 0 or not lease.fences_takeover or lease.token is None):
                # The last moment before the commit: still ours? Not needed when the conversation's row
                # carries a fence that every successor moves before it starts (bot/locks.py): the
                # statement then refuses this commit itself if the lease was taken over.
                await lease.verify()
            await self._pg_group.write((state.conversation_id, turn))
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
            snapshot = after.to_dict()
            ttl_ms = getattr(self.cache, "ttl_ms", 0)
            if not (lease is not None and ttl_ms and lease.write_with_release(dumps(snapshot), ttl_ms)):
                await self.cache.set(state.conversation_id, snapshot)
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
            await conn.execute(insert(EventRow.__table__), _event_rows(state.conversation_id, stored))
            await self.audit.append(conn, [event_entry(state.conversation_id, e) for e in stored])
        if lease is not None and lease.token is not None and state.seq > 0:
            # After the events: a snapshot of a conversation SQL does not have fails on their
            # foreign key first (an IntegrityError, which reloads), not here.
            await fence_conversation(conn, state.conversation_id, lease)
        if lease is not None:
            await lease.verify()  # the last moment before the commit: still ours?

    @staticmethod
    def _turn_json(state: ConversationState, stored: list[Event], lease: Lease | None) -> dict[str, Any]:
        """A turn for `wenzhen_append_turns`: its events, the audit entry of each with the canonical JSON
        its hash is computed from (`chain.link_hash`), and its lease's fencing token."""
        cid = state.conversation_id
        entries = []
        for e in stored:
            entry = event_entry(cid, e)
            fields = entry.hashed_fields()
            entries.append({**fields, "at": entry.at, "body": canonical(fields)})
        events = [{k: v for k, v in row.items() if k != "conversation_id"} for row in _event_rows(cid, stored)]
        turn = {"conversation": cid, "token": lease.token if lease is not None else None, "events": events,
                "entries": entries}
        if state.seq == 0:
            turn["new"] = {"channel": state.channel, "sender": state.sender, "created_at": utcnow().isoformat()}
        return turn

    async def fence_lease(self, conversation_id: str, token: int) -> None:
        """Move the conversation's fence to `token`, so that no commit of an older lease goes through
        (`RedisLocks.fence`: called by a holder that took the lock over, before its turn)."""
        table = ConversationRow.__table__
        statement = (update(table).where(table.c.id == conversation_id, or_(table.c.fence.is_(None), table.c.fence < token))
                     .values(fence=token))
        if self.db.autocommit is not None:
            for attempt in (1, 2):
                try:
                    async with self.db.autocommit.connect() as conn:
                        await conn.execute(statement)
                    return
                except DBAPIError as exc:  # no pre-ping on this pool: a dead connection fails once
                    if attempt == 2 or not exc.connection_invalidated:
                        raise
        async with self.audit.writing() as conn:
            await conn.execute(statement)

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
