"""Conversation state, derived by replaying the event log (never stored on its own as truth)."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from typing import Any

from bot import events as ev
from bot.events import Event


@dataclass
class Frame:
    """One running flow on the dialogue stack: where it is and what it waits for."""

    flow: str
    step: int = 0  # index of the next step to run
    waiting_for: str | None = None  # slot of the collect step that asked
    asks: int = 0  # how many times the pending question was asked
    collected: dict[str, int] = field(default_factory=dict)  # slot -> index of its collect step
    # Health questions answered while this question was pending, and the last one's words: a question
    # repeated, or one too many, counts as asking again (bot/flow_runner.py `_digress`).
    digressions: int = 0
    last_digression: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "step": self.step,
            "waiting_for": self.waiting_for,
            "asks": self.asks,
            "collected": dict(self.collected),
            "digressions": self.digressions,
            "last_digression": self.last_digression,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Frame":
        return cls(
            flow=data["flow"],
            step=data.get("step", 0),
            waiting_for=data.get("waiting_for"),
            asks=data.get("asks", 0),
            collected=dict(data.get("collected", {})),
            digressions=int(data.get("digressions", 0) or 0),
            last_digression=data.get("last_digression"),
        )


def get_slot(slots: dict[str, Any], name: str) -> Any:
    """Read a slot, or one key of a map slot with a dotted name."""
    head, _, key = name.partition(".")
    value = slots.get(head)
    if not key:
        return value
    return value.get(key) if isinstance(value, dict) else None


def put_slot(slots: dict[str, Any], name: str, value: Any) -> None:
    head, _, key = name.partition(".")
    if not key:
        slots[head] = value
        return
    current = slots.get(head)
    mapping = dict(current) if isinstance(current, dict) else {}
    mapping[key] = value
    slots[head] = mapping


@dataclass
class ConversationState:
    """Everything the engine needs about one conversation, as of event `seq`."""

    conversation_id: str
    channel: str = ""
    sender: str = ""
    seq: int = 0
    slots: dict[str, Any] = field(default_factory=dict)
    stack: list[Frame] = field(default_factory=list)
    latest_triage: dict[str, Any] | None = None
    handoff: dict[str, Any] | None = None
    last_buttons: list[dict[str, str]] = field(default_factory=list)
    message_ids: dict[str, int] = field(default_factory=dict)  # message_id -> seq of its user event

    @property
    def active_flow(self) -> str | None:
        return self.stack[-1].flow if self.stack else None

    @property
    def language(self) -> str:
        return self.slots.get("language") or "zh"

    def slot(self, name: str) -> Any:
        return get_slot(self.slots, name)

    def apply(self, event: Event) -> None:
        """Fold one event into the state."""
        if event.seq is not None:
            self.seq = max(self.seq, event.seq)
        data = event.data
        if event.type == ev.USER:
            self.last_buttons = []
            if data.get("message_id"):
                self.message_ids[data["message_id"]] = event.seq or 0
        elif event.type == ev.BOT:
            # Every button shown since the patient's last message, the latest message's first (a button's
            # number counts in the latest message): a question put again after a reply with buttons ("转全科",
            # "看全文") leaves those buttons typable (newcomer trial 8).
            shown = list(data.get("buttons") or [])
            if shown:
                payloads = {b.get("payload") for b in shown}
                self.last_buttons = shown + [b for b in self.last_buttons if b.get("payload") not in payloads]
        elif event.type == ev.SLOT:
            put_slot(self.slots, data["name"], data["value"])
        elif event.type == ev.STACK:
            self.stack = [Frame.from_dict(f) for f in data.get("frames", [])]
        elif event.type == ev.TRIAGE:
            self.latest_triage = {k: data[k] for k in ("level", "reasons", "rules", "ruleset") if k in data}
        elif event.type == ev.HANDOFF:
            self.handoff = dict(data) if data.get("status") else None
        elif event.type == ev.RESTARTED:
            language = self.slots.get("language")
            self.slots = {"language": language} if language else {}
            self.stack = []
            self.latest_triage = None
            self.last_buttons = []

    def copy(self) -> "ConversationState":
        """A deep copy (every turn makes one). The state's values are JSON-like (dicts, lists, strings,
        numbers): those are copied directly, 2–3× faster than `copy.deepcopy`; anything else in them,
        a subclass, or an attribute that is not a field goes through `copy.deepcopy` as before."""
        if type(self) is not ConversationState or self.__dict__.keys() != _STATE_FIELDS:
            return copy.deepcopy(self)
        return ConversationState(
            conversation_id=self.conversation_id,
            channel=self.channel,
            sender=self.sender,
            seq=self.seq,
            slots=_copied(self.slots),
            stack=[_copied_frame(frame) for frame in self.stack],
            latest_triage=_copied(self.latest_triage),
            handoff=_copied(self.handoff),
            last_buttons=_copied(self.last_buttons),
            message_ids=_copied(self.message_ids),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "channel": self.channel,
            "sender": self.sender,
            "seq": self.seq,
            "slots": self.slots,
            "stack": [f.to_dict() for f in self.stack],
            "latest_triage": self.latest_triage,
            "handoff": self.handoff,
            "last_buttons": self.last_buttons,
            "message_ids": self.message_ids,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ConversationState":
        return cls(
            conversation_id=data["conversation_id"],
            channel=data.get("channel", ""),
            sender=data.get("sender", ""),
            seq=data.get("seq", 0),
            slots=data.get("slots", {}),
            stack=[Frame.from_dict(f) for f in data.get("stack", [])],
            latest_triage=data.get("latest_triage"),
            handoff=data.get("handoff"),
            last_buttons=data.get("last_buttons", []),
            message_ids=data.get("message_ids", {}),
        )


_STATE_FIELDS = {f.name for f in fields(ConversationState)}
_FRAME_FIELDS = {f.name for f in fields(Frame)}
_ATOMS = frozenset({str, int, float, bool, type(None)})


def _copied(value: Any) -> Any:
    """A deep copy of a JSON-like value; any other type (or a subclass of dict or list) by `copy.deepcopy`."""
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is dict:
        return {key if type(key) in _ATOMS else copy.deepcopy(key): _copied(item) for key, item in value.items()}
    if kind is list:
        return [_copied(item) for item in value]
    return copy.deepcopy(value)


def _copied_frame(frame: Frame) -> Frame:
    if type(frame) is not Frame or frame.__dict__.keys() != _FRAME_FIELDS:
        return copy.deepcopy(frame)
    return Frame(frame.flow, frame.step, frame.waiting_for, frame.asks, _copied(frame.collected),
                 frame.digressions, frame.last_digression)
