"""A small key → JSON cache for conversation state: in-process (bounded LRU) or Redis."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Protocol

import orjson


def dumps(value: Any) -> str:
    """A state snapshot's JSON (orjson: several times faster than json for a turn's snapshot)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def loads(raw: str | bytes) -> Any:
    return orjson.loads(raw)


class Cache(Protocol):
    async def get(self, key: str) -> dict[str, Any] | None: ...
    async def set(self, key: str, value: dict[str, Any]) -> None: ...
    async def delete(self, key: str) -> None: ...
    def shared_key(self, key: str) -> str | None:
        """The Redis key that holds `key` (for the lock's scripts to read and write with the lock), or None."""


class MemoryCache:
    def __init__(self, max_items: int = 10_000) -> None:
        self._items: OrderedDict[str, str] = OrderedDict()
        self._max = max_items

    async def get(self, key: str) -> dict[str, Any] | None:
        raw = self._items.get(key)
        if raw is None:
            return None
        self._items.move_to_end(key)
        return loads(raw)

    async def set(self, key: str, value: dict[str, Any]) -> None:
        # Stored serialised, so a caller mutating its copy never changes the cache.
        self._items[key] = dumps(value)
        self._items.move_to_end(key)
        while len(self._items) > self._max:
            self._items.popitem(last=False)

    async def delete(self, key: str) -> None:
        self._items.pop(key, None)

    def shared_key(self, key: str) -> str | None:
        return None


class RedisCache:
    def __init__(self, redis: Any, prefix: str, ttl_seconds: int = 86_400) -> None:
        self._redis = redis
        self._prefix = prefix + "cache:"
        self._ttl = ttl_seconds

    async def get(self, key: str) -> dict[str, Any] | None:
        raw = await self._redis.get(self._prefix + key)
        return loads(raw) if raw else None

    async def set(self, key: str, value: dict[str, Any]) -> None:
        await self._redis.set(self._prefix + key, dumps(value), ex=self._ttl)

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)

    def shared_key(self, key: str) -> str | None:
        return self._prefix + key

    @property
    def ttl_ms(self) -> int:
        return self._ttl * 1000
