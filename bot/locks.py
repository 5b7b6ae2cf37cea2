"""Per-conversation locks: one turn at a time, in arrival order — in-process, or across workers with Redis."""
from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager
from typing import AsyncIterator, Protocol


class LockTimeout(RuntimeError):
    """The conversation stayed busy longer than the lock timeout."""


class Locks(Protocol):
    def hold(self, key: str) -> "AsyncIterator[None]": ...


class MemoryLocks:
    """asyncio.Lock per key (FIFO among waiters), dropped when nobody holds or waits for it."""

    def __init__(self, timeout: float = 30.0) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self.timeout = timeout

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            try:
                await asyncio.wait_for(lock.acquire(), self.timeout)
            except asyncio.TimeoutError:
                raise LockTimeout(key) from None
            try:
                yield
            finally:
                lock.release()
        finally:
            lock_, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock_, users - 1)


# A fair ticket lock in Redis. Arrival = the moment INCR hands out a ticket; tickets are served in
# order. A waiter whose process died stops refreshing its `alive` key, and is skipped.
_TAKE = """
local t = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], 86400000)
redis.call('SET', KEYS[3] .. t, '1', 'PX', ARGV[1])
return t
"""
# Advance `served` past a dead ticket: only if `served` still is what the caller saw.
_SKIP = """
local served = tonumber(redis.call('GET', KEYS[1]) or '0')
if served == tonumber(ARGV[1]) and redis.call('EXISTS', KEYS[2] .. (served + 1)) == 0 then
  redis.call('SET', KEYS[1], served + 1, 'PX', 86400000)
  return 1
end
return 0
"""
_RELEASE = """
local served = tonumber(redis.call('GET', KEYS[1]) or '0')
if served == tonumber(ARGV[1]) - 1 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', 86400000)
end
redis.call('DEL', KEYS[2] .. ARGV[1])
return 1
"""


class RedisLocks:
    """Per-conversation FIFO across processes: a ticket lock in Redis."""

    def __init__(self, redis: "object", prefix: str, timeout: float = 30.0) -> None:
        self._redis = redis
        self._prefix = prefix
        self.timeout = timeout
        self._take = redis.register_script(_TAKE)  # type: ignore[attr-defined]
        self._skip = redis.register_script(_SKIP)  # type: ignore[attr-defined]
        self._release = redis.register_script(_RELEASE)  # type: ignore[attr-defined]

    def _keys(self, key: str) -> tuple[str, str, str]:
        base = f"{self._prefix}lock:{key}:"
        return base + "next", base + "served", base + "alive:"

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        next_key, served_key, alive = self._keys(key)
        ttl_ms = int(self.timeout * 1000)
        ticket = int(await self._take(keys=[next_key, served_key, alive], args=[ttl_ms]))
        deadline = time.monotonic() + self.timeout
        delay = 0.001
        last_refresh = time.monotonic()
        try:
            while True:
                served = int(await self._redis.get(served_key) or 0)  # type: ignore[attr-defined]
                if served >= ticket - 1:
                    break
                if time.monotonic() > deadline:
                    raise LockTimeout(key)
                if await self._skip(keys=[served_key, alive], args=[served]):
                    continue
                if time.monotonic() - last_refresh > self.timeout / 3:
                    await self._redis.pexpire(f"{alive}{ticket}", ttl_ms)  # type: ignore[attr-defined]
                    last_refresh = time.monotonic()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.02)
        except BaseException:
            await self._release(keys=[served_key, alive], args=[ticket])
            raise
        # While the turn runs, keep the ticket alive, so that only a dead holder is ever skipped.
        heartbeat = asyncio.create_task(self._keep_alive(f"{alive}{ticket}", ttl_ms))
        try:
            yield
        finally:
            heartbeat.cancel()
            await self._release(keys=[served_key, alive], args=[ticket])

    async def _keep_alive(self, key: str, ttl_ms: int) -> None:
        while True:
            await asyncio.sleep(ttl_ms / 3000)
            await self._redis.pexpire(key, ttl_ms)  # type: ignore[attr-defined]
