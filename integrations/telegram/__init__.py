"""Telegram: patients chat with the bot, doctors take queued patients and chat with them (docs/telegram.md).

On when WENZHEN_TELEGRAM_TOKEN is set; `telegram.mode` in config.yml chooses webhook (under
`serve`) or long polling.
"""
from bot.plugins import Plugin
from integrations.telegram.cli import telegram_cli
from integrations.telegram.service import build_telegram, channel_for, start, stop
from integrations.telegram.webhook import telegram_router

plugin = Plugin(name="telegram", routers=[telegram_router], commands=[telegram_cli], on_start=[start], on_stop=[stop],
                services=[build_telegram])

__all__ = ["channel_for", "plugin"]
