"""Fixtures: the local WeChat (API server + platform), runtimes whose WeChat channel talks to it,
and a real uvicorn server on 127.0.0.1 serving the runtime's app."""
from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Awaitable, Callable, Iterator

import httpx
import pytest
import uvicorn
from sqlalchemy import func, select

from bot.app import create_app
from bot.db import JobRow, utcnow
from bot.runtime import Runtime
from integrations.wechat.channel import WeChatChannel, channel_for
from tests.conftest import free_port
from tests.wechat.simulator import WeChatAPIServer, WeChatPlatform

TOKEN = "wenzhen_test_token"
APP_ID = "wx0123456789abcdef"
SECRET = "wechat-test-secret"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, as WeChat issues them


@pytest.fixture
def wechat_api() -> Iterator[WeChatAPIServer]:
    with WeChatAPIServer(app_id=APP_ID, app_secret=SECRET) as server:
        yield server


@pytest.fixture
def wechat_env(wechat_api: WeChatAPIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WENZHEN_WECHAT_TOKEN", TOKEN)
    monkeypatch.setenv("WENZHEN_WECHAT_APPID", APP_ID)
    monkeypatch.setenv("WENZHEN_WECHAT_SECRET", SECRET)
    monkeypatch.setenv("WENZHEN_WECHAT_AES_KEY", AES_KEY)
    monkeypatch.setenv("WENZHEN_WECHAT_API_BASE", wechat_api.base_url)


class LiveServer:
    """uvicorn serving a runtime's app on a free loopback port, in this event loop."""

    def __init__(self, runtime: Runtime) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(runtime=runtime), host="127.0.0.1", port=self.port,
                                log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> "LiveServer":
        self._task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        self.server.should_exit = True
        if self._task is not None:
            await self._task


class WeChatSetup:
    """A started runtime with the WeChat channel on, served over HTTP, and the platform that pushes to it."""

    def __init__(self, runtime: Runtime, server: LiveServer, http: httpx.AsyncClient, api: WeChatAPIServer) -> None:
        self.runtime = runtime
        self.server = server
        self.http = http
        self.api = api

    @property
    def channel(self) -> WeChatChannel:
        found = channel_for(self.runtime)
        assert found is not None
        return found

    def platform(self, mode: str = "safe", **kwargs: Any) -> WeChatPlatform:
        return WeChatPlatform(self.http, TOKEN, APP_ID, AES_KEY, mode=mode, **kwargs)

    async def settle(self) -> None:
        """Let slow turns, customer-service deliveries and due jobs finish (the jobs' broker runs
        them in the background, so wait until none is pending or running)."""
        await self.channel.drain()
        await self.runtime.jobs.run_due()
        for _ in range(600):
            async with self.runtime.db.session() as session:
                busy = await session.scalar(
                    select(func.count()).select_from(JobRow).where(JobRow.status.in_(("pending", "running")), JobRow.due_at <= utcnow())
                )
            if not busy:
                break
            await asyncio.sleep(0.05)
            await self.runtime.jobs.run_due()
        await self.channel.drain()

    async def events(self, openid: str, type_: str | None = None) -> list[Any]:
        found = await self.runtime.engine.events(f"wechat:{openid}")
        return [e for e in found if type_ is None or e.type == type_]


SetupFactory = Callable[..., Awaitable[WeChatSetup]]


@pytest.fixture
async def make_wechat(
    wechat_env: None, wechat_api: WeChatAPIServer, make_runtime: Any
) -> AsyncIterator[SetupFactory]:
    made: list[tuple[LiveServer, httpx.AsyncClient, Runtime]] = []

    async def make(mode: str = "compatible", runtime_overrides: dict[str, Any] | None = None, **wechat: Any) -> WeChatSetup:
        # Jobs run when the test says so (`settle`), not on a poller's schedule.
        overrides = {"jobs": {"poll_seconds": 3600}, **(runtime_overrides or {})}
        runtime = await make_runtime(wechat={"mode": mode, **wechat}, **overrides)
        server = await LiveServer(runtime).start()
        http = httpx.AsyncClient(base_url=server.url, timeout=30)
        made.append((server, http, runtime))
        return WeChatSetup(runtime, server, http, wechat_api)

    yield make
    for server, http, runtime in made:
        channel = channel_for(runtime)
        if channel is not None:
            await channel.drain()
        await http.aclose()
        await server.stop()


@pytest.fixture
async def wechat(make_wechat: SetupFactory) -> WeChatSetup:
    """Compatible mode (plaintext and encrypted both accepted), the account's usual setting."""
    return await make_wechat("compatible")
