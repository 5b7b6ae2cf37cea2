"""The conversation's append-only event log: every event type, and the record that is stored."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

# The event types the engine writes. Plugins may add their own (e.g. "attachment", "followup");
# state derivation ignores types it does not know.
USER = "user"  # {text, payload, intent, entities, message_id, attachments}
BOT = "bot"  # a BotMessage dict
SLOT = "slot"  # {name, value}; a dotted name sets one key of a map slot
FLOW_STARTED = "flow_started"  # {flow}
FLOW_ENDED = "flow_ended"  # {flow, reason: completed | cancelled | linked | restarted}
STACK = "stack"  # {frames: [...]}: the dialogue stack after the turn
ACTION = "action"  # {name, ok, error?}
TRIAGE = "triage"  # {level, reasons, rules, ruleset, facts}
HANDOFF = "handoff"  # {status, consultation_id?, ...}
RESTARTED = "restarted"  # {}


@dataclass(frozen=True)
class Event:
    """One thing that happened in a conversation: who did it, when, and what."""

    type: str
    data: dict[str, Any] = field(default_factory=dict)
    actor: str = "bot"  # patient | bot | system | doctor:<id> | pharmacist:<id> | admin:<id>
    timestamp: float = field(default_factory=time.time)
    seq: int | None = None  # position in the log, assigned when stored

    def to_dict(self) -> dict[str, Any]:
        return {
            "event": self.type,
            "seq": self.seq,
            "timestamp": self.timestamp,
            "actor": self.actor,
            **self.data,
        }
