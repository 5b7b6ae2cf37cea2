"""Fixtures: a fake Telegram Bot API server, and runtimes whose Telegram channel talks to it."""
from __future__ import annotations

from typing import Any, AsyncIterator, Iterator

import httpx
import pytest

from bot.app import create_app
from bot.runtime import Runtime
from integrations.telegram.service import channel_for
from integrations.telegram.channel import TelegramChannel
from tests.telegram.fake_bot_api import TOKEN, FakeBotApi, Updates


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi().start()
    yield api
    api.stop()


@pytest.fixture
def updates(bot_api: FakeBotApi) -> Updates:
    return Updates(bot_api)


@pytest.fixture
def telegram_env(bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WENZHEN_TELEGRAM_TOKEN", TOKEN)
    monkeypatch.setenv("WENZHEN_TELEGRAM_API_BASE", bot_api.base_url)
    monkeypatch.delenv("WENZHEN_TELEGRAM_WEBHOOK_SECRET", raising=False)


@pytest.fixture
async def webhook_runtime(telegram_env: None, make_runtime: Any) -> Runtime:
    return await make_runtime(telegram={"mode": "webhook"})


@pytest.fixture
def channel(webhook_runtime: Runtime) -> TelegramChannel:
    found = channel_for(webhook_runtime)
    assert found is not None
    return found


class Webhook:
    """Posts updates to the app's Telegram webhook the way Telegram does."""

    def __init__(self, http: httpx.AsyncClient, channel: TelegramChannel) -> None:
        self.http = http
        self.path = channel.settings.webhook_path
        self.secret = channel.settings.webhook_header_secret

    async def post(self, update: Any, secret: str | None = None, **kwargs: Any) -> httpx.Response:
        headers = {"X-Telegram-Bot-Api-Secret-Token": self.secret if secret is None else secret}
        if isinstance(update, (bytes, str)):
            return await self.http.post(self.path, content=update, headers=headers, **kwargs)
        return await self.http.post(self.path, json=update, headers=headers, **kwargs)


@pytest.fixture
async def webhook(webhook_runtime: Runtime, channel: TelegramChannel) -> AsyncIterator[Webhook]:
    app = create_app(runtime=webhook_runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://wenzhen.test") as http:
        yield Webhook(http, channel)
