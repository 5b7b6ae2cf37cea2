"""Bot messages as Telegram sees them: text within Telegram's limits, buttons as inline keyboards.

A button's payload travels as the keyboard's callback data. Telegram allows 64 bytes of callback
data; a longer payload travels as a short digest instead, which `resolve_callback` maps back to
the payload by looking at the buttons the bot has sent in that conversation.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Iterable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.messages import BotMessage, Button, without_tel_links

MAX_TEXT_CHARS = 4096  # Telegram refuses longer messages
MAX_CALLBACK_BYTES = 64  # Telegram refuses longer callback data
DIGEST_PREFIX = "#h:"


@dataclass(frozen=True)
class Outgoing:
    """One Telegram API call's worth of content: a text message or a photo (by URL)."""

    text: str | None = None
    photo_url: str | None = None
    keyboard: InlineKeyboardMarkup | None = None


def callback_data(payload: str) -> str:
    """The callback data that carries `payload`: itself when it fits, else a digest of it."""
    if len(payload.encode("utf-8")) <= MAX_CALLBACK_BYTES and not payload.startswith(DIGEST_PREFIX):
        return payload
    return DIGEST_PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def resolve_callback(data: str, payloads: Iterable[str]) -> str | None:
    """The payload a callback stands for; None when it is a digest of no payload offered."""
    if not data.startswith(DIGEST_PREFIX):
        return data
    return next((p for p in payloads if callback_data(p) == data), None)


def keyboard(buttons: Iterable[Button]) -> InlineKeyboardMarkup | None:
    """One button per row: Chinese titles are long, and a column is easy to tap on a phone."""
    rows = [[InlineKeyboardButton(b.title[:64], callback_data=callback_data(b.payload))] for b in buttons]
    return InlineKeyboardMarkup(rows) if rows else None


def split_text(text: str, limit: int = MAX_TEXT_CHARS) -> list[str]:
    """Cut a long text into messages Telegram accepts, preferring line breaks as cut points."""
    chunks: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
        chunks.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text:
        chunks.append(text)
    return chunks


def to_telegram(message: BotMessage) -> list[Outgoing]:
    """What to send for one bot message; empty when it has nothing a person can see (e.g. only `custom`)."""
    out: list[Outgoing] = []
    if message.image and message.image.startswith(("http://", "https://")):
        out.append(Outgoing(photo_url=message.image))
    markup = keyboard(message.buttons)
    chunks = split_text(without_tel_links(message.text or ""))
    for i, chunk in enumerate(chunks):
        out.append(Outgoing(text=chunk, keyboard=markup if i == len(chunks) - 1 else None))
    if markup is not None and not chunks:
        if out:
            out[-1] = Outgoing(photo_url=out[-1].photo_url, keyboard=markup)
    return out
