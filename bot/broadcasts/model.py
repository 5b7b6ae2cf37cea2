"""What campaigns are made of: audiences, content, recipients, outcomes, and the delivery methods
and tag sources that channels register (this package never imports a channel)."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Protocol

if TYPE_CHECKING:
    from bot.runtime import Runtime

HOSPITAL_TZ = dt.timezone(dt.timedelta(hours=8))  # China Standard Time: monthly limits count calendar months here
STATUSES = ("pending", "sending", "sent", "delivered", "failed", "skipped")
FINISHED = ("sent", "delivered", "failed", "skipped")
# Skip reasons the report names (a method may add its own, e.g. "outside_window", "unsubscribed").
OPTED_OUT = "opted_out"
OVER_LIMIT = "over_limit"
INTERRUPTED = "interrupted"  # a worker died during the call: outcome unknown, not re-sent
ARTICLE_EXPIRED = "article_expired"


class BroadcastError(ValueError):
    """A campaign cannot be created or changed; the message says why (shown to the admin)."""


class TransientDeliveryError(RuntimeError):
    """The channel failed in a way worth retrying (busy, rate-limited, network): nothing was delivered."""


@dataclass(frozen=True)
class Audience:
    """Who receives a campaign: groups from what the bot knows, combined with departments and user tags."""

    groups: tuple[str, ...] = ()  # names under broadcasts.audiences in config.yml; empty: everyone
    match: str = "any"  # any | all: whether one group or every group must hold
    departments: tuple[str, ...] = ()  # department of the patient's last consultation (any of)
    tags: tuple[str, ...] = ()  # channel user tags (any of)

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Audience":
        return cls(
            groups=tuple(data.get("groups") or ()),
            match=str(data.get("match") or "any"),
            departments=tuple(data.get("departments") or ()),
            tags=tuple(data.get("tags") or ()),
        )


@dataclass(frozen=True)
class Content:
    """What patients read: the whole message text, rendered once when the campaign is created."""

    title: str
    text: str
    source: str | None = None
    article_id: str | None = None
    expires: str | None = None  # an article's expiry (ISO date): not sent after it

    def expired(self, now: dt.datetime) -> bool:
        return self.expires is not None and now.astimezone(HOSPITAL_TZ).date().isoformat() > self.expires


@dataclass(frozen=True)
class Recipient:
    delivery_id: int
    conversation_id: str
    channel: str
    sender: str


@dataclass(frozen=True)
class Outcome:
    """What a method reports for one recipient."""

    status: str  # sent | delivered | failed | skipped
    reason: str | None = None
    provider_id: str | None = None


class DeliveryMethod(Protocol):
    """A channel's way of delivering a campaign (registered with `register_method`)."""

    name: str  # e.g. wechat_mass, wechat_cs, wechat_template, telegram
    channel: str  # the recipients' channel
    chunk_size: int  # recipients per call; 0: the whole batch in one call
    idempotent: bool  # the same `key` twice is never delivered twice (so a crashed call may be repeated)
    monthly_limit: int | None  # broadcasts per recipient per calendar month, or None

    async def send(
        self, runtime: "Runtime", content: Content, recipients: list[Recipient], key: str
    ) -> dict[int, Outcome]:
        """Deliver to the recipients; outcomes by delivery id. Raises TransientDeliveryError to be retried."""


# How a channel lists its user tags: async (runtime) -> {tag: [sender, ...]}.
TagSource = Callable[["Runtime"], Awaitable[dict[str, list[str]]]]
METHODS: dict[str, DeliveryMethod] = {}
TAG_SOURCES: dict[str, TagSource] = {}


def register_method(method: DeliveryMethod) -> DeliveryMethod:
    METHODS[method.name] = method
    return method


def register_tag_source(channel: str, source: TagSource) -> None:
    """How a channel lists its user tags (`sync_tags` mirrors them into the audience data)."""
    TAG_SOURCES[channel] = source
