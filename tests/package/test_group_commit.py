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


async def test_postgres_turns_written_together_fail_alone_and_keep_the_chain(postgres_url: str) -> None:
    """PostgreSQL: turns of running conversations queued during a write go in one statement
    (wenzhen_append_turns); a stale one collides alone, a fenced-out one loses its lease alone,
    and the audit chain still vouches for every stored event."""
    from bot.locks import Lease, LeaseLost
    from bot.supervision.audit import AuditTrail

    db = Database(postgres_url)
    await db.upgrade()
    audit = AuditTrail(db)
    store = ConversationStore(db, MemoryCache(), audit)
    try:
        started = {}
        for name in ("a", "b", "c", "d"):
            state = ConversationState(f"rest:{name}", "rest", name)
            after = state.copy()
            for event in said("你好"):
                after.apply(event)
            await store.append(state, said("你好"), after, Lease(f"rest:{name}", token=10))
            started[name] = after
        stale_running = started["a"].copy()  # taken before the next turn of "a": it writes seq 2 again
        await store.append(started["a"], said("第二句"), started["a"].copy(), Lease("rest:a", token=11))
        outcomes = await asyncio.gather(
            store.append(started["b"], said("我发烧了"), started["b"].copy(), Lease("rest:b", token=11)),
            store.append(stale_running, said("喂"), stale_running.copy(), Lease("rest:a", token=12)),
            store.append(started["c"], said("咳嗽三天"), started["c"].copy(), Lease("rest:c", token=9)),
            store.append(started["d"], said("头疼"), started["d"].copy(), Lease("rest:d", token=11)),
            return_exceptions=True,
        )
        assert outcomes[0] is not None and not isinstance(outcomes[0], BaseException)
        assert isinstance(outcomes[1], IntegrityError)
        assert isinstance(outcomes[2], LeaseLost)  # token 9 < the 10 that stored its first turn
        assert not isinstance(outcomes[3], BaseException)
        assert [e.data["text"] for e in await store.events("rest:a")] == ["你好", "第二句"]
        assert [e.data["text"] for e in await store.events("rest:b")] == ["你好", "我发烧了"]
        assert [e.data["text"] for e in await store.events("rest:c")] == ["你好"]
        assert [e.data["text"] for e in await store.events("rest:d")] == ["你好", "头疼"]
        verification = await audit.verify()
        assert verification.ok, verification.broken
        assert verification.events == 7
    finally:
        await db.close()


async def test_postgres_a_turn_the_database_refuses_fails_alone_in_its_group(postgres_url: str) -> None:
    """A value the schema refuses (a message id longer than its column) fails its own turn, not the
    other conversations' turns written in the same statement."""
    from sqlalchemy.exc import DBAPIError

    db = Database(postgres_url)
    await db.upgrade()
    store = ConversationStore(db, MemoryCache())
    try:
        states = [ConversationState(f"rest:{name}", "rest", name) for name in ("x", "y", "z")]
        bad = [Event(ev.USER, {"text": "喂", "message_id": "m" * 300}, actor="patient")]
        outcomes = await asyncio.gather(
            store.append(states[0], said("你好"), states[0].copy()),
            store.append(states[1], bad, states[1].copy()),
            store.append(states[2], said("头疼"), states[2].copy()),
            return_exceptions=True,
        )
        assert not isinstance(outcomes[0], BaseException) and not isinstance(outcomes[2], BaseException)
        assert isinstance(outcomes[1], DBAPIError)
        assert [e.data["text"] for e in await store.events("rest:z")] == ["头疼"]
        assert await store.events("rest:y") == []
    finally:
        await db.close()


async def test_a_cache_miss_read_in_one_hand_off_is_the_state_sqlalchemy_reads(tmp_path: Path) -> None:
    """Embedded SQLite reads a conversation that is not cached through the writer's reading
    connection; the state it replays is the one the SQLAlchemy path replays."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path}/read.db")
    await db.upgrade()
    store = ConversationStore(db, MemoryCache())
    try:
        assert store._reader is not None
        state = await _two_turns_stored(store, "甲")
        await store.forget_cached("wechat:甲")
        one_hand_off = await store.load("wechat:甲")
        reader, store._reader = store._reader, None
        through_sqlalchemy = await store.load("wechat:甲")
        store._reader = reader
        assert one_hand_off.to_dict() == through_sqlalchemy.to_dict()
        assert one_hand_off.message_ids == {"m1": 1, "m2": 4} and one_hand_off.slots == state.slots
        assert one_hand_off.seq == 5 and one_hand_off.channel == "wechat" and one_hand_off.sender == "甲"
        events = await reader.read("wechat:甲")
        assert events[0] == ("wechat", "甲")
        assert events[1] == await store.events("wechat:甲")
        assert await reader.read("wechat:nobody") == (None, [])
        unknown = await store.load("wechat:nobody", "wechat", "nobody")
        assert unknown.seq == 0 and unknown.channel == "wechat" and unknown.sender == "nobody"
    finally:
        await db.close()


async def test_postgres_a_cache_miss_read_in_one_statement_is_the_state_the_orm_reads(postgres_url: str) -> None:
    """PostgreSQL reads a conversation that is not cached in one statement on the autocommit pool
    (its row joined to its events); the state it replays is the one the ORM session replays."""
    db = Database(postgres_url)
    await db.upgrade()
    store = ConversationStore(db, MemoryCache())
    try:
        state = await _two_turns_stored(store, "乙")
        await store.forget_cached("wechat:乙")
        one_statement = await store.load("wechat:乙")
        unknown = await store.load("wechat:nobody", "wechat", "nobody")
        autocommit, db.autocommit = db.autocommit, None  # the ORM session's read, as before
        try:
            through_orm = await store.load("wechat:乙")
        finally:
            db.autocommit = autocommit
        assert one_statement.to_dict() == through_orm.to_dict()
        assert one_statement.message_ids == {"m1": 1, "m2": 4} and one_statement.slots == state.slots
        assert one_statement.seq == 5 and one_statement.channel == "wechat" and one_statement.sender == "乙"
        assert unknown.seq == 0 and unknown.channel == "wechat" and unknown.sender == "nobody"
    finally:
        await db.close()


async def test_a_cache_miss_read_that_fails_raises_what_the_sqlalchemy_path_raises(tmp_path: Path) -> None:
    """A database the reader cannot read (here: no schema) is an OperationalError either way, so the
    app answers it as before (503, `bot/outages.py`), not as an unknown error."""
    import pytest
    from sqlalchemy.exc import OperationalError

    from bot.outages import service_of

    db = Database(f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    store = ConversationStore(db, MemoryCache())
    try:
        with pytest.raises(OperationalError) as one_hand_off:
            await store.load("rest:甲")
        store._reader = None
        with pytest.raises(OperationalError) as through_sqlalchemy:
            await store.load("rest:甲")
        assert service_of(one_hand_off.value) == service_of(through_sqlalchemy.value) == "database"
    finally:
        await db.close()


async def test_a_group_commit_the_database_cannot_take_is_an_outage_not_an_unknown_error(tmp_path: Path) -> None:
    """A write that fails because the database is away (here: its file is read-only) is an
    OperationalError, which the app answers 503 + Retry-After (`bot/outages.py`), not a 500."""
    import os

    import pytest
    from sqlalchemy.exc import OperationalError

    from bot.outages import service_of

    if os.geteuid() == 0:  # root writes to a read-only file: take the schema away instead
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/noschema.db")
    else:
        db = Database(f"sqlite+aiosqlite:///{tmp_path}/readonly.db")
        await db.upgrade()
    store = ConversationStore(db, MemoryCache())
    try:
        if os.geteuid() != 0:
            os.chmod(tmp_path / "readonly.db", 0o444)
        state = ConversationState("rest:乙", "rest", "乙")
        with pytest.raises(OperationalError) as failed:
            await store.append(state, said("你好"), state.copy())
        assert service_of(failed.value) == "database"
    finally:
        await db.close()


async def _two_turns_stored(store: ConversationStore, sender: str) -> ConversationState:
    """Two turns of wechat:`sender` appended (odd text, nested slot values, a timestamp's fraction): the state after."""
    state = ConversationState(f"wechat:{sender}", "wechat", sender)
    turns = [
        [Event(ev.USER, {"text": "我发烧三天了", "message_id": "m1", "entities": [{"entity": "duration", "value": 3.5}]},
               actor="patient", timestamp=1765000000.125),
         Event(ev.SLOT, {"name": "intake.fever", "value": {"温度": 38.6, "天数": None, "有": True}}),
         Event(ev.BOT, {"text": "请问最高体温是多少？", "buttons": [{"title": "38度", "payload": "/t"}]})],
        [Event(ev.USER, {"text": "喂\u3000", "message_id": "m2"}, actor="patient"),
         Event(ev.FLOW_STARTED, {"flow": "triage"})],
    ]
    for new in turns:
        after = state.copy()
        for event in new:
            after.apply(event)
        await store.append(state, new, after)
        state = after
    return state
