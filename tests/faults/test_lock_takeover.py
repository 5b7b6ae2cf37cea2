"""A conversation held by a dead worker is taken over within 2 s; a holder that lost its lease cannot write."""
from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from bot.events import Event
from bot.locks import LeaseLost, RedisLocks
from bot.messages import UserMessage, conversation_id_for
from tests.conftest import PROJECT_CONFIG

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
WEBHOOK = "/webhooks/rest/webhook"
TAKEOVER_LIMIT_SECONDS = 2.0


async def test_a_holder_that_lost_its_lease_cannot_store_its_turn(make_runtime: Any, postgres_url: str,
                                                                  redis_url: str) -> None:
    runtime = await make_runtime(database_url=postgres_url, redis_url=redis_url)
    cid = conversation_id_for("rest", "zombie")
    await runtime.engine.handle(UserMessage(channel="rest", sender="zombie", text="你好"))
    other = RedisLocks(runtime.redis, runtime.redis_prefix, timeout=10, lease=0.5)
    other.fence = runtime.store.fence_lease  # as every runtime's locks: a holder that takes over fences first
    async with runtime.locks.hold(cid) as zombie:
        state = await runtime.store.load(cid)
        # The zombie freezes: its ticket's alive key lapses, as when its heartbeat stops.
        for key in await runtime.redis.keys(f"{runtime.redis_prefix}lock:{cid}:alive:*"):
            await runtime.redis.delete(key)
        async with other.hold(cid) as successor:
            assert successor.token > zombie.token
            late = Event("action", {"name": "zombie"}, actor="system")
            with pytest.raises(LeaseLost):  # it wakes up and tries to store its turn: refused, nothing written
                await runtime.store.append(state, [late], state.copy(), zombie)
            after = state.copy()
            event = Event("action", {"name": "successor"}, actor="system")
            after.apply(event)
            await runtime.store.append(state, [event], after, successor)
        with pytest.raises(LeaseLost):  # and again once the successor is done
            fresh = await runtime.store.load(cid)
            await runtime.store.append(fresh, [late], fresh.copy(), zombie)
    names = [e.data.get("name") for e in await runtime.store.events(cid) if e.type == "action"]
    assert "successor" in names and "zombie" not in names


def _with_slow_plugin(path: Path) -> dict[str, Any]:
    plugins = yaml.safe_load(PROJECT_CONFIG.read_text(encoding="utf-8"))["plugins"]
    return {"plugins": [*plugins, "tests.faults.slow_turn_plugin"]}


async def test_a_worker_killed_mid_turn_is_taken_over_within_two_seconds(
        start_server: Any, postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    overrides = {**_with_slow_plugin(tmp_path), "redis": {"prefix": f"wzt:takeover:{time.time_ns()}:"}}
    a = start_server(database_url=postgres_url, redis_url=redis_url, **overrides)
    b = start_server(database_url=postgres_url, redis_url=redis_url, **overrides)
    async with httpx.AsyncClient(timeout=60) as http:
        assert (await http.post(b.url + WEBHOOK, json={"sender": "victim", "message": "你好"})).status_code == 200
        started = time.perf_counter()
        assert (await http.post(b.url + WEBHOOK, json={"sender": "warm", "message": "你好"})).status_code == 200
        usual_turn = time.perf_counter() - started

        stalled = asyncio.create_task(http.post(a.url + WEBHOOK, json={"sender": "victim", "message": "请慢一点"}))
        marker = tmp_path / "slow-turn-started"
        while not marker.exists():
            await asyncio.sleep(0.02)
        a.kill()  # kill -9 while it holds the conversation
        with pytest.raises(httpx.HTTPError):
            await stalled

        started = time.perf_counter()
        reply = await http.post(b.url + WEBHOOK, json={"sender": "victim", "message": "你好"})
        elapsed = time.perf_counter() - started
        assert reply.status_code == 200 and reply.json()
        waited = elapsed - usual_turn
        print(f"\nnext turn after kill -9: {elapsed:.2f} s (a usual turn {usual_turn:.2f} s; waited {waited:.2f} s)")
        assert waited <= TAKEOVER_LIMIT_SECONDS
        events = (await http.get(b.url + "/conversations/victim/tracker")).json()["events"]
        assert [e["text"] for e in events if e["event"] == "user"] == ["你好", "你好"]  # the killed turn left nothing
