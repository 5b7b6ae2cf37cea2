"""Opt-outs: who said 退订 (or whose channel reported an unsubscribe) is never broadcast to."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from bot.broadcasts.tables import OptOutRow

if TYPE_CHECKING:
    from bot.runtime import Runtime


async def opt_out(session: AsyncSession, channel: str, sender: str, source: str) -> None:
    """Never broadcast to this person again (idempotent), in the caller's transaction (a turn's)."""
    if await session.get(OptOutRow, (channel, sender)) is None:
        session.add(OptOutRow(channel=channel, sender=sender, source=source))


async def opt_in(session: AsyncSession, channel: str, sender: str) -> None:
    await session.execute(delete(OptOutRow).where(OptOutRow.channel == channel, OptOutRow.sender == sender))


async def record_opt_out(runtime: "Runtime", channel: str, sender: str, source: str) -> None:
    """`opt_out` in a transaction of its own (a channel's unsubscribe event, outside any turn)."""
    async with runtime.db.transaction() as session:
        await opt_out(session, channel, sender, source)


async def record_opt_in(runtime: "Runtime", channel: str, sender: str) -> None:
    async with runtime.db.transaction() as session:
        await opt_in(session, channel, sender)


async def opted_out(session: Any, people: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
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
