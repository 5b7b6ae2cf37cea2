"""Health-education broadcasts to REST and web-chat patients: the `web` delivery method of `bot.broadcasts`.

Each message is pushed into the patient's conversation (`Engine.push`): it is stored there, so the
web chat shows it live on its stream and any REST client reads it from `messages?after=` — a patient
who is not online gets it the next time they look. Imported by the `integrations.web` plugin.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.broadcasts import Content, Outcome, Recipient, register_method
from bot.engine import UnknownConversation
from bot.messages import BotMessage

if TYPE_CHECKING:
    from bot.runtime import Runtime


class WebMessage:
    """`web`: the campaign's text into each REST / web-chat conversation, stored and streamed."""

    name = "web"
    channel = "rest"
    chunk_size = 1
    idempotent = False
    monthly_limit: int | None = None

    async def send(self, runtime: "Runtime", content: Content, recipients: list[Recipient], key: str) -> dict[int, Outcome]:
        outcomes: dict[int, Outcome] = {}
        for r in recipients:
            try:
                await runtime.engine.push(r.conversation_id, [BotMessage(text=content.text)], actor="system")
            except UnknownConversation:
                outcomes[r.delivery_id] = Outcome("failed", "no such conversation")
                continue
            outcomes[r.delivery_id] = Outcome("delivered")
        return outcomes


register_method(WebMessage())
