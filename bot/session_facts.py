"""What a patient says during a live doctor session adds to the intake; it never rewrites it silently.

Before the session the bot reads every message into the slots (a later answer corrects an earlier
one). Once a doctor has taken the patient, the intake is what the doctor read on accepting, and
chat is conversation with the doctor: "布洛芬一天最多吃几次？" must not turn a fever of three days
into one of a day. So, in a session, every fact the engine reads from a message is recorded as an
`observation` event (name, value, previous value) that the doctor's intake panel lists as new;
the slot itself takes the value only when it was empty (a new fact), when it is a vital sign (a new
reading is the current one, and the safety screen must see it), or when a symptom denied before is
present now (news that can only raise urgency).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any


if TYPE_CHECKING:
    from bot.state import ConversationState
    from bot.turn import Turn

OBSERVATION = "observation"  # {name, value, previous}: a fact the patient gave during a live session
ACTIVE = "active"


def in_live_session(state: ConversationState) -> bool:
    return (state.handoff or {}).get("status") == ACTIVE


def accept_in_session(turn: Turn, name: str, value: Any, previous: Any) -> bool:
    """Record a fact read during a live session; True when the slot may take it (see the module docstring)."""
    # Imported here: the consultations package imports the engine, which imports this module.
    from bot.consultations.summary import vital_names

    turn.emit(OBSERVATION, {"name": name, "value": value, "previous": previous}, actor="patient")
    # A symptom denied before and present now is news that can only raise urgency: the intake takes it.
    worse = name.startswith("symptoms.") and value is True
    return previous is None or worse or name in vital_names()
