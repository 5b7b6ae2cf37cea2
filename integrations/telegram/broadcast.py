"""Telegram delivery of health-education broadcasts: one message per patient chat, on the channel's own bot.

Registers the `telegram` delivery method of `bot.broadcasts`. Named under `plugins:`.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.broadcasts import INTERRUPTED, Content, Outcome, Recipient, TransientDeliveryError, register_method
from integrations.telegram.service import channel_for

if TYPE_CHECKING:
    from bot.runtime import Runtime

BLOCKED = "blocked_bot"


class TelegramMessage:
    """`telegram`: the campaign's text to each patient chat; a chat that blocked the bot is skipped."""

    name = "telegram"
    channel = "telegram"
    chunk_size = 1
    idempotent = False
    monthly_limit: int | None = None

    async def send(self, runtime: "Runtime", content: Content, recipients: list[Recipient], key: str) -> dict[int, Outcome]:
        channel = channel_for(runtime)
        if channel is None:
            raise TransientDeliveryError("the Telegram channel is not configured (WENZHEN_TELEGRAM_TOKEN)")
        from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

        outcomes: dict[int, Outcome] = {}
        for r in recipients:
            try:
                message = await channel.bot.send_message(int(r.sender), content.text)
                outcomes[r.delivery_id] = Outcome("delivered", provider_id=str(message.message_id))
            except Forbidden:
                outcomes[r.delivery_id] = Outcome("skipped", BLOCKED)
            except BadRequest as exc:  # before NetworkError, which it subclasses: a refusal, not an outage
                outcomes[r.delivery_id] = Outcome("failed", f"telegram: {exc.message}"[:200])
            except TimedOut:
                # Telegram may have delivered it before the answer was lost: never sent twice.
                outcomes[r.delivery_id] = Outcome("failed", INTERRUPTED)
            except (RetryAfter, NetworkError) as exc:
                # Nothing was delivered to this chat (chunks are one recipient): retried later.
                raise TransientDeliveryError(f"Telegram: {exc.__class__.__name__}") from exc
            except (TelegramError, ValueError) as exc:
                outcomes[r.delivery_id] = Outcome("failed", f"telegram: {exc.__class__.__name__}")
        return outcomes


register_method(TelegramMessage())
