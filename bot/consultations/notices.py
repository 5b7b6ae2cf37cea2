"""What the consultation domain publishes on pub/sub (`topics`), as typed messages with one codec (`bot.wire`).

Department topics carry `ConsultationChanged` (the queue) and `DepartmentAlert` (an emergency outside
any session); staff topics carry `ConsultationChanged`, `ChatLine`, `SessionAlert`, `Invited` and `IntakeUpdated`.
The wire shapes are those of docs/consultations.md: the console reads them as they are.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar

from bot.consultations.record import Consultation
from bot.wire import wire


class topics:
    """Pub/sub topic names (see docs/consultations.md)."""

    DEPARTMENT = "consult:dept:"
    STAFF = "consult:staff:"

    @staticmethod
    def department(code: str) -> str:
        return f"{topics.DEPARTMENT}{code}"

    @staticmethod
    def staff(staff_id: int) -> str:
        return f"{topics.STAFF}{staff_id}"

    @staticmethod
    def staff_id(topic: str) -> int | None:
        """The doctor a staff topic belongs to; None for any other topic."""
        if not topic.startswith(topics.STAFF):
            return None
        rest = topic[len(topics.STAFF):]
        return int(rest) if rest.isdigit() else None


@dataclass(frozen=True)
class RedFlag:
    """The red flags of an emergency triage (the `red_flag` event's data)."""

    level: str
    reasons: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    text: str = ""
    in_session: bool = False

    @classmethod
    def of(cls, event: dict[str, Any]) -> "RedFlag":
        return cls(level=str(event.get("level") or ""), reasons=tuple(map(str, event.get("reasons") or ())),
                   rules=tuple(map(str, event.get("rules") or ())), text=str(event.get("text") or ""),
                   in_session=bool(event.get("in_session")))


@dataclass(frozen=True)
class DoctorRef:
    id: int
    name: str
    title: str
    role: str


@wire("consultation")
@dataclass(frozen=True)
class ConsultationChanged:
    """A consultation moved (requested, waiting, active, transferred, closed, ...)."""

    change: str
    consultation: Consultation


@wire("message")
@dataclass(frozen=True)
class ChatLine:
    """A line of a live session: from the patient (`sender` "patient") or from a doctor (their actor)."""

    consultation_id: str
    sender: str = field(metadata={"wire": "from"})
    text: str
    at: dt.datetime
    name: str = ""  # the doctor's display name
    attachments: tuple[dict[str, Any], ...] = ()


@wire("alert")
@dataclass(frozen=True)
class SessionAlert:
    """Red flags said by a patient in a live session, to the session's doctors."""

    consultation_id: str
    alert: RedFlag
    text: str
    at: dt.datetime


@wire("department_alert")
@dataclass(frozen=True)
class DepartmentAlert:
    """An emergency outside any session, to every doctor of the patient's department."""

    event: ClassVar[str] = "alert"  # the console's stream names both kinds of alert "alert"

    conversation_id: str
    department: str
    department_name: str
    alert: RedFlag
    text: str
    at: dt.datetime
    consultation_id: None = None  # the console tells the two alerts apart by this
    alert_id: int | None = None  # the kept alert (EmergencyAlertRow): "我来处理" takes it
    # The alert's newest state (console7): after a confirmed correction the conversation's latest triage
    # ({level, level_label, reasons, why, said, at}); None while the emergency stands as raised.
    update: dict[str, Any] | None = None


@wire("alert_updated")
@dataclass(frozen=True)
class AlertUpdated:
    """A kept alert follows its conversation's latest triage (console7): `status` "open" (still an emergency,
    the reasons may have changed) or "closed" (re-triaged lower, or dismissed by a doctor); `update` says
    the level now and why ({level, level_label, reasons, why, said, at}), `by` who dismissed it."""

    conversation_id: str
    department: str
    alert_id: int
    status: str
    update: dict[str, Any]
    at: dt.datetime
    by: DoctorRef | None = None


@wire("alert_taken")
@dataclass(frozen=True)
class AlertTaken:
    """A doctor took a patient's open emergency alerts: the other consoles and chats drop them."""

    conversation_id: str
    department: str
    by: DoctorRef
    at: dt.datetime


@wire("invited")
@dataclass(frozen=True)
class Invited:
    """A doctor is invited into a session (a second opinion)."""

    consultation_id: str
    by: DoctorRef
    consultation: Consultation


@wire("intake")
@dataclass(frozen=True)
class IntakeUpdated:
    """During a session the patient gave new facts, or the level changed: the open intake panels redraw."""

    consultation_id: str
    observations: tuple[dict[str, Any], ...] = ()
    triage: dict[str, Any] | None = None


Notice = (ConsultationChanged | ChatLine | SessionAlert | DepartmentAlert | AlertTaken | AlertUpdated | Invited
          | IntakeUpdated)


def event_name(message: Any) -> str:
    """The name a message has on the console's event stream."""
    return str(getattr(type(message), "event", None) or message.wire_tag)
