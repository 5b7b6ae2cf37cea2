"""The webhook under a real `wenzhen serve` process: setWebhook at start, updates over HTTP, answers to Telegram."""
from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx

from bot.config import load_config
from integrations.telegram.settings import load_telegram_settings
from tests.conftest import ServerProcess, write_config
from tests.telegram.conftest import telegram_variables

SECRET = "test-secret-key-" + "x" * 32
PUBLIC_URL = "https://hospital.example"


async def test_serve_registers_its_webhook_and_answers_updates_posted_to_it(tmp_path: Path, bot_api, updates, chat_id):
    config = write_config(tmp_path / "config.yml", telegram={"mode": "webhook", "public_url": PUBLIC_URL})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WENZHEN_", "DATABASE_URL", "REDIS_URL"))}
    env.update(telegram_variables(bot_api), WENZHEN_CONFIG=str(config), WENZHEN_SECRET_KEY=SECRET,
               DATABASE_URL=f"sqlite:///{tmp_path}/serve.db", WENZHEN_DATA_DIR=str(tmp_path / "data"))
    settings = load_telegram_settings(load_config(config, env=env), env=env)
    server = await asyncio.to_thread(ServerProcess, env, tmp_path)
    try:
        [registered] = bot_api.calls_of("setWebhook")
        assert registered.params["url"] == PUBLIC_URL + settings.webhook_path
        assert registered.params["secret_token"] == settings.webhook_header_secret
        assert registered.params["allowed_updates"] == ["message", "callback_query"]

        async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
            forged = await http.post(settings.webhook_path, json=updates.message(chat_id, "你好"),
                                     headers={"X-Telegram-Bot-Api-Secret-Token": "forged"})
            assert forged.status_code == 403
            answered = await http.post(settings.webhook_path, json=updates.message(chat_id, "你好"),
                                       headers={"X-Telegram-Bot-Api-Secret-Token": settings.webhook_header_secret})
            assert answered.status_code == 200
        assert bot_api.sent_to(chat_id)
    finally:
        await asyncio.to_thread(server.stop)
