"""Audiences: every conversation as a profile of facts, matched against a campaign's audience,
resolved into a plan of who is reached by which method."""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from sqlalchemy import and_, func, select

from bot import events as ev
from bot.broadcasts.model import METHODS, OPTED_OUT, Audience, BroadcastError
from bot.broadcasts.opt_outs import opted_out
from bot.broadcasts.settings import Settings
from bot.broadcasts.tables import UserTagRow
from bot.consultations.models import ConsultationRow
from bot.db import ConversationRow, EventRow
from bot.state import ConversationState

if TYPE_CHECKING:
    from bot.runtime import Runtime

_FOLDED_EVENTS = (ev.SLOT, ev.TRIAGE, ev.RESTARTED)


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
        opted = await opted_out(session, ((p.channel, p.sender) for p in found))
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
