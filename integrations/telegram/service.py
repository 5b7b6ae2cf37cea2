"""The Telegram channel of one runtime: a service built at start (None when no token is set),
started and stopped with the runtime."""
from __future__ import annotations

from typing import TYPE_CHECKING, cast

from bot.runtime import Runtime
from integrations.telegram.settings import load_telegram_settings

if TYPE_CHECKING:
    from integrations.telegram.channel import TelegramChannel


class TelegramService:
    """What the runtime's services know the channel by: the base of `TelegramChannel`, so that
    python-telegram-bot (~21 MB) is imported only when a token is set and the channel is built."""


def build_telegram(runtime: Runtime) -> TelegramService | None:
    """The service factory: the channel, or None when no token is configured."""
    settings = load_telegram_settings(runtime.config)
    if not settings.enabled:
        return None
    from integrations.telegram.channel import TelegramChannel

    return TelegramChannel(runtime, settings)


def channel_for(runtime: Runtime) -> TelegramChannel | None:
    """The runtime's Telegram channel, or None when no token is configured."""
    return cast("TelegramChannel | None", runtime.services.find(TelegramService))


async def start(runtime: Runtime) -> None:
    channel = channel_for(runtime)
    if channel is not None:
        await channel.start()


async def stop(runtime: Runtime) -> None:
    channel = channel_for(runtime)
    if channel is not None:
        await channel.stop()
