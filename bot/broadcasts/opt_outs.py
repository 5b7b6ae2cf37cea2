"""Opt-outs: who said 退订 (or whose channel reported an unsubscribe) is never broadcast to."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from sqlalchemy import delete, select, tuple_

from bot.broadcasts.tables import OptOutRow

if TYPE_CHECKING:
    from bot.runtime import Runtime


async def record_opt_out(runtime: "Runtime", channel: str, sender: str, source: str) -> None:
    """Never broadcast to this person again (idempotent)."""
    async with runtime.db.transaction() as session:
        if await session.get(OptOutRow, (channel, sender)) is None:
            session.add(OptOutRow(channel=channel, sender=sender, source=source))


async def record_opt_in(runtime: "Runtime", channel: str, sender: str) -> None:
    async with runtime.db.transaction() as session:
        await session.execute(delete(OptOutRow).where(OptOutRow.channel == channel, OptOutRow.sender == sender))


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
