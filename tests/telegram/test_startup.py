"""Starting with a Telegram configuration that cannot work fails at once, with one clear reason."""
from __future__ import annotations

import pytest

from bot.config import ConfigError
from tests.conftest import free_port


async def test_a_token_the_bot_api_refuses_stops_the_start_with_a_clear_reason(telegram_env, make_runtime,
                                                                                monkeypatch):
    monkeypatch.setenv("WENZHEN_TELEGRAM_TOKEN", "999:not-this-bot")
    with pytest.raises(ConfigError, match="WENZHEN_TELEGRAM_TOKEN was refused"):
        await make_runtime(telegram={"mode": "polling", "poll_timeout_seconds": 1})


async def test_an_unreachable_bot_api_stops_the_start_with_a_clear_reason(telegram_env, make_runtime, monkeypatch):
    monkeypatch.setenv("WENZHEN_TELEGRAM_API_BASE", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(ConfigError, match="cannot be reached"):
        await make_runtime(telegram={"mode": "webhook"})


async def test_a_public_url_telegram_refuses_for_the_webhook_stops_the_start_with_its_reason(telegram_env, make_runtime):
    with pytest.raises(ConfigError, match="(?i)https url must be provided") as refused:
        await make_runtime(telegram={"mode": "webhook", "public_url": "http://hospital.example"})
    assert "/webhooks/telegram/" not in str(refused.value)  # the secret path stays secret
