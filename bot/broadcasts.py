"""Health-education broadcasts: audiences, campaigns, per-recipient deliveries, opt-outs and reports.

A campaign is content (rendered once when it is created, so the preview is exactly what is sent),
an audience and a list of delivery methods in order of preference. Starting a campaign writes
one delivery row per recipient in one transaction; send jobs then work through the rows batch by
batch, honouring opt-outs and limits right before every send, through per-method rate limits and
retries. Channels plug in as `DeliveryMethod`s (integrations/wechat/mass.py, …): this module
never imports a channel.

Exactly-once: a method that is `idempotent` (WeChat mass send with `clientmsgid`) is simply sent
again with the same key after a crash. For the others a row left `sending` by a crashed worker is
recorded as failed ("interrupted": the outcome is unknown) and never re-sent, so no patient gets
a message twice.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import weakref
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Iterable, Protocol

from sqlalchemy import (
    DateTime,
    Index,
    Integer,
    String,
    UniqueConstraint,
    and_,
    delete,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot import events as ev
from bot.config import ConfigError
from bot.consultations.models import ConsultationRow
from bot.db import Base, BigId, ConversationRow, EventRow, JSONType, utcnow
from bot.expressions import Expression, ExpressionError, compile_expression
from bot.jobs import job
from bot.state import ConversationState

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("wenzhen.broadcasts")

HOSPITAL_TZ = dt.timezone(dt.timedelta(hours=8))  # China Standard Time: monthly limits count calendar months here
STATUSES = ("pending", "sending", "sent", "delivered", "failed", "skipped")
FINISHED = ("sent", "delivered", "failed", "skipped")
# Skip reasons the report names (a method may add its own, e.g. "outside_window", "unsubscribed").
OPTED_OUT = "opted_out"
OVER_LIMIT = "over_limit"
INTERRUPTED = "interrupted"  # a worker died during the call: outcome unknown, not re-sent
ARTICLE_EXPIRED = "article_expired"
_FOLDED_EVENTS = (ev.SLOT, ev.TRIAGE, ev.RESTARTED)


class BroadcastError(ValueError):
    """A campaign cannot be created or changed; the message says why (shown to the admin)."""


class TransientDeliveryError(RuntimeError):
    """The channel failed in a way worth retrying (busy, rate-limited, network): nothing was delivered."""


# ---- tables ----------------------------------------------------------------------------------


class CampaignRow(Base):
    __tablename__ = "broadcast_campaigns"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # article | message
    article_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    content: Mapped[dict[str, Any]] = mapped_column(JSONType)  # Content as a dict
    audience: Mapped[dict[str, Any]] = mapped_column(JSONType)  # Audience as a dict
    methods: Mapped[list[str]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(16), default="draft")  # draft|scheduled|running|done|cancelled
    scheduled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)  # bumped by `resume`: new job keys
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DeliveryRow(Base):
    """One recipient of one campaign: written when the campaign starts, updated as it is sent."""

    __tablename__ = "broadcast_deliveries"
    __table_args__ = (
        UniqueConstraint("campaign_id", "conversation_id", name="uq_broadcast_deliveries_recipient"),
        Index("ix_broadcast_deliveries_batch", "campaign_id", "method", "batch", "status"),
        Index("ix_broadcast_deliveries_sender", "channel", "sender", "method"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    campaign_id: Mapped[int] = mapped_column(Integer)
    conversation_id: Mapped[str] = mapped_column(String(191))
    channel: Mapped[str] = mapped_column(String(32))
    sender: Mapped[str] = mapped_column(String(191))
    method: Mapped[str] = mapped_column(String(32))
    batch: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    provider_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OptOutRow(Base):
    """A patient who said 退订 (or whose channel reported an unsubscribe): never broadcast to."""

    __tablename__ = "broadcast_optouts"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    sender: Mapped[str] = mapped_column(String(191), primary_key=True)
    source: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class UserTagRow(Base):
    """A channel's own user tag (WeChat tags), mirrored by a sync through the channel's tag API."""

    __tablename__ = "broadcast_user_tags"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    sender: Mapped[str] = mapped_column(String(191), primary_key=True)
    tag: Mapped[str] = mapped_column(String(64), primary_key=True)
    synced_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# ---- what crosses the boundary -------------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    """Who receives a campaign: groups from what the bot knows, combined with departments and user tags."""

    groups: tuple[str, ...] = ()  # names under broadcasts.audiences in config.yml; empty: everyone
    match: str = "any"  # any | all: whether one group or every group must hold
    departments: tuple[str, ...] = ()  # department of the patient's last consultation (any of)
    tags: tuple[str, ...] = ()  # channel user tags (any of)

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Audience":
        return cls(
            groups=tuple(data.get("groups") or ()),
            match=str(data.get("match") or "any"),
            departments=tuple(data.get("departments") or ()),
            tags=tuple(data.get("tags") or ()),
        )


@dataclass(frozen=True)
class Content:
    """What patients read: the whole message text, rendered once when the campaign is created."""

    title: str
    text: str
    source: str | None = None
    article_id: str | None = None
    expires: str | None = None  # an article's expiry (ISO date): not sent after it

    def expired(self, now: dt.datetime) -> bool:
        return self.expires is not None and now.astimezone(HOSPITAL_TZ).date().isoformat() > self.expires


@dataclass(frozen=True)
class Recipient:
    delivery_id: int
    conversation_id: str
    channel: str
    sender: str


@dataclass(frozen=True)
class Outcome:
    """What a method reports for one recipient."""

    status: str  # sent | delivered | failed | skipped
    reason: str | None = None
    provider_id: str | None = None


class DeliveryMethod(Protocol):
    """A channel's way of delivering a campaign (registered with `register_method`)."""

    name: str  # e.g. wechat_mass, wechat_cs, wechat_template, telegram
    channel: str  # the recipients' channel
    chunk_size: int  # recipients per call; 0: the whole batch in one call
    idempotent: bool  # the same `key` twice is never delivered twice (so a crashed call may be repeated)
    monthly_limit: int | None  # broadcasts per recipient per calendar month, or None

    async def send(
        self, runtime: "Runtime", content: Content, recipients: list[Recipient], key: str
    ) -> dict[int, Outcome]:
        """Deliver to the recipients; outcomes by delivery id. Raises TransientDeliveryError to be retried."""


# How a channel lists its user tags: async (runtime) -> {tag: [sender, ...]}.
TagSource = Callable[["Runtime"], Awaitable[dict[str, list[str]]]]
METHODS: dict[str, DeliveryMethod] = {}
TAG_SOURCES: dict[str, TagSource] = {}


def register_method(method: DeliveryMethod) -> DeliveryMethod:
    METHODS[method.name] = method
    return method


def register_tag_source(channel: str, source: TagSource) -> None:
    """How a channel lists its user tags (`sync_tags` mirrors them into the audience data)."""
    TAG_SOURCES[channel] = source


@dataclass
class Settings:
    """The `broadcasts:` section of config.yml."""

    audiences: dict[str, Expression]
    batch_size: int = 1000
    rate_limits: dict[str, float] = field(default_factory=dict)  # method -> calls per second
    retry_delays: tuple[float, ...] = (1.0, 5.0, 15.0)  # in-job retries of a transient failure
    monthly_limits: dict[str, int] = field(default_factory=dict)  # method -> per recipient per month

    def monthly_limit(self, method: "DeliveryMethod") -> int | None:
        return self.monthly_limits.get(method.name, method.monthly_limit)

    @classmethod
    def of(cls, runtime: "Runtime") -> "Settings":
        section = runtime.config.section("broadcasts")
        audiences: dict[str, Expression] = {}
        for name, source in (section.get("audiences") or {}).items():
            try:
                audiences[str(name)] = compile_expression(str(source))
            except ExpressionError as exc:
                raise ConfigError(f"broadcasts.audiences.{name}: {exc}") from exc
        return cls(
            audiences=audiences,
            batch_size=max(1, int(section.get("batch_size", 1000))),
            rate_limits={str(k): float(v) for k, v in (section.get("rate_limits") or {}).items()},
            retry_delays=tuple(float(d) for d in section.get("retry_delays", (1.0, 5.0, 15.0))),
            monthly_limits={str(k): int(v) for k, v in (section.get("monthly_limits") or {}).items()},
        )


# ---- opt-outs and tags ---------------------------------------------------------------------------


async def record_opt_out(runtime: "Runtime", channel: str, sender: str, source: str) -> None:
    """Never broadcast to this person again (idempotent)."""
    async with runtime.db.transaction() as session:
        if await session.get(OptOutRow, (channel, sender)) is None:
            session.add(OptOutRow(channel=channel, sender=sender, source=source))


async def record_opt_in(runtime: "Runtime", channel: str, sender: str) -> None:
    async with runtime.db.transaction() as session:
        await session.execute(delete(OptOutRow).where(OptOutRow.channel == channel, OptOutRow.sender == sender))


async def _opted_out(session: Any, people: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    keys = list(set(people))
    found: set[tuple[str, str]] = set()
    for start in range(0, len(keys), 500):
        rows = await session.execute(
            select(OptOutRow.channel, OptOutRow.sender).where(
                tuple_(OptOutRow.channel, OptOutRow.sender).in_(keys[start : start + 500])
            )
        )
        found.update((c, s) for c, s in rows)
    return found


async def replace_user_tags(runtime: "Runtime", channel: str, tags: dict[str, list[str]]) -> int:
    """Mirror a channel's user tags (the whole set, replacing the previous one); returns how many pairs."""
    rows = [{"channel": channel, "sender": s, "tag": t, "synced_at": utcnow()} for t, ss in tags.items() for s in set(ss)]
    async with runtime.db.transaction() as session:
        await session.execute(delete(UserTagRow).where(UserTagRow.channel == channel))
        if rows:
            await session.execute(insert(UserTagRow), rows)
    return len(rows)


async def sync_tags(runtime: "Runtime") -> dict[str, int]:
    """Pull every registered channel's user tags; returns pairs mirrored per channel (a channel that is
    off or unreachable keeps its previous mirror)."""
    synced: dict[str, int] = {}
    for channel, source in TAG_SOURCES.items():
        try:
            tags = await source(runtime)
        except TransientDeliveryError as exc:
            log.warning("user tags of %s not synced: %s", channel, exc)
            continue
        synced[channel] = await replace_user_tags(runtime, channel, tags)
    return synced


TAG_SYNC_HOUR = 3  # local time of the daily tag sync, when few patients write


async def schedule_tag_sync(runtime: "Runtime") -> None:
    """Queue the next daily tag sync (one per day however many workers start: the key is the date)."""
    local = utcnow().astimezone(HOSPITAL_TZ)
    due = local.replace(hour=TAG_SYNC_HOUR, minute=0, second=0, microsecond=0)
    if due <= local:
        due += dt.timedelta(days=1)
    await runtime.jobs.schedule(
        "broadcast.sync_tags", {}, due.astimezone(dt.timezone.utc), key=f"broadcast-tags:{due.date().isoformat()}"
    )


@job("broadcast.sync_tags")
async def _sync_tags_job(runtime: "Runtime", payload: dict[str, Any]) -> None:
    await sync_tags(runtime)
    await schedule_tag_sync(runtime)


# ---- audiences -----------------------------------------------------------------------------------


@dataclass
class Profile:
    """What the bot knows about one conversation, as facts audience expressions read."""

    conversation_id: str
    channel: str
    sender: str
    facts: dict[str, Any]
    tags: set[str]


async def profiles(runtime: "Runtime", channels: Iterable[str]) -> list[Profile]:
    """Every conversation on these channels, with its slots, latest triage, last contact, department and tags.

    Slots are derived the engine's way (`ConversationState.apply` over the slot, triage and restart
    events), streamed in conversation order: only one conversation's events are held at a time.
    """
    channels = list(channels)
    now = time.time()
    result: dict[str, Profile] = {}
    async with runtime.db.session() as session:
        rows = await session.execute(
            select(ConversationRow.id, ConversationRow.channel, ConversationRow.sender).where(
                ConversationRow.channel.in_(channels)
            )
        )
        for cid, channel, sender in rows:
            result[cid] = Profile(cid, channel, sender, {}, set())
        if not result:
            return []
        in_scope = select(ConversationRow.id).where(ConversationRow.channel.in_(channels)).scalar_subquery()
        stream = await session.stream(
            select(EventRow.conversation_id, EventRow.type, EventRow.data, EventRow.timestamp)
            .where(EventRow.conversation_id.in_(in_scope), EventRow.type.in_(_FOLDED_EVENTS))
            .order_by(EventRow.conversation_id, EventRow.seq)
            .execution_options(yield_per=2000)
        )
        state: ConversationState | None = None
        triaged_at: float | None = None

        def close(current: ConversationState | None, at: float | None) -> None:
            if current is None:
                return
            facts = result[current.conversation_id].facts
            facts.update(current.slots)
            if current.latest_triage:
                facts["triage_level"] = current.latest_triage.get("level")
                facts["days_since_triage"] = (now - at) / 86400 if at else None

        async for rows_part in stream.partitions():
            for cid, type_, data, timestamp in rows_part:
                if state is None or state.conversation_id != cid:
                    close(state, triaged_at)
                    state, triaged_at = ConversationState(cid), None
                state.apply(ev.Event(type_, data))
                if type_ == ev.TRIAGE:
                    triaged_at = timestamp
        close(state, triaged_at)

        last_contact = await session.execute(
            select(EventRow.conversation_id, func.max(EventRow.timestamp))
            .where(EventRow.conversation_id.in_(in_scope), EventRow.type == ev.USER)
            .group_by(EventRow.conversation_id)
        )
        for cid, at in last_contact:
            result[cid].facts["days_since_contact"] = (now - at) / 86400
        for cid, department in await _last_departments(session, in_scope):
            result[cid].facts["department"] = department
        tags = await session.execute(
            select(UserTagRow.channel, UserTagRow.sender, UserTagRow.tag).where(UserTagRow.channel.in_(channels))
        )
        by_person: dict[tuple[str, str], set[str]] = defaultdict(set)
        for channel, sender, tag in tags:
            by_person[(channel, sender)].add(tag)
    for profile in result.values():
        profile.tags = by_person.get((profile.channel, profile.sender), set())
    return sorted(result.values(), key=lambda p: p.conversation_id)


async def _last_departments(session: Any, in_scope: Any) -> list[tuple[str, str]]:
    """The department of each conversation's most recent consultation."""
    latest = (
        select(ConsultationRow.conversation_id, func.max(ConsultationRow.requested_at).label("at"))
        .where(ConsultationRow.conversation_id.in_(in_scope))
        .group_by(ConsultationRow.conversation_id)
        .subquery()
    )
    rows = await session.execute(
        select(ConsultationRow.conversation_id, ConsultationRow.department).join(
            latest,
            and_(
                ConsultationRow.conversation_id == latest.c.conversation_id,
                ConsultationRow.requested_at == latest.c.at,
            ),
        )
    )
    return [(cid, dep) for cid, dep in rows]


def matches(audience: Audience, profile: Profile, settings: Settings) -> bool:
    """Whether a profile belongs to the audience."""
    if audience.tags and not (profile.tags & set(audience.tags)):
        return False
    if audience.departments and profile.facts.get("department") not in audience.departments:
        return False
    if not audience.groups:
        return True
    results = (settings.audiences[g].evaluate(profile.facts) for g in audience.groups)
    return all(results) if audience.match == "all" else any(results)


def check_audience(audience: Audience, settings: Settings) -> None:
    unknown = [g for g in audience.groups if g not in settings.audiences]
    if unknown:
        raise BroadcastError(f"unknown audience group(s) {unknown}; known: {sorted(settings.audiences)}")
    if audience.match not in ("any", "all"):
        raise BroadcastError("match must be 'any' or 'all'")


# ---- campaigns -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Who a campaign reaches and by which method; skipped people with the reason."""

    by_method: dict[str, list[Profile]]
    skipped: list[tuple[Profile, str, str]]  # profile, method, reason

    def counts(self) -> dict[str, int]:
        return {m: len(ps) for m, ps in self.by_method.items()}


def _method_for(channel: str, methods: list[str]) -> str | None:
    return next((m for m in methods if m in METHODS and METHODS[m].channel == channel), None)


async def plan(runtime: "Runtime", audience: Audience, methods: list[str]) -> Plan:
    """Resolve the audience now: each recipient gets the first listed method of their channel."""
    settings = Settings.of(runtime)
    check_audience(audience, settings)
    known = [m for m in methods if m in METHODS]
    channels = {METHODS[m].channel for m in known}
    found = [p for p in await profiles(runtime, channels) if matches(audience, p, settings)]
    async with runtime.db.session() as session:
        opted = await _opted_out(session, ((p.channel, p.sender) for p in found))
    by_method: dict[str, list[Profile]] = {m: [] for m in known}
    skipped: list[tuple[Profile, str, str]] = []
    for profile in found:
        method = _method_for(profile.channel, known)
        if method is None:
            continue
        if (profile.channel, profile.sender) in opted:
            skipped.append((profile, method, OPTED_OUT))
        else:
            by_method[method].append(profile)
    return Plan(by_method, skipped)


async def create_campaign(
    runtime: "Runtime",
    name: str,
    content: Content,
    audience: Audience,
    methods: list[str],
    created_by: str,
) -> int:
    """A draft campaign; nothing is sent until it is scheduled."""
    if not name.strip():
        raise BroadcastError("a campaign needs a name")
    if not content.text.strip():
        raise BroadcastError("a campaign needs content")
    if not methods:
        raise BroadcastError("a campaign needs at least one delivery method")
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise BroadcastError(f"unknown delivery method(s) {unknown}; available: {sorted(METHODS)}")
    check_audience(audience, Settings.of(runtime))
    async with runtime.db.transaction() as session:
        row = CampaignRow(
            name=name.strip()[:200],
            kind="article" if content.article_id else "message",
            article_id=content.article_id,
            content=asdict(content),
            audience=audience.to_dict(),
            methods=list(methods),
            status="draft",
            created_by=created_by,
        )
        session.add(row)
        await session.flush()
        return int(row.id)


async def get_campaign(runtime: "Runtime", campaign_id: int) -> CampaignRow:
    async with runtime.db.session() as session:
        row = await session.get(CampaignRow, campaign_id)
    if row is None:
        raise BroadcastError(f"no campaign {campaign_id}")
    return row


async def list_campaigns(runtime: "Runtime") -> list[CampaignRow]:
    async with runtime.db.session() as session:
        return list(await session.scalars(select(CampaignRow).order_by(CampaignRow.id.desc())))


def _job_key(campaign_id: int, generation: int, *parts: object) -> str:
    return ":".join(["broadcast", str(campaign_id), f"g{generation}", *map(str, parts)])


async def schedule_campaign(runtime: "Runtime", campaign_id: int, at: dt.datetime | None = None) -> dt.datetime:
    """Schedule a draft campaign to start at `at` (now by default; a time without a zone is China time)."""
    due = at or utcnow()
    if due.tzinfo is None:
        due = due.replace(tzinfo=HOSPITAL_TZ)
    due = due.astimezone(dt.timezone.utc)  # SQLite keeps wall-clock times: store every instant in UTC
    async with runtime.db.transaction() as session:
        result = await session.execute(
            update(CampaignRow)
            .where(CampaignRow.id == campaign_id, CampaignRow.status == "draft")
            .values(status="scheduled", scheduled_at=due)
        )
        if result.rowcount != 1:
            row = await session.get(CampaignRow, campaign_id)
            raise BroadcastError(f"campaign {campaign_id} is {row.status if row else 'missing'}, not a draft")
        generation = (await session.get(CampaignRow, campaign_id)).generation  # type: ignore[union-attr]
    await runtime.jobs.schedule("broadcast.start", {"campaign": campaign_id}, due, key=_job_key(campaign_id, generation, "start"))
    return due


async def cancel_campaign(runtime: "Runtime", campaign_id: int) -> None:
    """Stop a campaign: its pending deliveries are skipped; what was sent stays recorded."""
    async with runtime.db.transaction() as session:
        row = await session.get(CampaignRow, campaign_id)
        if row is None:
            raise BroadcastError(f"no campaign {campaign_id}")
        if row.status in ("done", "cancelled"):
            raise BroadcastError(f"campaign {campaign_id} is already {row.status}")
        row.status = "cancelled"
        row.finished_at = utcnow()
        await session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.campaign_id == campaign_id, DeliveryRow.status == "pending")
            .values(status="skipped", reason="cancelled", updated_at=utcnow())
        )
    await runtime.jobs.cancel(f"broadcast:{campaign_id}:")


async def resume_campaign(runtime: "Runtime", campaign_id: int) -> int:
    """Reschedule every batch that still has unsent deliveries (after its jobs gave up); returns how many."""
    from bot.db import JobRow

    async with runtime.db.transaction() as session:
        row = await session.get(CampaignRow, campaign_id)
        if row is None or row.status != "running":
            raise BroadcastError(f"campaign {campaign_id} is not running")
        busy = await session.scalar(
            select(func.count()).select_from(JobRow).where(
                JobRow.key.startswith(f"broadcast:{campaign_id}:", autoescape=True),
                JobRow.status.in_(("pending", "running")),
            )
        )
        if busy:
            raise BroadcastError(f"campaign {campaign_id} still has {busy} job(s) queued or running")
        row.generation += 1
        generation = row.generation
        batches = await _open_batches(session, campaign_id)
    for method, batch in batches:
        await _schedule_batch(runtime, campaign_id, generation, method, batch)
    return len(batches)


async def _open_batches(session: AsyncSession, campaign_id: int) -> list[tuple[str, int]]:
    """The (method, batch) pairs of a campaign that still have deliveries to make."""
    result = await session.execute(
        select(DeliveryRow.method, DeliveryRow.batch)
        .where(DeliveryRow.campaign_id == campaign_id, DeliveryRow.status.in_(("pending", "sending")))
        .distinct()
    )
    return [(method, batch) for method, batch in result.all()]


async def _schedule_batch(runtime: "Runtime", campaign_id: int, generation: int, method: str, batch: int) -> None:
    await runtime.jobs.schedule(
        "broadcast.send",
        {"campaign": campaign_id, "method": method, "batch": batch},
        key=_job_key(campaign_id, generation, method, batch),
    )


@job("broadcast.start")
async def _start_job(runtime: "Runtime", payload: dict[str, Any]) -> None:
    await start_campaign(runtime, int(payload["campaign"]))


async def start_campaign(runtime: "Runtime", campaign_id: int) -> None:
    """Write every recipient's delivery row (once), then queue one send job per batch."""
    settings = Settings.of(runtime)
    campaign = await get_campaign(runtime, campaign_id)
    if campaign.status == "cancelled":
        return
    if campaign.status == "scheduled":
        result = await plan(runtime, Audience.from_dict(campaign.audience), list(campaign.methods))
        rows: list[dict[str, Any]] = []
        now = utcnow()
        for method, people in result.by_method.items():
            for index, profile in enumerate(people):
                rows.append(_delivery(campaign_id, profile, method, index // settings.batch_size, "pending", None, now))
        for profile, method, reason in result.skipped:
            rows.append(_delivery(campaign_id, profile, method, -1, "skipped", reason, now))
        async with runtime.db.transaction() as session:
            claimed = await session.execute(
                update(CampaignRow)
                .where(CampaignRow.id == campaign_id, CampaignRow.status == "scheduled")
                .values(status="running", started_at=now)
            )
            if claimed.rowcount != 1:
                return  # another worker started it
            for start in range(0, len(rows), 5000):
                await session.execute(insert(DeliveryRow), rows[start : start + 5000])
        campaign = await get_campaign(runtime, campaign_id)
    if campaign.status != "running":
        return
    async with runtime.db.session() as session:
        batches = await _open_batches(session, campaign_id)
    for method, batch in batches:
        await _schedule_batch(runtime, campaign_id, campaign.generation, method, batch)
    await _finish_if_done(runtime, campaign_id)


def _delivery(
    campaign_id: int, profile: Profile, method: str, batch: int, status: str, reason: str | None, now: dt.datetime
) -> dict[str, Any]:
    return {
        "campaign_id": campaign_id,
        "conversation_id": profile.conversation_id,
        "channel": profile.channel,
        "sender": profile.sender,
        "method": method,
        "batch": batch,
        "status": status,
        "reason": reason,
        "attempts": 0,
        "updated_at": now,
    }


# ---- sending -------------------------------------------------------------------------------------


class RateLimiter:
    """At most `rate` calls per second per method: across workers with Redis, else in this process."""

    def __init__(
        self,
        redis: Any,
        prefix: str,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._clock = clock
        self._sleep = sleep
        self._next: dict[str, float] = {}
        self._lock = asyncio.Lock()

    async def wait(self, name: str, rate: float | None) -> None:
        if not rate or rate <= 0:
            return
        if self._redis is None:
            # Each call books the next free slot 1/rate after the previous one, then sleeps until it.
            async with self._lock:
                now = self._clock()
                at = max(now, self._next.get(name, now))
                self._next[name] = at + 1.0 / rate
            if at > now:
                await self._sleep(at - now)
            return
        # Fixed one-second windows shared by every worker: INCR the window's counter, wait for
        # the next window when this one is full.
        while True:
            now = self._clock()
            second = int(now)
            key = f"{self._prefix}broadcast:rate:{name}:{second}"
            count = await self._redis.incr(key)
            if count == 1:
                await self._redis.expire(key, 5)
            if count <= rate:
                return
            await self._sleep(max(0.001, second + 1 - now))


_LIMITERS: "weakref.WeakKeyDictionary[Any, RateLimiter]" = weakref.WeakKeyDictionary()


def _limiter(runtime: "Runtime") -> RateLimiter:
    if runtime not in _LIMITERS:
        _LIMITERS[runtime] = RateLimiter(runtime.redis, runtime.redis_prefix)
    return _LIMITERS[runtime]


@job("broadcast.send")
async def _send_job(runtime: "Runtime", payload: dict[str, Any]) -> None:
    await send_batch(runtime, int(payload["campaign"]), str(payload["method"]), int(payload["batch"]))


async def send_batch(runtime: "Runtime", campaign_id: int, method_name: str, batch: int) -> None:
    """Deliver one batch: check opt-outs and limits right before each call, record every outcome."""
    campaign = await get_campaign(runtime, campaign_id)
    if campaign.status != "running":
        return
    method = METHODS.get(method_name)
    if method is None:
        raise RuntimeError(f"delivery method {method_name!r} is not available in this process")
    settings = Settings.of(runtime)
    content = Content(**campaign.content)
    in_batch = and_(
        DeliveryRow.campaign_id == campaign_id, DeliveryRow.method == method_name, DeliveryRow.batch == batch
    )
    if not method.idempotent:
        # Left `sending` by a worker that died mid-call: it may have arrived, so it is never repeated.
        async with runtime.db.transaction() as session:
            await session.execute(
                update(DeliveryRow)
                .where(in_batch, DeliveryRow.status == "sending")
                .values(status="failed", reason=INTERRUPTED, updated_at=utcnow())
            )
    if content.expired(utcnow()):
        # The article's review lapsed while the campaign was under way: what is left is not sent.
        async with runtime.db.transaction() as session:
            await session.execute(
                update(DeliveryRow)
                .where(in_batch, DeliveryRow.status.in_(("pending", "sending")))
                .values(status="skipped", reason=ARTICLE_EXPIRED, updated_at=utcnow())
            )
    claimable = ("pending", "sending") if method.idempotent else ("pending",)
    while True:
        async with runtime.db.session() as session:
            query = select(DeliveryRow).where(in_batch, DeliveryRow.status.in_(claimable)).order_by(DeliveryRow.id)
            if method.chunk_size:
                query = query.limit(method.chunk_size)
            chunk = list(await session.scalars(query))
        if not chunk:
            break
        recipients = await _claim(runtime, method, settings.monthly_limit(method), chunk)
        if recipients:
            await _deliver(runtime, settings, method, content, recipients, _chunk_key(campaign_id, method, batch, chunk))
        if not method.chunk_size:
            break
    await _finish_if_done(runtime, campaign_id)


def _chunk_key(campaign_id: int, method: DeliveryMethod, batch: int, chunk: list[DeliveryRow]) -> str:
    # A whole-batch call keeps the same key on every attempt: that is what makes it idempotent.
    suffix = f"-{chunk[0].id}" if method.chunk_size else ""
    return f"wz{campaign_id}-{method.name}-{batch}{suffix}"


async def _claim(
    runtime: "Runtime", method: DeliveryMethod, monthly_limit: int | None, chunk: list[DeliveryRow]
) -> list[Recipient]:
    """Skip the opted-out and the over-limit, mark the rest `sending`; committed before any call."""
    now = utcnow()
    skips: dict[int, str] = {}
    async with runtime.db.transaction() as session:
        opted = await _opted_out(session, ((r.channel, r.sender) for r in chunk))
        for row in chunk:
            if (row.channel, row.sender) in opted:
                skips[row.id] = OPTED_OUT
        if monthly_limit is not None:
            used = await _sent_this_month(session, method.name, [r for r in chunk if r.id not in skips], now)
            for row in chunk:
                if row.id not in skips and used.get((row.channel, row.sender), 0) >= monthly_limit:
                    skips[row.id] = OVER_LIMIT
        if skips:
            await session.execute(
                update(DeliveryRow),
                [{"id": i, "status": "skipped", "reason": r, "updated_at": now} for i, r in skips.items()],
            )
        sending = [r for r in chunk if r.id not in skips]
        if sending:
            await session.execute(
                update(DeliveryRow),
                [{"id": r.id, "status": "sending", "attempts": r.attempts + 1, "updated_at": now} for r in sending],
            )
    return [Recipient(r.id, r.conversation_id, r.channel, r.sender) for r in sending]


async def _sent_this_month(
    session: Any, method: str, rows: list[DeliveryRow], now: dt.datetime
) -> dict[tuple[str, str], int]:
    if not rows:
        return {}
    local = now.astimezone(HOSPITAL_TZ)
    month_start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(dt.timezone.utc)
    counts: Counter[tuple[str, str]] = Counter()
    keys = list({(r.channel, r.sender) for r in rows})
    campaign_id = rows[0].campaign_id
    for start in range(0, len(keys), 500):
        result = await session.execute(
            select(DeliveryRow.channel, DeliveryRow.sender, func.count())
            .where(
                tuple_(DeliveryRow.channel, DeliveryRow.sender).in_(keys[start : start + 500]),
                DeliveryRow.method == method,
                DeliveryRow.status.in_(("sent", "delivered")),
                DeliveryRow.updated_at >= month_start,
                DeliveryRow.campaign_id != campaign_id,
            )
            .group_by(DeliveryRow.channel, DeliveryRow.sender)
        )
        counts.update({(c, s): n for c, s, n in result})
    return counts


async def _deliver(
    runtime: "Runtime",
    settings: Settings,
    method: DeliveryMethod,
    content: Content,
    recipients: list[Recipient],
    key: str,
) -> None:
    """One rate-limited call with in-job retries; outcomes recorded. Giving up leaves the rows pending."""
    delays = list(settings.retry_delays)
    while True:
        await _limiter(runtime).wait(method.name, settings.rate_limits.get(method.name))
        try:
            outcomes = await method.send(runtime, content, recipients, key)
            break
        except TransientDeliveryError as exc:
            if not delays:
                await _set_status(runtime, [r.delivery_id for r in recipients], "pending", str(exc)[:200])
                raise  # the job is retried later with backoff: nothing delivered, nothing lost
            log.warning("broadcast %s: transient failure (%s); retrying", key, exc)
            await asyncio.sleep(delays.pop(0))
    now = utcnow()
    updates = []
    for r in recipients:
        outcome = outcomes.get(r.delivery_id) or Outcome("failed", "no outcome reported")
        updates.append(
            {"id": r.delivery_id, "status": outcome.status, "reason": outcome.reason,
             "provider_id": outcome.provider_id, "updated_at": now}
        )
    async with runtime.db.transaction() as session:
        await session.execute(update(DeliveryRow), updates)


async def _set_status(runtime: "Runtime", ids: list[int], status: str, reason: str | None) -> None:
    async with runtime.db.transaction() as session:
        await session.execute(
            update(DeliveryRow).where(DeliveryRow.id.in_(ids)).values(status=status, reason=reason, updated_at=utcnow())
        )


async def mark_delivered(runtime: "Runtime", method: str, provider_id: str, ok: bool, reason: str | None = None) -> int:
    """A channel's delivery receipt (e.g. WeChat TEMPLATESENDJOBFINISH): sent → delivered or failed."""
    async with runtime.db.transaction() as session:
        result = await session.execute(
            update(DeliveryRow)
            .where(DeliveryRow.method == method, DeliveryRow.provider_id == provider_id, DeliveryRow.status == "sent")
            .values(status="delivered" if ok else "failed", reason=None if ok else reason, updated_at=utcnow())
        )
        return result.rowcount or 0


async def _finish_if_done(runtime: "Runtime", campaign_id: int) -> None:
    async with runtime.db.transaction() as session:
        open_rows = await session.scalar(
            select(func.count())
            .select_from(DeliveryRow)
            .where(DeliveryRow.campaign_id == campaign_id, DeliveryRow.status.in_(("pending", "sending")))
        )
        if not open_rows:
            await session.execute(
                update(CampaignRow)
                .where(CampaignRow.id == campaign_id, CampaignRow.status == "running")
                .values(status="done", finished_at=utcnow())
            )


# ---- reports -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """A campaign's outcome: counts by status, reasons for failed and skipped, per method."""

    campaign_id: int
    name: str
    status: str
    total: int
    counts: dict[str, int]
    reasons: dict[str, dict[str, int]]  # failed/skipped -> reason -> count
    by_method: dict[str, dict[str, int]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


async def report(runtime: "Runtime", campaign_id: int) -> Report:
    campaign = await get_campaign(runtime, campaign_id)
    counts: Counter[str] = Counter()
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    by_method: dict[str, Counter[str]] = defaultdict(Counter)
    async with runtime.db.session() as session:
        rows = await session.execute(
            select(DeliveryRow.method, DeliveryRow.status, DeliveryRow.reason, func.count())
            .where(DeliveryRow.campaign_id == campaign_id)
            .group_by(DeliveryRow.method, DeliveryRow.status, DeliveryRow.reason)
        )
        for method, status, reason, n in rows:
            counts[status] += n
            by_method[method][status] += n
            if status in ("failed", "skipped"):
                reasons[status][reason or "unknown"] += n
    return Report(
        campaign_id=campaign_id,
        name=campaign.name,
        status=campaign.status,
        total=sum(counts.values()),
        counts={s: counts.get(s, 0) for s in STATUSES},
        reasons={k: dict(v) for k, v in reasons.items()},
        by_method={m: dict(c) for m, c in by_method.items()},
    )


async def deliveries(runtime: "Runtime", campaign_id: int) -> list[DeliveryRow]:
    """Every recipient's delivery record of a campaign."""
    async with runtime.db.session() as session:
        return list(
            await session.scalars(select(DeliveryRow).where(DeliveryRow.campaign_id == campaign_id).order_by(DeliveryRow.id))
        )
