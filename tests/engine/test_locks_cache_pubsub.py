"""Per-conversation locks, the state cache and pub/sub: in-process and on a real Redis."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
import redis.asyncio as aioredis

from bot.cache import MemoryCache, RedisCache
from bot.locks import LockTimeout, MemoryLocks, RedisLocks
from bot.pubsub import MemoryPubSub, RedisPubSub
from bot.wire import wire
from tests.services import redis_prefix


@pytest.fixture
async def redis_client(redis_url: str):
    client = aioredis.from_url(redis_url, decode_responses=True)
    yield client
    await client.aclose()


async def _order_of(locks, key: str, n: int) -> list[int]:
    order: list[int] = []

    async def worker(i: int) -> None:
        await asyncio.sleep(i * 0.005)  # arrivals in order 0, 1, 2, …
        async with locks.hold(key):
            order.append(i)
            await asyncio.sleep(0.01)

    await asyncio.gather(*(worker(i) for i in range(n)))
    return order


async def test_memory_lock_serves_waiters_in_arrival_order() -> None:
    assert await _order_of(MemoryLocks(), "c", 10) == list(range(10))


async def test_memory_lock_forgets_keys_nobody_uses() -> None:
    locks = MemoryLocks()
    async with locks.hold("c"):
        pass
    assert locks._locks == {}


async def test_memory_lock_times_out_when_held_too_long() -> None:
    locks = MemoryLocks(timeout=0.05)
    async with locks.hold("c"):
        with pytest.raises(LockTimeout):
            async with locks.hold("c"):
                pass


@pytest.mark.redis
async def test_redis_lock_serves_waiters_in_arrival_order_across_clients(redis_client, redis_url) -> None:
    other = aioredis.from_url(redis_url, decode_responses=True)
    prefix = redis_prefix()
    a, b = RedisLocks(redis_client, prefix), RedisLocks(other, prefix)
    next_key = f"{prefix}lock:conv:next"
    order: list[int] = []

    async def worker(i: int) -> None:
        async with (a if i % 2 else b).hold("conv"):
            order.append(i)

    async with a.hold("conv"):  # ticket 1: everybody else queues behind it
        tasks = []
        for i in range(10):
            tasks.append(asyncio.create_task(worker(i)))
            while int(await redis_client.get(next_key) or 0) < i + 2:  # worker i has taken its ticket
                await asyncio.sleep(0.001)
    await asyncio.gather(*tasks)
    await other.aclose()
    assert order == list(range(10))


@pytest.mark.redis
async def test_redis_lock_skips_a_ticket_whose_holder_died(redis_client) -> None:
    prefix = redis_prefix()
    locks = RedisLocks(redis_client, prefix, timeout=5)
    # A process takes ticket 1 and dies without releasing: its alive key is gone.
    await redis_client.incr(f"{prefix}lock:conv:next")
    async with locks.hold("conv"):
        assert await redis_client.get(f"{prefix}lock:conv:served") == "1"  # ticket 1 was skipped
    assert await redis_client.get(f"{prefix}lock:conv:served") == "2"


@pytest.mark.redis
async def test_redis_lock_times_out_while_a_live_holder_keeps_it(redis_client) -> None:
    prefix = redis_prefix()
    locks = RedisLocks(redis_client, prefix, timeout=0.3)
    async with locks.hold("conv"):
        with pytest.raises(LockTimeout):
            async with locks.hold("conv"):
                pass
    async with locks.hold("conv"):  # the timed-out waiter gave its ticket back
        pass


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_cache_round_trips_and_is_isolated_from_callers(kind: str, request) -> None:
    if kind == "redis":
        client = aioredis.from_url(request.getfixturevalue("redis_url"), decode_responses=True)
        cache = RedisCache(client, redis_prefix())
    else:
        cache = MemoryCache(max_items=2)
    value = {"slots": {"温度": 38.5}, "seq": 3}
    await cache.set("a", value)
    value["seq"] = 99
    assert await cache.get("a") == {"slots": {"温度": 38.5}, "seq": 3}
    await cache.delete("a")
    assert await cache.get("a") is None
    if kind == "redis":
        await client.aclose()


async def test_memory_cache_evicts_the_least_recently_used() -> None:
    cache = MemoryCache(max_items=2)
    await cache.set("a", {"v": 1})
    await cache.set("b", {"v": 2})
    await cache.get("a")
    await cache.set("c", {"v": 3})
    assert await cache.get("b") is None and await cache.get("a") == {"v": 1}


@wire("test.queue_event")
@dataclass(frozen=True)
class QueueEvent:
    event: str
    name: str


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_pubsub_delivers_to_every_subscriber_of_the_topic(kind: str, request) -> None:
    client = None
    if kind == "redis":
        client = aioredis.from_url(request.getfixturevalue("redis_url"), decode_responses=True)
        bus = RedisPubSub(client, redis_prefix())
    else:
        bus = MemoryPubSub()
    async with bus.subscribe("queue") as first, bus.subscribe("queue") as second, bus.subscribe("other") as other:
        await asyncio.sleep(0.05)
        await bus.publish("queue", QueueEvent("waiting", "张三"))
        got = await asyncio.wait_for(asyncio.gather(anext(first), anext(second)), 5)
        assert got == [QueueEvent("waiting", "张三")] * 2  # the same typed message, through the codec
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(anext(other), 0.2)
    if client is not None:
        await client.aclose()
