"""Fixtures of the fault tests: a runtime on SQLite or PostgreSQL, and a console client signed in as admin."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from bot.app import create_app
from bot.runtime import Runtime
from tests.console.helpers import PASSWORD, on_duty
from tests.services import create_postgres_database, drop_postgres_database
from tests.wechat.conftest import make_wechat, wechat_api, wechat_env  # noqa: F401  (the WeChat platform fixtures)


@pytest.fixture(params=["sqlite", "postgres"])
async def store_runtime(request: pytest.FixtureRequest, make_runtime: Any) -> AsyncIterator[Runtime]:
    """A started runtime on SQLite, then on PostgreSQL (which refuses what SQLite quietly keeps)."""
    if request.param == "sqlite":
        yield await make_runtime()
        return
    url = await create_postgres_database()
    runtime = await make_runtime(database_url=url)
    yield runtime
    await runtime.stop()
    await drop_postgres_database(url)


@pytest.fixture
async def http(store_runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTPS client on the app (console cookies are Secure)."""
    transport = httpx.ASGITransport(app=create_app(runtime=store_runtime))
    async with httpx.AsyncClient(transport=transport, base_url="https://wenzhen.test") as client:
        yield client


@pytest.fixture
async def admin_http(store_runtime: Runtime, http: httpx.AsyncClient) -> httpx.AsyncClient:
    """`http` signed in as an administrator, with the CSRF header set."""
    await on_duty(store_runtime, "admin", [], role="admin", name="管理员")
    response = await http.post("/api/console/session", json={"username": "admin", "password": PASSWORD})
    assert response.status_code == 200, response.text
    http.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return http
