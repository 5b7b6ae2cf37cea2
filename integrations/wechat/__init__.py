"""The WeChat official-account channel: webhook, customer-service/template messages, media, menu.

Named under `plugins:` in config.yml; on when WENZHEN_WECHAT_TOKEN/APPID/SECRET are set.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.plugins import Plugin
from integrations.wechat import media  # noqa: F401  (registers the media-fetch job)
from integrations.wechat.channel import WeChatChannel, build_wechat, channel_for
from integrations.wechat.menu import wechat_group
from integrations.wechat.webhook import webhook_router

if TYPE_CHECKING:
    from bot.runtime import Runtime


async def _start(runtime: "Runtime") -> None:
    channel = channel_for(runtime)
    if channel is not None:
        runtime.register_output("wechat", channel)


async def _stop(runtime: "Runtime") -> None:
    channel = channel_for(runtime)
    if channel is not None:
        await channel.drain()
        await channel.api.close()


plugin = Plugin(
    name="wechat",
    routers=[webhook_router],
    commands=[wechat_group],
    on_start=[_start],
    on_stop=[_stop],
    services=[build_wechat],
)

__all__ = ["WeChatChannel", "channel_for", "plugin"]
