"""The SQL database: async engine and sessions, the core tables, and upgrading by Alembic migrations."""
from __future__ import annotations

import ast
import datetime as dt
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


class Database:
    """One async engine and its session factory."""

    def __init__(self, url: str, echo: bool = False) -> None:
        self.url = url
        kwargs: dict[str, Any] = {"echo": echo}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"timeout": 30}
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

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session inside one transaction: committed on success, rolled back on any error."""
        async with self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def upgrade(self) -> None:
        """Create or migrate the schema to the newest revision of every branch."""
        if self.is_sqlite:
            _ensure_sqlite_dir(self.url)
        async with self.engine.begin() as conn:
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


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
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
