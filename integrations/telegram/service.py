"""The Telegram channel of one runtime: built on first use, started and stopped with the runtime."""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from integrations.telegram.channel import TelegramChannel
from integrations.telegram.settings import load_telegram_settings

if TYPE_CHECKING:
    from bot.runtime import Runtime

_CHANNELS: "weakref.WeakKeyDictionary[Runtime, TelegramChannel | None]" = weakref.WeakKeyDictionary()


def channel_for(runtime: "Runtime") -> TelegramChannel | None:
    """The runtime's Telegram channel, or None when no token is configured."""
    if runtime not in _CHANNELS:
        settings = load_telegram_settings(runtime.config)
        _CHANNELS[runtime] = TelegramChannel(runtime, settings) if settings.enabled else None
    return _CHANNELS[runtime]


async def start(runtime: "Runtime") -> None:
    channel = channel_for(runtime)
    if channel is not None:
        await channel.start()


async def stop(runtime: "Runtime") -> None:
    channel = _CHANNELS.pop(runtime, None)
    if channel is not None:
        await channel.stop()

