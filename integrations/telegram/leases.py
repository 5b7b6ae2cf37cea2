"""Leases in Redis: one worker holds a named job (polling the bot, relaying a doctor's topic) at a time.

The holder renews its lease while it works; if it dies the lease lapses and another worker takes
the job. Without Redis there is one process, which always holds every lease.
"""
from __future__ import annotations

from typing import Any


async def hold(redis: Any, key: str, holder: str, seconds: int) -> bool:
    """Take the lease or renew it if `holder` has it; False while another holder's lease runs."""
    if redis is None:
        return True
    if await redis.set(key, holder, nx=True, ex=seconds):
        return True
    if await redis.get(key) != holder:
        return False
    await redis.expire(key, seconds)
    return True


async def release(redis: Any, key: str, holder: str) -> None:
    """Give the lease up at once (on a clean stop), so another worker need not wait for it to lapse."""
    if redis is not None and await redis.get(key) == holder:
        await redis.delete(key)
