"""Fixtures: a fake Telegram Bot API server, and runtimes whose Telegram channel talks to it.

Starting a runtime takes about a second, so the patient and bad-input modules share one runtime
per module (each test uses its own chat id); tests that need a clean slate use `make_runtime`.
"""
from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio

from bot.app import create_app
from bot.config import load_config
from bot.runtime import Runtime
from integrations.telegram.channel import TelegramChannel
from integrations.telegram.service import channel_for
from tests.conftest import write_config
from tests.services import redis_prefix
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi, Updates

_chat_ids = itertools.count(910_000)


def telegram_variables(api: FakeBotApi) -> dict[str, str]:
    return {"WENZHEN_TELEGRAM_TOKEN": TOKEN, "WENZHEN_TELEGRAM_API_BASE": api.base_url}


@pytest.fixture(scope="module")
def bot_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi().start()
    yield api
    api.stop()


@pytest.fixture
def updates(bot_api: FakeBotApi) -> Updates:
    return Updates(bot_api)


@pytest.fixture
def chat_id() -> int:
    """A chat nobody else in the module uses."""
    return next(_chat_ids)


@pytest.fixture
def telegram_env(bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch) -> None:
    """WENZHEN_TELEGRAM_* pointing at the fake server, for runtimes made with `make_runtime`."""
    for name, value in telegram_variables(bot_api).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("WENZHEN_TELEGRAM_WEBHOOK_SECRET", raising=False)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_runtime(bot_api: FakeBotApi, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Runtime]:
    """One embedded runtime in webhook mode for the whole module."""
    tmp: Path = tmp_path_factory.mktemp("telegram")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in telegram_variables(bot_api).items():
            patch.setenv(name, value)
        patch.delenv("WENZHEN_TELEGRAM_WEBHOOK_SECRET", raising=False)
        config_path = write_config(tmp / "config.yml", telegram={"mode": "webhook"}, redis={"prefix": redis_prefix()})
        runtime = Runtime(load_config(config_path, env={
            "DATABASE_URL": f"sqlite:///{tmp}/wenzhen.db",
            "WENZHEN_DATA_DIR": str(tmp / "data"),
            "WENZHEN_SECRET_KEY": "test-secret-key-" + "x" * 32,
        }))
        await runtime.start(upgrade=True)
        try:
            yield runtime
        finally:
            await runtime.stop()


@pytest.fixture(scope="module")
def channel(shared_runtime: Runtime) -> TelegramChannel:
    found = channel_for(shared_runtime)
    assert found is not None
    return found


class Webhook:
    """Posts updates to the app's Telegram webhook the way Telegram does."""

    def __init__(self, http: httpx.AsyncClient, channel: TelegramChannel) -> None:
        self.http = http
        self.path = channel.settings.webhook_path
        self.secret = channel.settings.webhook_header_secret

    async def post(self, update: Any, secret: str | None = None) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.secret if secret is None else secret}
        if isinstance(update, (bytes, str)):
            return await self.http.post(self.path, content=update, headers=headers)
        return await self.http.post(self.path, json=update, headers=headers)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def webhook(shared_runtime: Runtime, channel: TelegramChannel) -> AsyncIterator[Webhook]:
    app = create_app(runtime=shared_runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://wenzhen.test") as http:
        yield Webhook(http, channel)


def webhook_for(runtime: Runtime) -> "Webhook":
    """A Webhook poster on a runtime made with `make_runtime` (close its `http` when done)."""
    found = channel_for(runtime)
    assert found is not None
    app = create_app(runtime=runtime)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://wenzhen.test")
    return Webhook(http, found)
