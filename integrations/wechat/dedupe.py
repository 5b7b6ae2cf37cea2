"""Claiming an inbound message exactly once, across WeChat's retries and across workers.

WeChat resends a message it got no answer to (three tries). The first request to claim a
message's key owns it: it answers, passively or later through the customer-service API.
Every other copy answers `success` at once. With Redis the claim is a SET NX shared by all
workers; embedded, a dict in the one process. The engine's message_id is the second guard:
a turn is stored once per MsgId even if two claims ever raced.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wechatpy.messages import BaseMessage


def message_key(message: BaseMessage) -> str:
    """MsgId for messages; events have none, so WeChat's own rule applies: FromUserName + CreateTime."""
    if message.type != "event" and message.id:
        return f"msg:{message.id}"
    # The event and its key are added: two different menu taps within one second are two events.
    event_key = getattr(message, "key", None) or getattr(message, "scene_id", None) or ""
    return f"evt:{message.source}:{message.time}:{getattr(message, 'event', '')}:{event_key}"


class MemoryClaims:
    """One process: remembered keys with an expiry."""

    def __init__(self, ttl_seconds: int) -> None:
        self._ttl = ttl_seconds
        self._seen: dict[str, float] = {}

    async def claim(self, key: str) -> bool:
        now = time.monotonic()
        if len(self._seen) > 10_000:
            self._seen = {k: t for k, t in self._seen.items() if t > now}
        expires = self._seen.get(key)
        if expires is not None and expires > now:
            return False
        self._seen[key] = now + self._ttl
        return True

    async def release(self, key: str) -> None:
        self._seen.pop(key, None)


class RedisClaims:
    """Many workers: SET NX EX under the deployment's key prefix."""

    def __init__(self, redis: Any, prefix: str, ttl_seconds: int) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl = ttl_seconds

    async def claim(self, key: str) -> bool:
        return bool(await self._redis.set(self._prefix + key, "1", nx=True, ex=self._ttl))

    async def release(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)
