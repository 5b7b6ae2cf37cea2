"""Medication reminder times from approved prescriptions (home monitoring's 用药提醒, issue 15).

A line's frequency gives its times of day. These are the usual clock times a pharmacist writes on a
label for 每日1次 … 每日4次 and 睡前 (a convention, not a dosing rule: the doctor may change the
times on the monitoring page); a medicine taken 必要时 (prn) gets no reminder.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from bot.prescriptions.formulary import Formulary
from bot.prescriptions.service import Prescription

DOSING_TIMES: dict[str, tuple[str, ...]] = {
    "qd": ("08:00",),
    "bid": ("08:00", "20:00"),
    "q12h": ("08:00", "20:00"),
    "tid": ("08:00", "13:00", "19:00"),
    "qid": ("08:00", "12:00", "17:00", "21:00"),
    "qn": ("21:00",),
    "prn": (),
}


def medication_reminders(formulary: Formulary, approved: Iterable[Prescription], limit: int = 10) -> list[dict[str, Any]]:
    """One reminder entry ({name, dose, times}) per medicine, from the newest approved prescription that
    has it (`approved` newest first); medicines taken only when needed are left out."""
    seen: set[str] = set()
    reminders: list[dict[str, Any]] = []
    for prescription in approved:
        for line in prescription.lines:
            medicine = formulary.get(line.code)
            times = DOSING_TIMES.get(line.frequency, ())
            if medicine is None or not times or line.code in seen:
                continue
            seen.add(line.code)
            reminders.append({"name": medicine.name[:40], "dose": f"每次{line.dose:g}{medicine.unit}"[:40],
                              "times": list(times)})
    return reminders[:limit]
