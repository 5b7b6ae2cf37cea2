"""The SQL database: async engine and sessions, the core tables, and upgrading by Alembic migrations."""
from __future__ import annotations

import ast
import asyncio
import datetime as dt
import logging
import time
import weakref
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
log = logging.getLogger("wenzhen.db")
# Embedded SQLite: how long a writer waits for the process's one writer (`WriteLock`: a guard against a
# writer stuck inside, not a latency target — under a CPU-bound load the queue of writers is long), and
# how long a connection waits for another process's write (busy_timeout). Both end in `WriterBusy` /
# "database is locked", which a turn takes as "nothing stored, run it again" (bot/engine.py).
SQLITE_WRITE_WAIT = 30.0
SQLITE_BUSY_TIMEOUT_MS = 5000
SQLITE_LONG_HOLD = 1.0  # a write transaction held longer is logged (it holds every other writer up)
JSONType = JSON().with_variant(JSONB(), "postgresql")
# SQLite has no BIGINT autoincrement; INTEGER PRIMARY KEY is its rowid.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    """All tables of wenzhen; each area's models subclass this."""


class ConversationRow(Base):
    """Who a conversation is with; everything else about it is in its events."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(191), primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(191))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The fencing token of the lock lease that stored the newest turn (bot/locks.py).
    fence: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class EventRow(Base):
    """The append-only event log. (conversation_id, seq) is unique: no event is written twice."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_events_conversation_seq"),
        UniqueConstraint("conversation_id", "message_id", name="uq_events_conversation_message"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(191), ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(64))
    timestamp: Mapped[float] = mapped_column(Float)
    message_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)


class JobRow(Base):
    """Durable scheduled work (follow-ups, media fetches, broadcasts): survives restarts."""

    __tablename__ = "scheduled_jobs"
    __table_args__ = (Index("ix_scheduled_jobs_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    key: Mapped[str | None] = mapped_column(String(191), unique=True, nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WriterBusy(Exception):
    """Embedded SQLite: the process's one writer stayed taken past `SQLITE_WRITE_WAIT` (nothing was
    written; the caller may run its work again)."""


def is_sqlite_busy(exc: BaseException) -> bool:
    """A write that found the SQLite file locked (another process's writer past busy_timeout)."""
    text_ = str(getattr(exc, "orig", None) or exc).lower()
    return isinstance(exc, WriterBusy) or "database is locked" in text_ or "database is busy" in text_


class WriteLock:
    """Embedded SQLite's one writer per process: every write transaction of this process on one file
    (`Database.transaction`, `AuditTrail.writing`, a turn's `TurnTransaction`, the group commit's batch)
    holds it, so no two of them ever meet SQLite's own lock and wait on busy_timeout.

    Re-entrant per task: a writer already inside (its task holds the lock) that calls another writer
    passes straight in, and `Database.transaction` then joins the open write session (a SAVEPOINT on
    the same connection) instead of opening a second connection that would wait for the first.
    Another task — even one the holder started — waits; a wait longer than `timeout` is `WriterBusy`,
    never a deadlock. No await that can take long (a network send) belongs inside it."""

    def __init__(self, timeout: float = SQLITE_WRITE_WAIT) -> None:
        self.timeout = timeout
        self._lock = asyncio.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._owner: asyncio.Task[Any] | None = None
        self._depth = 0
        self._since = 0.0
        self.session: AsyncSession | None = None  # the holder's open write session (joined by nested writers)

    @property
    def held_here(self) -> bool:
        """Whether the current task holds the lock."""
        return self._owner is not None and self._owner is asyncio.current_task()

    async def acquire(self) -> None:
        task = asyncio.current_task()
        if self._owner is not None and self._owner is task:
            self._depth += 1
            return
        loop = asyncio.get_running_loop()
        if self._loop is not loop and not self._lock.locked():
            self._lock, self._loop = asyncio.Lock(), loop  # a new event loop (tests): a lock of its own
        try:
            # Not asyncio.wait_for: on 3.11 it returns a lock acquired at the moment the task is cancelled
            # and swallows the cancellation (the jobs loop then never stopped).
            async with asyncio.timeout(self.timeout):
                await self._lock.acquire()
        except TimeoutError:
            owner = self._owner
            where = ""
            if owner is not None:  # who held it, and where it waits: a long await that belongs outside
                where = f" by task {owner.get_name()} at {_awaiting(owner)}"
            log.warning("the SQLite writer stayed taken for %g s%s", self.timeout, where)
            raise WriterBusy(f"the SQLite writer stayed taken for {self.timeout:g} s") from None
        self._owner, self._depth, self._since = task, 1, time.monotonic()

    def release(self) -> None:
        self._depth -= 1
        if self._depth > 0:
            return
        held = time.monotonic() - self._since
        if held > SQLITE_LONG_HOLD:
            log.warning("an SQLite write transaction held the process's writer for %.1f s (task %s)", held,
                        self._owner.get_name() if self._owner is not None else "?")
        self._owner, self.session = None, None
        self._lock.release()

    @asynccontextmanager
    async def hold(self) -> AsyncIterator[None]:
        await self.acquire()
        try:
            yield
        finally:
            self.release()


def _awaiting(task: asyncio.Task[Any]) -> str:
    """Where a suspended task waits: its chain of awaits, innermost first."""
    frames: list[str] = []
    coro: Any = task.get_coro()
    while coro is not None and len(frames) < 20:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "ag_frame", None) or getattr(coro, "gi_frame", None)
        if frame is not None:
            frames.append(f"{frame.f_code.co_filename.rsplit('/', 2)[-1]}:{frame.f_lineno} {frame.f_code.co_name}")
        awaited = getattr(coro, "cr_await", None) or getattr(coro, "ag_await", None) or getattr(coro, "gi_yieldfrom", None)
        if awaited is not None and type(awaited).__name__ == "async_generator_asend" and frame is not None:
            awaited = getattr(frame.f_locals.get("self"), "gen", None)  # an @asynccontextmanager's generator
        coro = awaited
    return " < ".join(reversed(frames))


# One WriteLock per SQLite file and event loop of the process, whichever Database opened it.
_WRITE_LOCKS: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, WriteLock]]" = weakref.WeakKeyDictionary()


def _sqlite_file(url: str) -> str | None:
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if not path or path == ":memory:" or path.startswith("file:"):
        return None
    return str(Path(path).expanduser().resolve())


class Database:
    """One async engine and its session factory."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        kwargs: dict[str, Any] = {"echo": echo}
        self._own_write_lock: WriteLock | None = None
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        else:
            # Pre-ping costs round trips on every checkout, but a connection that died with the server
            # must never fail a patient's turn (dropping it needs a retry in the store's write first).
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True, pool_recycle=1800)
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        # PostgreSQL: a second pool for the store's one-statement turn (bot/store.py). Each of its
        # statements is a transaction of its own (autocommit: no BEGIN, no COMMIT), and it has no
        # pre-ping, which with asyncpg costs three round trips on every checkout; a connection that died
        # with the server fails one statement, which invalidates the pool, and the store sends it again.
        # It also reads a conversation on a cache miss. At most 30 connections as before (10 + 20 overflow),
        # but all 30 are kept once opened: a burst of new conversations (many first turns at once) used
        # to open an overflow connection for most of them and close it again — a PostgreSQL backend
        # started and stopped per first turn (≈ 10 a second per worker under the benchmark's load).
        self.autocommit: AsyncEngine | None = None
        if not url.startswith("sqlite"):
            self.autocommit = create_async_engine(
                url, echo=echo, pool_size=30, max_overflow=0, pool_recycle=1800, isolation_level="AUTOCOMMIT"
            )
        if url.startswith("sqlite"):
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._on_close: list[Callable[[], Awaitable[None]]] = []

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def write_lock(self) -> WriteLock | None:
        """Embedded SQLite's process-wide writer (`WriteLock`); None on PostgreSQL (no global lock there)."""
        if not self.is_sqlite:
            return None
        path = _sqlite_file(self.url)
        if path is None:
            if self._own_write_lock is None:
                self._own_write_lock = WriteLock()
            return self._own_write_lock
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            if self._own_write_lock is None:
                self._own_write_lock = WriteLock()
            return self._own_write_lock
        locks = _WRITE_LOCKS.setdefault(loop, {})
        lock = locks.get(path)
        if lock is None:
            lock = locks[path] = WriteLock()
            if any(other is not loop and not other.is_closed() and path in held for other, held in list(_WRITE_LOCKS.items())):
                # Each loop has a writer of its own: a task of a loop that is not running (parked inside a
                # write transaction) keeps SQLite's file lock, and this loop's writers wait busy_timeout on it.
                log.warning("SQLite file %s is written from a second event loop of this process: its writers are "
                            "not ordered with the first loop's (one runtime, one loop)", path)
        return lock

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on any error.

        Embedded SQLite: under the process's one writer (`write_lock`), begun IMMEDIATE (the file's write
        lock taken first, so a transaction that read never fails to write afterwards); inside another
        write transaction of the same task it is a SAVEPOINT of that one (committed with it)."""
        lock = self.write_lock
        if lock is None:
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with lock.hold():
            outer = lock.session
            if outer is not None:
                async with outer.begin_nested():
                    yield outer
                return
            async with self.sessions() as session, session.begin():
                await (await session.connection()).exec_driver_sql("BEGIN IMMEDIATE")
                lock.session = session
                try:
                    yield session
                finally:
                    lock.session = None

    async def ping(self) -> None:
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def upgrade(self) -> None:
        """Create or migrate the schema to the newest revision of every branch."""
        if self.is_sqlite:
            _ensure_sqlite_dir(self.url)
        lock = self.write_lock
        async with lock.hold() if lock is not None else _nothing(), self.engine.begin() as conn:
            await conn.run_sync(_upgrade_unless_at_heads)

    def on_close(self, func: Callable[[], Awaitable[None]]) -> None:
        """Run `func` when the database is closed (a connection of its own that a part keeps)."""
        self._on_close.append(func)

    async def close(self) -> None:
        for func in reversed(self._on_close):
            await func()
        self._on_close.clear()
        await self.engine.dispose()
        if self.autocommit is not None:
            await self.autocommit.dispose()


@asynccontextmanager
async def _nothing() -> AsyncIterator[None]:
    yield


SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", f"busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def _ensure_sqlite_dir(url: str) -> None:
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if path and path != ":memory:":
        Path(path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)


def alembic_config(connection: Any = None) -> Any:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def script_heads() -> frozenset[str] | None:
    """What `alembic_version` holds once every branch is at its newest revision, read from the migration
    files without importing alembic (a serving process whose database is at its heads never loads it:
    ~11 MB); None when a file says it in a way not read here. Any difference, even one alembic would not
    mind, only means alembic runs as before."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        values: dict[str, Any] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision", "depends_on"):
                try:
                    values[target.id] = ast.literal_eval(value)
                except ValueError:
                    return None
        if not isinstance(values.get("revision"), str):
            return None
        revisions.add(values["revision"])
        for key in ("down_revision", "depends_on"):  # alembic_version leaves out what a stored one depends on
            before = values.get(key)
            parents.update([before] if isinstance(before, str) else (before or ()))
    return frozenset(revisions - parents)


def _upgrade_unless_at_heads(sync_conn: Any) -> None:
    """Alembic's upgrade to every head, skipped (alembic not even imported) when the stored
    revisions already are exactly those heads."""
    if "alembic_version" in inspect(sync_conn).get_table_names():
        stored = {row[0] for row in sync_conn.execute(text("SELECT version_num FROM alembic_version"))}
        heads = script_heads()
        if stored and heads is not None and stored == set(heads):
            return
    _run_alembic_upgrade(sync_conn)


def _run_alembic_upgrade(sync_conn: Any) -> None:
    from alembic import command

    command.upgrade(alembic_config(sync_conn), "heads")
