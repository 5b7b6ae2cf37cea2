"""A per-method rate limit: across workers with Redis, else in this process."""
from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable


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
