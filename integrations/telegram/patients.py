"""Patients on Telegram: their messages and button taps go to the engine; its answers come back.

Also the engine's output channel for Telegram: what a doctor or a follow-up pushes to a patient
whose conversation started on Telegram is delivered through `send`.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Message, Update
from telegram.error import TelegramError

from bot import events as ev
from bot.messages import Attachment, BotMessage, UserMessage, conversation_id_for
from integrations.telegram.rendering import DIGEST_PREFIX, resolve_callback

if TYPE_CHECKING:
    from integrations.telegram.channel import TelegramChannel

log = logging.getLogger("wenzhen.telegram")

CHANNEL = "telegram"
# Telegram opens every chat with /start; to the engine that is a greeting.
START_PAYLOAD = "/greet"


def attachments_of(message: Message) -> tuple[Attachment, ...]:
    """What the patient sent besides text, by Telegram file id (fetched later, only when needed)."""
    if message.photo:
        largest = message.photo[-1]
        return (Attachment("image", media_id=largest.file_id, data={"width": largest.width, "height": largest.height}),)
    if message.voice:
        return (Attachment("voice", media_id=message.voice.file_id, content_type=message.voice.mime_type),)
    if message.video:
        return (Attachment("video", media_id=message.video.file_id, content_type=message.video.mime_type),)
    if message.document:
        return (Attachment("file", media_id=message.document.file_id, content_type=message.document.mime_type),)
    if message.location:
        return (Attachment("location", data={"latitude": message.location.latitude, "longitude": message.location.longitude}),)
    return ()


class PatientChat:
    """The patient side of the channel, and the engine's OutputChannel for "telegram"."""

    def __init__(self, channel: "TelegramChannel") -> None:
        self.channel = channel
        self.engine = channel.runtime.engine

    async def send(self, recipient_id: str, messages: list[BotMessage]) -> None:
        """OutputChannel: `recipient_id` is the sender the conversation was keyed on (the chat id)."""
        await self.channel.send(int(recipient_id), messages)

    async def on_message(self, update: Update) -> None:
        message = update.message
        if message is None:
            return
        chat_id = message.chat_id
        text = message.text or message.caption or ""
        attachments = attachments_of(message)
        if not text and not attachments:
            await self.channel.say(chat_id, "telegram_unsupported_content")
            return
        payload = None
        if text.split(" ", 1)[0].split("@", 1)[0] == "/start":
            if len(text.split()) > 1:  # t.me/<bot>?start=<code>: a doctor's link code by deep link
                await self.channel.doctors.link(update, text.split(None, 1)[1])
                return
            payload = START_PAYLOAD
        await self.converse(chat_id, UserMessage(
            channel=CHANNEL,
            sender=str(chat_id),
            text=text,
            payload=payload,
            attachments=attachments,
            metadata={"telegram_message_id": message.message_id},
            message_id=str(update.update_id),
        ))

    async def on_callback(self, update: Update) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        chat_id = query.message.chat.id
        try:
            await query.answer()  # stops the spinner on the patient's button
        except TelegramError:
            pass
        payload = await self._payload_of(chat_id, query.data or "")
        if payload is None:
            return
        title = ""
        markup = getattr(query.message, "reply_markup", None)
        for row in (markup.inline_keyboard if markup else ()):
            for button in row:
                if button.callback_data == query.data:
                    title = button.text
        await self.converse(chat_id, UserMessage(
            channel=CHANNEL, sender=str(chat_id), text=title, payload=payload, message_id=str(update.update_id),
        ))

    async def converse(self, chat_id: int, message: UserMessage) -> None:
        """One turn of the engine, its answers sent back to the chat."""
        state = await self.engine.state(message.conversation_id)
        if message.message_id in state.message_ids:
            # Telegram delivered the same update again (a retried webhook): the turn happened and was answered.
            return
        replies = await self.engine.handle(message)
        await self.channel.send(chat_id, replies)

    async def _payload_of(self, chat_id: int, data: str) -> str | None:
        """The payload behind a tapped button; a digest is looked up among the buttons this chat was sent."""
        if not data.startswith(DIGEST_PREFIX):
            return data
        cid = conversation_id_for(CHANNEL, str(chat_id))
        state = await self.engine.state(cid)
        found = resolve_callback(data, [b["payload"] for b in state.last_buttons])
        if found is None:  # a button of an older message: look through what the bot sent before
            events = await self.engine.events(cid)
            offered = [b["payload"] for e in reversed(events) if e.type == ev.BOT for b in e.data.get("buttons", ())]
            found = resolve_callback(data, offered)
        if found is None:
            log.info("telegram: a button of an unknown message was tapped; ignored")
        return found
