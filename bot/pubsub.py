"""Publish/subscribe for live updates (queue changes, chat relay): in-process, or Redis across workers.

Messages are frozen dataclasses registered with `bot.wire`; both implementations carry them through
the same codec (JSON), so what a subscriber receives is the same typed message on one worker or many.
"""
from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, AsyncIterator, Protocol

from bot import wire


class PubSub(Protocol):
    async def publish(self, topic: str, message: Any) -> None: ...

    def subscribe(self, topic: str) -> Any: ...  # an async context manager yielding an async iterator of messages

    async def close(self) -> None: ...


class MemoryPubSub:
    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[str]]] = {}

    async def publish(self, topic: str, message: Any) -> None:
        data = wire.dumps(message)
        for queue in list(self._subscribers.get(topic, ())):
            queue.put_nowait(data)

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[AsyncIterator[Any]]:
        queue: asyncio.Queue[str] = asyncio.Queue()
        self._subscribers.setdefault(topic, set()).add(queue)

        async def messages() -> AsyncIterator[Any]:
            while True:
                yield wire.loads(await queue.get())

        try:
            yield messages()
        finally:
            self._subscribers[topic].discard(queue)
            if not self._subscribers[topic]:
                del self._subscribers[topic]

    async def close(self) -> None:
        self._subscribers.clear()


@dataclass
class Wake:
    """A message to publish once a turn is stored (`RedisPubSub.wake`): the engine leaves it to the
    conversation lock's release script (`Lease.publish_with_release`, one Redis round trip for both)
    and marks it `sent`; if it could not, the caller publishes it as before."""

    channel: str  # the Redis channel, prefix included
    data: str
    sent: bool = False


class RedisPubSub:
    def __init__(self, redis: Any, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix + "pubsub:"

    def wake(self, topic: str, message: Any) -> Wake:
        """What `publish(topic, message)` sends, to be sent by the lock's release instead."""
        return Wake(self._prefix + topic, wire.dumps(message))

    async def publish(self, topic: str, message: Any) -> None:
        await self._redis.publish(self._prefix + topic, wire.dumps(message))

    @asynccontextmanager
    async def subscribe(self, topic: str) -> AsyncIterator[AsyncIterator[Any]]:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(self._prefix + topic)

        async def messages() -> AsyncIterator[Any]:
            while True:
                item = await pubsub.get_message(ignore_subscribe_messages=True, timeout=1.0)
                if item is not None and item.get("type") == "message":
                    yield wire.loads(item["data"])

        try:
            yield messages()
        finally:
            await pubsub.unsubscribe()
            await pubsub.aclose()

    async def close(self) -> None:
        return None
