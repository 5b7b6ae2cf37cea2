"""The one message type in each direction: what a channel hands the engine and what it gets back."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

# Longest text the engine reads; longer messages are cut (and the cut is recorded), never refused.
MAX_TEXT_CHARS = 10_000


@dataclass(frozen=True)
class Attachment:
    """A file or structured item the patient sent: an image, a voice note, a location, a link."""

    kind: str  # image | voice | video | file | location | link
    url: str | None = None
    media_id: str | None = None
    content_type: str | None = None
    path: str | None = None  # where the stored copy lives, once fetched
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, {}, [])}


@dataclass(frozen=True)
class UserMessage:
    """One message from a patient (or from a doctor acting in a conversation) through a channel.

    `sender` is the channel's id for the person; `conversation_id` is what the engine keys
    state on (the REST channel's sender is the conversation id itself, as in Rasa).
    `message_id` makes handling idempotent: the same id twice is answered from the first turn.
    """

    channel: str
    sender: str
    text: str = ""
    payload: str | None = None
    attachments: tuple[Attachment, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    message_id: str | None = None

    @property
    def conversation_id(self) -> str:
        return conversation_id_for(self.channel, self.sender)


def conversation_id_for(channel: str, sender: str) -> str:
    """REST conversations are keyed by the sender as given; other channels are namespaced."""
    return sender if channel == "rest" else f"{channel}:{sender}"


@dataclass(frozen=True)
class Button:
    title: str
    payload: str

    def to_dict(self) -> dict[str, str]:
        return {"title": self.title, "payload": self.payload}


@dataclass(frozen=True)
class BotMessage:
    """One message from the bot: text, buttons, an image, and/or a `custom` object (e.g. triage)."""

    text: str | None = None
    buttons: tuple[Button, ...] = ()
    image: str | None = None
    custom: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        if self.text is not None:
            data["text"] = self.text
        if self.buttons:
            data["buttons"] = [b.to_dict() for b in self.buttons]
        if self.image:
            data["image"] = self.image
        if self.custom is not None:
            data["custom"] = self.custom
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "BotMessage":
        return cls(
            text=data.get("text"),
            buttons=tuple(Button(b["title"], b["payload"]) for b in data.get("buttons", ())),
            image=data.get("image"),
            custom=data.get("custom"),
        )


_TEL_LINK = re.compile(r"\s?[（(]tel:\+?\d+[）)]")


def without_tel_links(text: str) -> str:
    """The text for a channel that cannot show a dialling link (WeChat, Telegram, the terminal chat): "拨打120（tel:120）"
    reads "拨打120". The web chat turns the same words into a link to dial (integrations/web/static/chat.js)."""
    return _TEL_LINK.sub("", text)
