"""Polling mode: one worker fetches the bot's updates (Telegram refuses a second poller), the others stand by.

With Redis the poller holds a lease and renews it; when it stops or dies another worker starts
polling within a few seconds. Without Redis the one process polls.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
from typing import TYPE_CHECKING

from integrations.telegram import leases

if TYPE_CHECKING:
    from integrations.telegram.channel import TelegramChannel

log = logging.getLogger("wenzhen.telegram")

LEASE_SECONDS = 30
CHECK_SECONDS = 5.0


class Poller:
    """Starts and stops the Application's updater as this worker gains or loses the polling lease."""

    def __init__(self, channel: "TelegramChannel", allowed_updates: list[str]) -> None:
        self.channel = channel
        self.allowed_updates = allowed_updates
        self.holder = secrets.token_hex(8)
        self._key = channel.runtime.key("telegram:poller")
        self._watch: asyncio.Task[None] | None = None

    @property
    def polling(self) -> bool:
        updater = self.channel.application.updater
        return updater is not None and updater.running

    async def start(self) -> None:
        await self.channel.application.start()
        await self._step()  # a lone worker polls at once
        self._watch = asyncio.create_task(self._keep(), name="telegram:poller")

    async def stop(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            try:
                await self._watch
            except (asyncio.CancelledError, Exception):
                pass
        application = self.channel.application
        if self.polling:
            assert application.updater is not None
            await application.updater.stop()
        if application.running:
            await application.stop()
        try:
            await leases.release(self.channel.runtime.redis, self._key, self.holder)
        except Exception:
            log.warning("telegram: the polling lease was not released; it lapses by itself")

    async def _keep(self) -> None:
        while True:
            await asyncio.sleep(CHECK_SECONDS)
            try:
                await self._step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("telegram: polling lease check failed")

    async def _step(self) -> None:
        leader = await leases.hold(self.channel.runtime.redis, self._key, self.holder, LEASE_SECONDS)
        updater = self.channel.application.updater
        assert updater is not None
        if leader and not updater.running:
            await updater.start_polling(timeout=self.channel.settings.poll_timeout_seconds,
                                        allowed_updates=self.allowed_updates)
            log.info("telegram: this worker polls for updates")
        elif not leader and updater.running:
            await updater.stop()  # another worker took over while this one stalled
