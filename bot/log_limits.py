"""Rate-limited logging: one line per kind of failure per interval, with how many were held back.

An outage (Redis gone) makes every request and every poller fail the same way many times a
second; the log needs to say so once, not drown the disk and the CPU.
"""
from __future__ import annotations

import logging
import time
from typing import Any

INTERVAL_SECONDS = 10.0
_last: dict[str, tuple[float, int]] = {}


def log_limited(logger: logging.Logger, kind: str, message: str, *args: Any,
                level: int = logging.WARNING, interval: float = INTERVAL_SECONDS) -> bool:
    """Log `message` unless a line of this `kind` was logged in the last `interval`; True when logged."""
    now = time.monotonic()
    last, held_back = _last.get(kind, (float("-inf"), 0))
    if now - last < interval:
        _last[kind] = (last, held_back + 1)
        return False
    _last[kind] = (now, 0)
    if held_back:
        message += " (%d more like it in the last %.0f s)"
        args = (*args, held_back, now - last)
    logger.log(level, message, *args)
    return True
