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
    # The state snapshot read from the cache together with the lock (Redis), taken once by the store.
    _snapshot: str | bytes | None = field(default=None, repr=False)
    _has_snapshot: bool = field(default=False, repr=False)
    # The new snapshot to write with the release (Redis): (value, ttl in ms).
    _write: tuple[str, int] | None = field(default=None, repr=False)
    _can_write: bool = field(default=False, repr=False)
    # A message to publish with the release (Redis): (channel, data), sent after the lock is given back.
    _publish: tuple[str, str] | None = field(default=None, repr=False)
    _can_publish: bool = field(default=False, repr=False)
    # Whether every holder that takes this lock over fences the store first (`RedisLocks.fence`): then
    # a commit that updates an existing conversation's fence needs no lease check before it.
    fences_takeover: bool = False

    def take_snapshot(self) -> tuple[bool, str | bytes | None]:
        """(whether the cache was read with the lock, what it held); only the first call gets it — a
        reload after a write conflict must read afresh."""
        found = (self._has_snapshot, self._snapshot)
        self._has_snapshot, self._snapshot = False, None
        return found

    def write_with_release(self, value: str, ttl_ms: int) -> bool:
        """Leave the new snapshot to the release (one round trip for both); False if this lock cannot."""
        if not self._can_write:
            return False
        self._write = (value, ttl_ms)
        return True

    def publish_with_release(self, channel: str, data: str) -> bool:
        """Leave a Redis PUBLISH to the release script (one round trip for both; it runs after the turn
        is stored); False if this lock cannot (in-process)."""
        if not self._can_publish:
            return False
        self._publish = (channel, data)
        return True

    @property
    def fenced(self) -> bool:
        """Whether another worker could take this lease over (then the commit checks the token and the lease)."""
        return self.token is not None or self._still_held is not None

    async def verify(self) -> None:
        """Raise LeaseLost unless the lease is still this holder's (called just before a commit)."""
        if self._still_held is not None and not await self._still_held():
            raise LeaseLost(self.key)


class Locks(Protocol):
    def hold(self, key: str, cache_key: str | None = None) -> AbstractAsyncContextManager[Lease]: ...


class MemoryLocks:
    """asyncio.Lock per key (FIFO among waiters), dropped when nobody holds or waits for it."""

    def __init__(self, timeout: float = 30.0) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}
        self.timeout = timeout

    @asynccontextmanager
    async def hold(self, key: str, cache_key: str | None = None) -> AsyncIterator[Lease]:
        """`cache_key` is for locks that can read a shared cache with the lock; in-process, ignored."""
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
#
# An ordinary turn costs two Redis round trips: TAKE (ticket, and — when nobody is ahead — the
# fencing token and the cached state snapshot, read in the same script) and RELEASE (which writes
# the new snapshot first, only while the ticket is still the one served, so a holder that was
# skipped never overwrites its successor's snapshot).
#
# Fencing without a lease check before the commit: a holder that took the lock over — the ticket
# before it was skipped, or the lock's keys were new (ticket 1) — first moves the conversation's
# fence in the store to its own token (`RedisLocks.fence`, the store's `fence_lease`), before it
# reads or writes anything. From then on the store refuses the commit of every earlier holder
# (`wenzhen_append_turns` compares tokens), whether or not it knows it was skipped. A turn that
# creates its conversation still checks its lease (HELD) just before the commit: there is no row
# yet to carry a fence.

# The next fencing token of the deployment. Seeded from the Redis clock in microseconds when the
# counter is missing (a Redis that came back empty), so tokens keep growing past every stored one.
_FENCE_LUA = """
local function fence(key)
  if redis.call('EXISTS', key) == 0 then
    local now = redis.call('TIME')
    redis.call('SET', key, now[1] .. string.format('%06d', now[2]))
  end
  return redis.call('INCR', key)
end
"""
# When `served` is the ticket before ours, the lock is ours: the token and the snapshot come back with it,
# and whether this holder must fence the store before it reads anything: the ticket before it was
# skipped (its holder may be alive, frozen, about to commit), or the lock's keys were new (ticket 1:
# a new conversation, or a Redis that lost them — an earlier holder may still be out there).
# KEYS: served, alive prefix, fence counter, cache key ('' = none), taken-over flag; ARGV: ticket.
_OURS_LUA = """
local function ours(ticket)
  local served = tonumber(redis.call('GET', KEYS[1]) or '0')
  if served ~= ticket - 1 then
    return {served}
  end
  local cached = false
  if KEYS[4] ~= '' then
    cached = redis.call('GET', KEYS[4])
  end
  local over = 0
  if redis.call('DEL', KEYS[5]) == 1 or ticket == 1 then
    over = 1
  end
  return {served, fence(KEYS[3]), cached, over}
end
"""
# KEYS: served, alive prefix, fence counter, cache key, taken-over flag, next; ARGV: alive ttl (ms).
_TAKE = _FENCE_LUA + _OURS_LUA + """
local t = redis.call('INCR', KEYS[6])
redis.call('PEXPIRE', KEYS[6], 86400000)
redis.call('SET', KEYS[2] .. t, '1', 'PX', ARGV[1])
local r = ours(t)
table.insert(r, 1, t)
return r
"""
# A waiter's poll. KEYS as for `ours`; ARGV: ticket.
_CHECK = _FENCE_LUA + _OURS_LUA + """
return ours(tonumber(ARGV[1]))
"""
# Advance `served` past a dead ticket: only if `served` still is what the caller saw. The next holder
# learns it took over (KEYS[3]), and fences the store before it reads or writes.
_SKIP = """
local served = tonumber(redis.call('GET', KEYS[1]) or '0')
if served == tonumber(ARGV[1]) and redis.call('EXISTS', KEYS[2] .. (served + 1)) == 0 then
  redis.call('SET', KEYS[1], served + 1, 'PX', 86400000)
  redis.call('SET', KEYS[3], '1', 'PX', 86400000)
  return 1
end
return 0
"""
# KEYS: served, alive prefix, cache key ('' = none), pub/sub channel ('' = none); ARGV: ticket,
# snapshot ('' = none), its ttl (ms), the message to publish (`Lease.publish_with_release`).
_RELEASE = """
local served = tonumber(redis.call('GET', KEYS[1]) or '0')
if served == tonumber(ARGV[1]) - 1 then
  if KEYS[3] ~= '' and ARGV[2] ~= '' then
    redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[3])
  end
  redis.call('SET', KEYS[1], ARGV[1], 'PX', 86400000)
end
redis.call('DEL', KEYS[2] .. ARGV[1])
if KEYS[4] ~= nil and KEYS[4] ~= '' then
  redis.call('PUBLISH', KEYS[4], ARGV[4])
end
return 1
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
        self._check = redis.register_script(_CHECK)
        self._skip = redis.register_script(_SKIP)
        self._release = redis.register_script(_RELEASE)
        self._held = redis.register_script(_HELD)
        self._heartbeat = _Heartbeat(redis, max(1, int(lease * 1000)), url)
        # `fence(key, token)`: make the store refuse every commit of a lease older than `token` for
        # `key` (the runtime sets the store's `fence_lease`). Called by a holder that took over.
        self.fence: Callable[[str, int], Awaitable[None]] | None = None

    def _keys(self, key: str) -> tuple[str, str, str, str]:
        base = f"{self._prefix}lock:{key}:"
        return base + "next", base + "served", base + "alive:", base + "taken"

    @asynccontextmanager
    async def hold(self, key: str, cache_key: str | None = None) -> AsyncIterator[Lease]:
        """Hold `key`'s lock. With `cache_key` (a Redis key), the value there is read in the same script
        that finds the lock ours (`Lease.take_snapshot`), and a snapshot left with
        `Lease.write_with_release` is written by the release script, while the lock is still ours."""
        next_key, served_key, alive, taken = self._keys(key)
        ours_keys = [served_key, alive, f"{self._prefix}lock:fence", cache_key or "", taken]
        ttl_ms = max(1, int(self.lease * 1000))
        reply = await self._take(keys=[*ours_keys, next_key], args=[ttl_ms])
        ticket = int(reply[0])
        self._heartbeat.add(f"{alive}{ticket}")
        deadline = time.monotonic() + self.timeout
        delay = 0.001
        try:
            result = reply[1:]
            while len(result) == 1:  # not ours yet
                served = int(result[0])
                if served >= ticket:  # this waiter fell silent past its lease and was skipped: queue again
                    self._heartbeat.discard(f"{alive}{ticket}")
                    reply = await self._take(keys=[*ours_keys, next_key], args=[ttl_ms])
                    ticket = int(reply[0])
                    self._heartbeat.add(f"{alive}{ticket}")
                    result = reply[1:]
                    continue
                if time.monotonic() > deadline:
                    raise LockTimeout(key)
                if not await self._skip(keys=[served_key, alive, taken], args=[served]):
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 0.02)
                result = await self._check(keys=ours_keys, args=[ticket])
            token = int(result[1])
            snapshot = result[2] if len(result) > 2 else None
            if len(result) > 3 and int(result[3]) and self.fence is not None:
                # Taken over (or the lock's keys were new): an earlier holder may still be about to
                # commit. Fence it out first; the snapshot read with the lock may predate its last
                # commit, so the state is read from the store instead.
                await self.fence(key, token)
                snapshot = None
        except BaseException:
            await self._give_back(key, served_key, alive, ticket, None)
            raise

        async def still_held() -> bool:
            return bool(await self._held(keys=[served_key, alive], args=[ticket]))

        lease = Lease(key, token, still_held, _snapshot=snapshot, _has_snapshot=cache_key is not None,
                      _can_write=cache_key is not None, _can_publish=True, fences_takeover=self.fence is not None)
        try:
            yield lease
        finally:
            await self._give_back(key, served_key, alive, ticket, (cache_key, lease._write) if cache_key else None,
                                  lease._publish)

    async def _give_back(self, key: str, served_key: str, alive: str, ticket: int,
                         write: tuple[str, tuple[str, int] | None] | None,
                         publish: tuple[str, str] | None = None) -> None:
        # A release that cannot reach Redis must not turn a stored turn into a failed one: the
        # ticket's alive key expires by itself and the next waiter skips it within one lease (and a
        # snapshot not written is caught by the next turn's (conversation_id, seq) conflict).
        self._heartbeat.discard(f"{alive}{ticket}")
        cache_key, value, ttl_ms = "", "", 0
        if write is not None and write[1] is not None:
            cache_key, (value, ttl_ms) = write[0], write[1]
        try:
            if publish is None:
                await self._release(keys=[served_key, alive, cache_key], args=[ticket, value, ttl_ms])
            else:
                await self._release(keys=[served_key, alive, cache_key, publish[0]], args=[ticket, value, ttl_ms, publish[1]])
        except Exception as exc:
            log_limited(log, "lock-release", "conversation lock %s not released (%s); it lapses by itself",
                        key, exc.__class__.__name__)
