"""What a request meets when Redis or the database is away: 503 with Retry-After, one log line per interval.

A client cannot fix an outage and must not be told its request was wrong; it may retry (WeChat
and the REST front ends do). Nothing half-done is stored: the turn's transaction did not commit
(a turn that did commit answers normally — see ConversationStore.append).
"""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.log_limits import log_limited

log = logging.getLogger("wenzhen.outage")
RETRY_AFTER_SECONDS = 5

_SERVICE_OF: dict[type[Exception], str] = {
    RedisConnectionError: "redis",
    RedisTimeoutError: "redis",
    OperationalError: "database",
    InterfaceError: "database",
    ConnectionRefusedError: "database",
}


def unavailable(service: str) -> JSONResponse:
    return JSONResponse(
        {"error": f"{service} unavailable", "reason": "服务暂时不可用，请稍后再发（service temporarily unavailable）"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def service_of(exc: BaseException) -> str | None:
    """The service an exception says is away ("redis", "database"), as the app's handlers match it, or None."""
    for cls in type(exc).__mro__:
        if cls in _SERVICE_OF:
            return _SERVICE_OF[cls]
    return None


def log_outage(service: str, exc: BaseException) -> None:
    log_limited(log, f"outage-{service}", "%s unavailable (%s: %s); answering 503",
                service, exc.__class__.__name__, str(exc)[:200], level=logging.ERROR)


def install_outage_handlers(app: FastAPI) -> None:
    """Answer 503 + Retry-After for Redis and database outages, logging one line per kind per interval."""
    for exc_type, service in _SERVICE_OF.items():

        async def handler(request: Request, exc: Exception, service: str = service) -> JSONResponse:
            log_outage(service, exc)
            return unavailable(service)

        app.add_exception_handler(exc_type, handler)
