"""How REST patients are reached outside a request: a pub/sub poke per conversation.

The REST channel has no address to call back, so its `OutputChannel` does not carry the messages:
they are already in the conversation's event log when `Engine.push` / `Engine.trigger` deliver
them. It publishes `ConversationAppended` on the conversation's topic; every open stream of that
conversation (`GET /conversations/{sender}/stream`, on any worker when Redis carries pub/sub)
then reads the log after the last sequence number it sent. A lost poke costs latency, never a
message: the streams also read the log on every heartbeat.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.messages import BotMessage
from bot.pubsub import PubSub
from bot.wire import wire

log = logging.getLogger("wenzhen.web")
TOPIC = "rest:conversation:"


def topic(conversation_id: str) -> str:
    return TOPIC + conversation_id


@wire("conversation_appended")
@dataclass(frozen=True)
class ConversationAppended:
    """Something was added to a REST conversation's log: its streams should read it."""

    conversation_id: str


async def notify(pubsub: PubSub, conversation_id: str) -> None:
    """Wake the conversation's streams. Never raises: what is stored is stored, and a stream that
    missed the wake-up reads the log on its next heartbeat."""
    try:
        await pubsub.publish(topic(conversation_id), ConversationAppended(conversation_id))
    except Exception as exc:  # Redis away: the webhook still answers, the doctor's message is still sent
        log.warning("could not wake the streams of a REST conversation: %s", exc.__class__.__name__)


class RestOutput:
    """The REST channel's `OutputChannel`: the messages are stored already; wake the streams."""

    def __init__(self, pubsub: PubSub) -> None:
        self.pubsub = pubsub

    async def send(self, recipient_id: str, messages: list[BotMessage]) -> None:
        await notify(self.pubsub, recipient_id)  # REST: the sender is the conversation id
