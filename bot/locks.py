"""Per-conversation locks: one turn at a time, in arrival order — in-process, or across workers with Redis.

Across workers a holder keeps its lease alive with a heartbeat; a holder that died (`kill -9`)
stops beating and is skipped within `lease` seconds. Every lease carries a fencing token, larger
than any earlier one, which the store checks when the turn commits, so that a holder that lost
its lease (frozen, cut off) cannot write over the turn of the one that took over.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Awaitable, Callable, Protocol

import redis as sync_redis

from bot.log_limits import log_limited

log = logging.getLogger("wenzhen.locks")


class LockTimeout(RuntimeError):
    """The conversation stayed busy longer than the lock timeout."""


class LeaseLost(LockTimeout):
    """The holder's lease ran out before its turn was stored: nothing was written; the turn may be retried."""


@dataclass
class Lease:
    """What a holder has: its fencing token (None in-process, where no other worker can take over)."""

    key: str
    token: int | None = None
    _still_held: Callable[[], Awaitable[bool]] | None = field(default=None, repr=False)

    @property
    def fenced(self) -> bool:
        """Whether another worker could take this lease over (then the commit checks the token and the lease)."""
        return self.token is not None or self._still_held is not None

    async def verify(self) -> None:
        """Raise LeaseLost unless the lease is still this holder's (called just before a commit)."""
        if self._still_held is not None and not await self._still_held():
            raise LeaseLost(self.key)


class Locks(Protocol):
    def hold(self, key: str) -> AbstractAsyncContextManager[Lease]: ...


class MemoryLocks:
    """asyncio.Lock per key (FIFO among waiters), dropped when nobody holds or waits for it."""

    def __init__(self, timeout: float = 30.0) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self.timeout = timeout

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[Lease]:
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
                yield Lease(key)
            finally:
                lock.release()
        finally:
            lock_, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock_, users - 1)


# A fair ticket lock in Redis. Arrival = the moment INCR hands out a ticket; tickets are served in
# order. A waiter or holder whose process died stops refreshing its `alive` key, and is skipped.
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
# The next fencing token of the deployment. Seeded from the Redis clock in microseconds when the
# counter is missing (a Redis that came back empty), so tokens keep growing past every stored one.
_FENCE = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  local now = redis.call('TIME')
  redis.call('SET', KEYS[1], now[1] .. string.format('%06d', now[2]))
end
return redis.call('INCR', KEYS[1])
"""
# Still the holder: our ticket is the one being served and our alive key is still there.
_HELD = """
local served = tonumber(redis.call('GET', KEYS[1]) or '0')
if served == tonumber(ARGV[1]) - 1 and redis.call('EXISTS', KEYS[2] .. ARGV[1]) == 1 then
  return 1
end
return 0
"""


class _Heartbeat:
    """Renews the alive keys of this process's tickets from a thread of its own.

    A thread, not a task: a turn may keep the event loop busy (parsing, a slow query) for longer
    than a lease, and a busy worker is not a dead one. Only a dead process stops beating.
    """

    def __init__(self, redis: Any, ttl_ms: int, url: str | None = None) -> None:
        timeouts = {"socket_timeout": max(0.2, ttl_ms / 3000), "socket_connect_timeout": max(0.2, ttl_ms / 3000)}
        if url:  # the deployment's own URL: TLS, sockets and credentials as configured
            self._client = sync_redis.Redis.from_url(url, **timeouts)
        else:
            kwargs = redis.connection_pool.connection_kwargs
            self._client = sync_redis.Redis(
                **{k: kwargs[k] for k in ("host", "port", "db", "username", "password") if kwargs.get(k) is not None},
                **timeouts,
            )
        self._ttl_ms = ttl_ms
        self._keys: set[str] = set()
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None

    def add(self, key: str) -> None:
        with self._guard:
            self._keys.add(key)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="wenzhen-lock-heartbeat", daemon=True)
                self._thread.start()

    def discard(self, key: str) -> None:
        with self._guard:
            self._keys.discard(key)

    def _run(self) -> None:
        while True:
            time.sleep(self._ttl_ms / 3000)
            with self._guard:
                keys = list(self._keys)
                if not keys:  # nothing held or awaited: stop; the next hold starts a new beat
                    self._thread = None
                    return
            try:
                pipe = self._client.pipeline(transaction=False)
                for key in keys:
                    pipe.pexpire(key, self._ttl_ms)
                pipe.execute()
            except Exception as exc:  # Redis away: the commit's lease check decides
                log_limited(log, "lock-heartbeat", "lock heartbeat failed (%s)", exc.__class__.__name__)


class RedisLocks:
    """Per-conversation FIFO across processes: a ticket lock in Redis with short, beating leases.

    `timeout`: how long a message waits for a live holder before giving up (LockTimeout).
    `lease`: how long a silent holder or waiter keeps its place; the heartbeat renews it every
    third of that, so a dead one is skipped within `lease` seconds.
    """

    def __init__(self, redis: Any, prefix: str, timeout: float = 30.0, lease: float = 1.5, url: str | None = None) -> None:
        self._redis = redis
        self._prefix = prefix
        self.timeout = timeout
        self.lease = lease
        self._take = redis.register_script(_TAKE)
        self._skip = redis.register_script(_SKIP)
        self._release = redis.register_script(_RELEASE)
        self._fence = redis.register_script(_FENCE)
        self._held = redis.register_script(_HELD)
        self._heartbeat = _Heartbeat(redis, max(1, int(lease * 1000)), url)

    def _keys(self, key: str) -> tuple[str, str, str]:
        base = f"{self._prefix}lock:{key}:"
        return base + "next", base + "served", base + "alive:"

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[Lease]:
        next_key, served_key, alive = self._keys(key)
        ttl_ms = max(1, int(self.lease * 1000))
        ticket = int(await self._take(keys=[next_key, served_key, alive], args=[ttl_ms]))
        self._heartbeat.add(f"{alive}{ticket}")
        deadline = time.monotonic() + self.timeout
        delay = 0.001
        try:
            while True:
                served = int(await self._redis.get(served_key) or 0)
                if served == ticket - 1:
                    break
                if served >= ticket:  # this waiter fell silent past its lease and was skipped: queue again
                    self._heartbeat.discard(f"{alive}{ticket}")
                    ticket = int(await self._take(keys=[next_key, served_key, alive], args=[ttl_ms]))
                    self._heartbeat.add(f"{alive}{ticket}")
                    continue
                if time.monotonic() > deadline:
                    raise LockTimeout(key)
                if await self._skip(keys=[served_key, alive], args=[served]):
                    continue
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.02)
            token = int(await self._fence(keys=[f"{self._prefix}lock:fence"]))
        except BaseException:
            await self._give_back(key, served_key, alive, ticket)
            raise

        async def still_held() -> bool:
            return bool(await self._held(keys=[served_key, alive], args=[ticket]))

        try:
            yield Lease(key, token, still_held)
        finally:
            await self._give_back(key, served_key, alive, ticket)

    async def _give_back(self, key: str, served_key: str, alive: str, ticket: int) -> None:
        # A release that cannot reach Redis must not turn a stored turn into a failed one: the
        # ticket's alive key expires by itself and the next waiter skips it within one lease.
        self._heartbeat.discard(f"{alive}{ticket}")
        try:
            await self._release(keys=[served_key, alive], args=[ticket])
        except Exception as exc:
            log_limited(log, "lock-release", "conversation lock %s not released (%s); it lapses by itself",
                        key, exc.__class__.__name__)
