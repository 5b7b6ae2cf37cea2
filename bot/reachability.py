"""Start-up check of the shared services: one line naming the one that does not answer."""
from __future__ import annotations

import asyncio
from urllib.parse import urlsplit, urlunsplit

from bot.config import Config

CONNECT_TIMEOUT_SECONDS = 3.0


def without_password(url: str) -> str:
    """The URL as it may be printed: a password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


async def _unreachable(config: Config) -> str | None:
    if config.redis_url:
        import redis.asyncio as aioredis

        client = aioredis.from_url(config.redis_url, socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
                                   socket_timeout=CONNECT_TIMEOUT_SECONDS)
        try:
            await client.ping()
        except Exception as exc:
            return f"cannot reach Redis at {without_password(config.redis_url)} ({_reason(exc)})"
        finally:
            await client.aclose()
    if not config.database_url.startswith("sqlite"):
        from bot.db import Database

        db = Database(config.database_url)
        try:
            await asyncio.wait_for(db.ping(), CONNECT_TIMEOUT_SECONDS * 2)
        except Exception as exc:
            return f"cannot reach the database at {without_password(config.database_url)} ({_reason(exc)})"
        finally:
            await db.close()
    return None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{exc.__class__.__name__}: {text}"[:200] if text else exc.__class__.__name__


def unreachable(config: Config) -> str | None:
    """None when Redis (if configured) and the database (unless embedded SQLite) answer; else why not, in one line."""
    return asyncio.run(_unreachable(config))
