"""One listening task per pub/sub topic, re-subscribing when Redis goes away for a moment."""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable

from bot.consultations import Notice
from bot.prescriptions.notices import PrescriptionRejected

log = logging.getLogger("wenzhen.telegram")

Handler = Callable[[str, Notice | PrescriptionRejected], Awaitable[None]]


class Subscriptions:
    """One listening task per pub/sub topic; `ensure` adds and drops topics to match a wanted set."""

    def __init__(self, pubsub: Any, handler: Handler) -> None:
        self._pubsub = pubsub
        self._handler = handler
        self._tasks: dict[str, asyncio.Task[None]] = {}

    @property
    def topics(self) -> set[str]:
        return set(self._tasks)

    async def ensure(self, wanted: set[str]) -> None:
        """Listen to exactly the topics of `wanted`; returns once the new ones are subscribed."""
        for topic in self.topics - wanted:
            self._tasks.pop(topic).cancel()
        for topic in wanted - self.topics:
            await self.add(topic)

    async def add(self, topic: str) -> None:
        if topic in self._tasks:
            return
        ready = asyncio.Event()
        self._tasks[topic] = asyncio.create_task(self._listen(topic, ready), name=f"telegram:{topic}")
        await ready.wait()

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        for task in tasks:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass

    async def _listen(self, topic: str, ready: asyncio.Event) -> None:
        while True:
            try:
                async with self._pubsub.subscribe(topic) as messages:
                    ready.set()
                    async for message in messages:
                        try:
                            await self._handler(topic, message)
                        except Exception:
                            log.exception("telegram: handling a %s message failed", topic)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Redis went away for a moment: subscribe again rather than go deaf.
                log.exception("telegram: subscription to %s failed; retrying", topic)
                ready.set()
                await asyncio.sleep(1.0)
