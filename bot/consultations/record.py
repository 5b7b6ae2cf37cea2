"""`Consultation`: one consultation as every caller (and every pub/sub subscriber) sees it."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Consultation:
    """One consultation as every caller sees it."""

    id: str
    conversation_id: str
    department: str
    department_name: str
    status: str
    level: str | None
    priority: int
    fee_fen: int
    order_no: str | None
    paid_at: dt.datetime | None
    requested_at: dt.datetime
    waiting_since: dt.datetime | None
    session_starts_at: dt.datetime | None
    expires_at: dt.datetime | None
    accepted_at: dt.datetime | None
    ended_at: dt.datetime | None
    doctor_id: int | None
    assigned_to: int | None
    participants: tuple[int, ...]
    closing: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        def iso(value: dt.datetime | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "id": self.id,
            "conversation_id": self.conversation_id,
            "department": self.department,
            "department_name": self.department_name,
            "status": self.status,
            "level": self.level,
            "fee_fen": self.fee_fen,
            "order_no": self.order_no,
            "paid_at": iso(self.paid_at),
            "requested_at": iso(self.requested_at),
            "waiting_since": iso(self.waiting_since),
            "session_starts_at": iso(self.session_starts_at),
            "expires_at": iso(self.expires_at),
            "accepted_at": iso(self.accepted_at),
            "ended_at": iso(self.ended_at),
            "doctor_id": self.doctor_id,
            "assigned_to": self.assigned_to,
            "participants": list(self.participants),
            "closing": self.closing,
        }
