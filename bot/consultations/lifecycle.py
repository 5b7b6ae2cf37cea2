"""The states of a consultation and which transitions are allowed between them."""
from __future__ import annotations

REQUESTED = "requested"  # created; waits for the fee to be paid (only when a fee is configured)
WAITING = "waiting"  # in the department's queue ("待接诊")
ACTIVE = "active"  # a doctor accepted; messages are relayed both ways
CLOSED = "closed"  # the doctor closed it with a summary
TRANSFERRED = "transferred"  # handed to another department or a named doctor; queued there
CANCELLED = "cancelled"  # the patient withdrew
EXPIRED = "expired"  # no doctor before the end of the department's session

STATUSES = (REQUESTED, WAITING, ACTIVE, CLOSED, TRANSFERRED, CANCELLED, EXPIRED)
QUEUED = (WAITING, TRANSFERRED)  # shown in the queue, may be accepted
OPEN = (REQUESTED, WAITING, TRANSFERRED, ACTIVE)  # a conversation has at most one open consultation
ENDED = (CLOSED, CANCELLED, EXPIRED)

ALLOWED: dict[str, tuple[str, ...]] = {
    REQUESTED: (WAITING, CANCELLED, EXPIRED),
    WAITING: (ACTIVE, CANCELLED, EXPIRED, TRANSFERRED),
    TRANSFERRED: (ACTIVE, CANCELLED, EXPIRED, TRANSFERRED),
    ACTIVE: (CLOSED, TRANSFERRED, CANCELLED),
    CLOSED: (),
    CANCELLED: (),
    EXPIRED: (),
}


def can_move(current: str, new: str) -> bool:
    return new in ALLOWED.get(current, ())
