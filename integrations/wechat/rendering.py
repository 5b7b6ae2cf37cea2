"""Turning the engine's bot messages into what WeChat can show.

WeChat text has no buttons, so a message's buttons become numbered lines under a hint
("回复数字：" from the responses); the engine maps a bare number reply back to the payload.
An image becomes a link card. A passive reply carries one message, so consecutive texts are
joined; what does not fit is sent through the customer-service API.
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.messages import BotMessage, without_tel_links

# WeChat cuts text messages beyond 2048 bytes; stay under it with room for the joins.
MAX_TEXT_BYTES = 2000


@dataclass(frozen=True)
class Outgoing:
    """One WeChat message: a text, or an image shown as a link card (with its caption)."""

    text: str | None = None
    image_url: str | None = None


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _split(text: str) -> list[str]:
    """Cut an over-long text at line ends (or, failing that, anywhere) into pieces WeChat keeps whole."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = line if not current else current + "\n" + line
        if _size(candidate) <= MAX_TEXT_BYTES:
            current = candidate
            continue
        if current:
            pieces.append(current)
        while _size(line) > MAX_TEXT_BYTES:
            cut = len(line)
            while _size(line[:cut]) > MAX_TEXT_BYTES:
                cut = cut * 3 // 4
            pieces.append(line[:cut])
            line = line[cut:]
        current = line
    if current:
        pieces.append(current)
    return pieces


def message_text(message: BotMessage, buttons_hint: str) -> str | None:
    """The message's text with its buttons as numbered lines."""
    lines = [without_tel_links(message.text)] if message.text else []
    if message.buttons:
        lines.append(buttons_hint)
        lines.extend(f"{number} {button.title}" for number, button in enumerate(message.buttons, start=1))
    return "\n".join(lines) if lines else None


def render(messages: list[BotMessage], buttons_hint: str) -> list[Outgoing]:
    """Every bot message as WeChat messages, in order."""
    out: list[Outgoing] = []
    for message in messages:
        text = message_text(message, buttons_hint)
        if message.image:
            out.append(Outgoing(text=text, image_url=message.image))
        elif text:
            out.extend(Outgoing(text=piece) for piece in _split(text))
    return out


def passive_and_rest(items: list[Outgoing]) -> tuple[str | None, list[Outgoing]]:
    """The leading texts joined into one passive reply (as many as fit), and the rest for the API."""
    joined: str | None = None
    for index, item in enumerate(items):
        if item.image_url is not None:
            return joined, items[index:]
        assert item.text is not None
        candidate = item.text if joined is None else joined + "\n\n" + item.text
        if _size(candidate) > MAX_TEXT_BYTES:
            return joined, items[index:]
        joined = candidate
    return joined, []
