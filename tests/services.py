"""Finding PostgreSQL and Redis for the tests: real servers, skipped on a laptop without them, never under CI."""
from __future__ import annotations

import os
import socket
import uuid
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get("WENZHEN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("WENZHEN_TEST_REDIS", "redis://127.0.0.1:6379/0")


def reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 0), timeout=1):
            return True
    except OSError:
        return False


def require(url: str, what: str) -> None:
    """Skip (or, under CI=true, fail) when the service is not there."""
    if reachable(url):
        return
    if IN_CI:
        pytest.fail(f"{what} at {url} is not reachable, and CI=true forbids skipping")
    pytest.skip(f"{what} not reachable at {url} (set WENZHEN_TEST_{what.upper()} or start it)")


async def create_postgres_database() -> str:
    """A fresh, empty database on the test server; returns its asyncpg SQLAlchemy URL."""
    import asyncpg

    require(POSTGRES_URL, "postgres")
    name = "wz_" + uuid.uuid4().hex[:12]
    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = POSTGRES_URL.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)


async def drop_postgres_database(url: str) -> None:
    import asyncpg

    name = url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(POSTGRES_URL)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def redis_prefix() -> str:
    """Each test gets its own key namespace, so parallel runs never see each other's keys."""
    return f"wzt:{uuid.uuid4().hex[:10]}:"
