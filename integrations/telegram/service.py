"""The Telegram channel of one runtime: a service built at start (None when no token is set),
started and stopped with the runtime."""
from __future__ import annotations

from bot.runtime import Runtime
from integrations.telegram.channel import TelegramChannel
from integrations.telegram.settings import load_telegram_settings


def build_telegram(runtime: Runtime) -> TelegramChannel | None:
    """The service factory: the channel, or None when no token is configured."""
    settings = load_telegram_settings(runtime.config)
    return TelegramChannel(runtime, settings) if settings.enabled else None


def channel_for(runtime: Runtime) -> TelegramChannel | None:
    """The runtime's Telegram channel, or None when no token is configured."""
    return runtime.services.find(TelegramChannel)


async def start(runtime: Runtime) -> None:
    channel = channel_for(runtime)
    if channel is not None:
        await channel.start()


async def stop(runtime: Runtime) -> None:
    channel = channel_for(runtime)
    if channel is not None:
        await channel.stop()
