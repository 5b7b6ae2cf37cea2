"""The Redis-stream task broker, made to outlive Redis outages.

taskiq_redis's stream broker declares its stream and consumer group once, at start-up. When Redis
goes away its listener raises on every read, and taskiq restarts it at once (a hot loop, a log
line each time); when Redis comes back empty, every read fails with NOGROUP for good. Here the
listener waits with a growing pause while Redis is away, logs one line per kind per interval, and
declares the stream and group again whenever they are missing.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from taskiq import AckableMessage
from taskiq_redis import RedisStreamBroker

from bot.log_limits import log_limited

log = logging.getLogger("wenzhen.jobs")
MAX_PAUSE_SECONDS = 5.0


class ResilientStreamBroker(RedisStreamBroker):
    """A RedisStreamBroker whose listener survives Redis restarts (see the module docstring)."""

    async def listen(self) -> AsyncGenerator[AckableMessage, None]:
        pause = 0.2
        while True:
            try:
                async for message in super().listen():
                    pause = 0.2
                    yield message
            except ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                log_limited(log, "jobs-nogroup", "the job stream or its group is gone (Redis restarted?); declaring it again")
                await self._redeclare()
            except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
                log_limited(log, "jobs-redis-down", "the job queue cannot reach Redis (%s); waiting for it",
                            exc.__class__.__name__, level=logging.ERROR)
                await asyncio.sleep(pause)
                pause = min(pause * 2, MAX_PAUSE_SECONDS)
                await self._redeclare()

    async def _redeclare(self) -> None:
        try:
            await self._declare_consumer_group()
        except (RedisConnectionError, RedisTimeoutError, OSError):
            pass  # still away: the next read says so
