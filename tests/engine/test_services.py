"""The typed service container, and the turn's own transaction that actions write in."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot import events as ev
from bot.broadcasts import OptOutRow
from bot.consultations import consultations, topics
from bot.db import JobRow
from bot.config import Config
from bot.engine import Engine
from bot.messages import UserMessage
from bot.runtime import Runtime
from bot.services import ServiceError, Services
from tests.console.helpers import on_duty
from tests.engine.test_flows import FLOW_CONFIG, say

HERE = Path(__file__).parent


@dataclass
class Clock:
    zone: str


@dataclass
class Roster:
    clock: Clock


def make_clock() -> Clock:
    return Clock("Asia/Shanghai")


def make_roster(clock: Clock) -> Roster:
    return Roster(clock)


def test_a_factory_gets_the_services_it_declares_and_each_is_built_once() -> None:
    services = Services()
    services.provide(make_roster)
    services.provide(make_clock)
    services.build_all()
    roster = services.get(Roster)
    assert roster.clock is services.get(Clock) and roster is services.get(Roster)


def test_a_bound_function_receives_exactly_what_it_declares() -> None:
    services = Services()
    services.add(Clock, Clock("UTC"))

    async def action(ctx: object, clock: Clock, missing_ok: Roster | None = None) -> str:
        return f"{ctx}:{clock.zone}"

    bound = services.bind(action)
    assert asyncio.run(bound("ctx")) == "ctx:UTC"


def test_what_cannot_be_wired_fails_before_anything_runs() -> None:
    services = Services()
    services.provide(make_roster)  # needs a Clock nobody provides
    with pytest.raises(ServiceError, match="Clock"):
        services.build_all()

    def loop_a(b: "LoopB") -> "LoopA":
        return LoopA()

    def loop_b(a: "LoopA") -> "LoopB":
        return LoopB()

    services = Services()
    services.provide(loop_a)
    services.provide(loop_b)
    with pytest.raises(ServiceError, match="need each other"):
        services.build_all()

    services = Services()
    services.add(Clock, Clock("UTC"))
    with pytest.raises(ServiceError, match="provided twice"):
        services.provide(make_clock)


class LoopA:
    pass


class LoopB:
    pass


async def test_an_action_may_not_reach_for_the_runtime(make_runtime) -> None:
    rt = await make_runtime(**FLOW_CONFIG)

    async def sneaky(ctx: object, runtime: Runtime) -> None:
        return None

    with pytest.raises(ServiceError, match="not for actions"):
        rt.services.bind(sneaky)
    # The engine got only what it uses: no runtime behind it to reach through.
    assert not any(isinstance(value, Runtime) for value in vars(rt.engine).values())
    assert rt.services.get(Engine) is rt.engine and rt.services.get(Config) is rt.config


async def test_an_action_asking_for_a_service_nobody_provides_stops_the_start(make_runtime) -> None:
    with pytest.raises(ServiceError, match="Pharmacy"):
        await make_runtime(plugins=[*FLOW_CONFIG["plugins"], "tests.engine.bad_service_plugin_for_tests"],
                           flows=FLOW_CONFIG["flows"])


async def opted_out(rt: Runtime, sender: str) -> bool:
    async with rt.db.session() as session:
        return await session.scalar(select(OptOutRow).where(OptOutRow.sender == sender)) is not None


async def test_what_an_action_writes_is_stored_with_the_turn_or_not_at_all(make_runtime) -> None:
    await writes_go_with_the_turn(await make_runtime(**FLOW_CONFIG))


@pytest.mark.postgres
async def test_on_postgres_too_what_an_action_writes_goes_with_the_turn(make_runtime, postgres_url: str) -> None:
    await writes_go_with_the_turn(await make_runtime(database_url=postgres_url, **FLOW_CONFIG))


async def writes_go_with_the_turn(rt: Runtime) -> None:
    assert await say(rt, "/record", sender="kept") == ["完成"]
    assert await opted_out(rt, "kept")

    replies = await rt.engine.handle(UserMessage(channel="rest", sender="lost", text="/record_crash"))
    assert replies and "抱歉" in (replies[-1].text or "")  # the apology of a failed turn
    assert not await opted_out(rt, "lost")  # the failed turn's write went with it
    events = await rt.engine.events("lost")
    assert ev.USER in [e.type for e in events]  # the message itself is kept
    assert not any(e.type == ev.BOT and e.data.get("text") == "完成" for e in events)

    # The failed turn let go of the database: the next turns write as usual.
    assert await say(rt, "/record", sender="after") == ["完成"]
    assert await opted_out(rt, "after")


async def test_a_failed_turn_leaves_no_consultation_behind(make_runtime) -> None:
    """The consultation a turn asks for is written in the turn's transaction: no orphan in the queue."""
    rt = await make_runtime(plugins=[*FLOW_CONFIG["plugins"], "actions.handoff"],
                            flows={**FLOW_CONFIG["flows"], "dir": str(HERE / "handoff_flows")})
    await on_duty(rt, "dr.li", ["general"])
    service = consultations(rt)
    told: list[Any] = []
    ready = asyncio.Event()

    async def listen() -> None:
        async with rt.pubsub.subscribe(topics.department("general")) as queue:
            ready.set()
            async for message in queue:
                told.append(message)

    listener = asyncio.create_task(listen())
    await ready.wait()
    try:
        await say(rt, "/handoff_crash", sender="crashed")
        assert await service.open_for("crashed") is None
        assert await service.queue(["general"]) == []
        async with rt.db.session() as session:
            assert list(await session.scalars(select(JobRow))) == []  # nor its expiry job
        await asyncio.sleep(0.3)
        assert told == []  # nobody was told of a patient who is not there

        await say(rt, "/handoff_ok", sender="kept")
        [entry] = await service.queue(["general"])
        assert entry.consultation.conversation_id == "kept"
        for _ in range(100):
            if told:
                break
            await asyncio.sleep(0.05)
        assert [(m.change, m.consultation.conversation_id) for m in told] == [("requested", "kept")]
    finally:
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
