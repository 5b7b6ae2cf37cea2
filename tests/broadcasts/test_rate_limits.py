"""Per-method rate limits: in one process, and shared by every worker through Redis."""
from __future__ import annotations

import pytest

from bot.broadcasts import RateLimiter
from tests.services import redis_prefix


class Clock:
    """A clock that only moves when the limiter sleeps: what the limiter asks for is what we check."""

    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


async def test_calls_beyond_the_rate_are_spaced_one_interval_apart() -> None:
    clock = Clock()
    limiter = RateLimiter(None, "t:", clock=clock, sleep=clock.sleep)
    for _ in range(5):
        await limiter.wait("wechat_cs", 4)
    assert clock.slept == [0.25, 0.25, 0.25, 0.25]
    assert clock.now == pytest.approx(1_001.0)


async def test_each_method_has_its_own_budget_and_no_rate_means_no_wait() -> None:
    clock = Clock()
    limiter = RateLimiter(None, "t:", clock=clock, sleep=clock.sleep)
    await limiter.wait("wechat_mass", 1)
    await limiter.wait("telegram", 1)
    await limiter.wait("wechat_template", None)
    await limiter.wait("wechat_template", 0)
    assert clock.slept == []


@pytest.mark.redis
async def test_with_redis_two_workers_share_one_budget_per_second(redis_url: str) -> None:
    import redis.asyncio as aioredis

    client = aioredis.from_url(redis_url, decode_responses=True)
    prefix = redis_prefix()
    clock = Clock(now=2_000.0)
    workers = [RateLimiter(client, prefix, clock=clock, sleep=clock.sleep) for _ in range(2)]
    try:
        for i in range(6):  # three calls a second allowed; six calls alternate between two workers
            await workers[i % 2].wait("wechat_cs", 3)
        # The fourth call found the window full and waited for the next second.
        assert clock.slept == [1.0]
        assert int(clock.now) == 2_001
    finally:
        keys = await client.keys(prefix + "*")
        if keys:
            await client.delete(*keys)
        await client.aclose()
