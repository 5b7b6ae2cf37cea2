"""Embedded SQLite writes turns in groups: what arrives during a write goes in the next transaction,
and a turn that collides fails alone — the others of its group are stored."""
from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from bot import events as ev
from bot.cache import MemoryCache
from bot.db import Database
from bot.events import Event
from bot.state import ConversationState
from bot.store import ConversationStore


def said(text: str) -> list[Event]:
    return [Event(ev.USER, {"text": text}, actor="patient")]


async def test_a_colliding_turn_fails_alone_and_the_rest_of_its_group_is_stored(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/group.db")
    await db.upgrade()
    store = ConversationStore(db, MemoryCache())
    try:
        first = ConversationState("rest:a", "rest", "a")
        await store.append(first, said("你好"), first.copy())
        stale = ConversationState("rest:a", "rest", "a")  # a writer that missed the first turn: seq 1 again
        fresh = [ConversationState(f"rest:{name}", "rest", name) for name in ("b", "c")]
        results = await asyncio.gather(
            store.append(fresh[0], said("我发烧了"), fresh[0].copy()),
            store.append(stale, said("喂"), stale.copy()),
            store.append(fresh[1], said("咳嗽三天"), fresh[1].copy()),
            return_exceptions=True,
        )
        assert isinstance(results[1], IntegrityError)
        assert not isinstance(results[0], BaseException) and not isinstance(results[2], BaseException)
        assert [e.data["text"] for e in await store.events("rest:a")] == ["你好"]
        assert [e.data["text"] for e in await store.events("rest:b")] == ["我发烧了"]
        assert [e.data["text"] for e in await store.events("rest:c")] == ["咳嗽三天"]
    finally:
        await db.close()


async def test_turns_of_many_conversations_at_once_are_all_stored_in_order(tmp_path: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/many.db")
    await db.upgrade()
    store = ConversationStore(db, MemoryCache())
    try:
        async def conversation(n: int) -> None:
            state = ConversationState(f"rest:p{n}", "rest", f"p{n}")
            for text in ("你好", "怎么用", "谢谢"):
                after = state.copy()
                for event in said(text):
                    after.apply(event)
                await store.append(state, said(text), after)
                state = after

        await asyncio.gather(*(conversation(n) for n in range(40)))
        for n in range(40):
            assert [e.data["text"] for e in await store.events(f"rest:p{n}")] == ["你好", "怎么用", "谢谢"]
    finally:
        await db.close()
