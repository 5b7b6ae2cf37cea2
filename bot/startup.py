"""Starting `wenzhen serve`: checks that fail with one line, and the line that says the server is up.

A failure before the first request (a bad configuration, an unreachable database or Redis, a port
in use) is told in one line naming what and where, so `serve` can exit 2 instead of printing a
traceback from inside uvicorn.
"""
from __future__ import annotations

import asyncio
import gc
import logging
import os
import socket
import sys
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, AsyncIterator
from urllib.parse import urlsplit, urlunsplit

from bot.config import Config, load_config

if TYPE_CHECKING:
    from fastapi import FastAPI

    from bot.runtime import Runtime

log = logging.getLogger("wenzhen.startup")
# Plugins whose routes are a channel even without an output registered (they answer in the request).
_ROUTE_CHANNELS = {"web": "rest", "console": "console"}


class StartupError(Exception):
    """The server cannot start; the message is the one line to show."""


def redact(url: str) -> str:
    """A service URL fit for a log line: as configured (no async driver), the password replaced by ***."""
    url = url.replace("+aiosqlite", "").replace("+asyncpg", "")
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def first_line(exc: BaseException) -> str:
    """An exception as one short line: its class and the first line of its message."""
    text = str(exc).strip().splitlines()
    return f"{exc.__class__.__name__}: {text[0][:200]}" if text else exc.__class__.__name__


# Open responses get this long to finish after SIGTERM; event streams end at once (bot/draining.py).
GRACEFUL_SHUTDOWN_SECONDS = 8
# How long the event loop's thread may keep the GIL while another thread waits for it (Python's default
# is 5 ms). Embedded SQLite's writer and reader threads need it back after every sqlite3 call; with
# the default a group commit or a cache-miss read waited up to 5 ms each time behind the turns in the
# event loop, and the turns waiting on it with it (p99 78–85 → 62–65 ms at ~1,000 msg/s, same rate).
SWITCH_INTERVAL_SECONDS = 0.0005


def settle_process() -> None:
    """Once a worker has started: keep what start-up built out of every later full collection (the
    NLU froze its objects already; this adds the flows, plugins and pools), and hand the GIL to a
    waiting thread sooner (SWITCH_INTERVAL_SECONDS)."""
    gc.freeze()
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)


def check_port(host: str, port: int) -> None:
    """Fail now if the address cannot be bound, rather than after the runtime has started."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


async def check_services(config: Config) -> None:
    """Reach the database and Redis once; StartupError naming the one that does not answer."""
    from bot.db import Database

    if not config.database_url.startswith("sqlite"):
        database = Database(config.database_url)
        try:
            await asyncio.wait_for(database.ping(), 10)
        except Exception as exc:  # any driver error: the line says which service and why
            raise StartupError(f"cannot reach the database at {redact(config.database_url)}: {first_line(exc)}") from exc
        finally:
            await database.close()
    if config.redis_url:
        import redis.asyncio as aioredis

        client = aioredis.from_url(config.redis_url, socket_connect_timeout=5)
        try:
            await client.ping()
        except Exception as exc:
            raise StartupError(f"cannot reach Redis at {redact(config.redis_url)}: {first_line(exc)}") from exc
        finally:
            await client.aclose()


async def prepare(config: Config) -> None:
    """Reach the services, then migrate a shared database once, here, not by each worker at once."""
    await check_services(config)
    if config.embedded or config.database_url.startswith("sqlite"):
        return  # SQLite is migrated by the runtime that opens it
    from bot.db import Database

    database = Database(config.database_url)
    try:
        await database.upgrade()
    except Exception as exc:  # a migration that cannot run (permissions, a newer schema): one line
        raise StartupError(f"cannot migrate the database at {redact(config.database_url)}: {first_line(exc)}") from exc
    finally:
        await database.close()


def channels_on(runtime: "Runtime") -> list[str]:
    """The channels a started runtime serves: routes that answer in the request, and registered outputs."""
    names = {_ROUTE_CHANNELS[p.name] for p in runtime.plugins if p.name in _ROUTE_CHANNELS}
    return sorted(names | set(runtime.engine.outputs))


def start_line(runtime: "Runtime", host: str, port: int, workers: int = 1) -> str:
    """The one line `serve` prints once it listens: where, with what data, which channels."""
    config = runtime.config
    database = redact(config.database_url)
    redis = redact(config.redis_url) if config.redis_url else "off (in-process)"
    shown_host = f"[{host}]" if ":" in host else host
    who = f"pid {os.getpid()}" + (f", 1 of {workers} workers" if workers > 1 else "")
    return (
        f"wenzhen serving on http://{shown_host}:{port} ({who}) · database {database} · redis {redis}"
        f" · data {config.data_dir} · config {config.path or 'built-in defaults'}"
        f" · channels {', '.join(channels_on(runtime)) or 'none'}"
    )


def log_config(access_log: bool) -> dict[str, Any]:
    """uvicorn's logging: warnings only, plus one line per request when `access_log` is on."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = {**LOGGING_CONFIG, "loggers": {k: dict(v) for k, v in LOGGING_CONFIG["loggers"].items()}}
    config["loggers"]["uvicorn"]["level"] = "WARNING"
    config["loggers"]["uvicorn.error"]["level"] = "WARNING"
    config["loggers"]["uvicorn.access"]["level"] = "INFO" if access_log else "WARNING"
    return config


def serving_app() -> "FastAPI":
    """Factory for several uvicorn workers: the app, which says so in one line once its runtime is up."""
    from bot.app import create_app

    config = load_config()
    app = create_app(config)
    runtime: Runtime = app.state.runtime
    inner = app.router.lifespan_context
    host, port = os.environ.get("WENZHEN_SERVE_ADDRESS", "127.0.0.1:0").rsplit(":", 1)
    workers = int(os.environ.get("WENZHEN_SERVE_WORKERS", "1"))

    @asynccontextmanager
    async def announced(application: Any) -> AsyncIterator[Any]:
        async with inner(application) as state:
            settle_process()  # as in serve_one
            print(start_line(runtime, host, int(port), workers), file=sys.stderr, flush=True)
            yield state

    app.router.lifespan_context = announced
    return app


def serve_one(config: Config, host: str, port: int, access_log: bool) -> None:
    """Serve in this process: the runtime starts before uvicorn (a failure is a StartupError), then the start line."""
    import uvicorn

    server_config = uvicorn.Config(
        "bot.app:app_from_environment", host=host, port=port, log_config=log_config(access_log), access_log=access_log,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    # The event loop uvicorn would choose (uvloop when installed), for the runtime and the server alike.
    with asyncio.Runner(loop_factory=server_config.get_loop_factory()) as runner:
        runner.run(_serve_started(config, server_config))


async def _serve_started(config: Config, server_config: Any) -> None:
    import uvicorn

    from bot.app import create_app
    from bot.config import ConfigError
    from bot.runtime import Runtime

    try:
        runtime = Runtime(config)
        await runtime.start()
    except ConfigError as exc:
        raise StartupError(str(exc)) from exc
    except Exception as exc:  # whatever a plugin's start raised: one line, the traceback at DEBUG
        log.debug("start-up failed", exc_info=exc)
        raise StartupError(f"start-up failed: {first_line(exc)}") from exc
    settle_process()  # what start-up built lives as long as the process
    line = start_line(runtime, server_config.host, server_config.port)

    class Announcing(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                print(line, file=sys.stderr, flush=True)

    try:
        server_config.app = create_app(runtime=runtime)
        await Announcing(server_config).serve()
    finally:
        await runtime.stop()
