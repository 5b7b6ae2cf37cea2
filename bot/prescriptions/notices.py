"""What the prescription domain publishes on pub/sub, as typed messages (`bot.wire`).

`PrescriptionRejected` goes to the prescribing doctor's staff topic (`consult:staff:<id>`: the console's event
stream shows it at once, as `prescription_rejected`) and to `topics.PRESCRIBERS`, which every Telegram worker
listens to so a doctor who linked Telegram is told there too (once, whichever worker wins). It carries no
patient text: the prescription, the medicines, the pharmacist and their reason.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

from bot.wire import wire

PRESCRIBERS = "rx:prescribers"  # every prescribing doctor's notices, for the channels that reach doctors elsewhere


@wire("prescription_rejected")
@dataclass(frozen=True)
class PrescriptionRejected:
    """A pharmacist rejected a prescription: its doctor should amend it (修改后重新提交)."""

    event: ClassVar[str] = "prescription_rejected"  # the name on the console's event stream

    prescription_id: str
    version: int
    doctor_id: int
    department: str
    medicines: tuple[str, ...]
    pharmacist: str  # the pharmacist's display name and title
    reason: str
    at: dt.datetime
