"""Access to a patient's record: the card the treating doctor sees, and the list of who opened what.

The treating doctor (the one who accepted the consultation) sees the bound medical card — name,
masked ID number, age and sex — in the intake; every other doctor sees the intake without it.
Each showing of the card is an audit entry (`card.open`), next to `record.open` and
`attachment.open` written by the console, which is what a patient's "谁看过我的记录" lists.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot.crypto import field_cipher
from bot.patients import Patient, Patients, mask_id_number
from bot.supervision.audit import AuditEntry, AuditTrail

if TYPE_CHECKING:
    from bot.consultations import Consultation, Staff
    from bot.runtime import Runtime

ACCESS_ACTIONS = ("record.open", "attachment.open", "card.open")


@dataclass(frozen=True)
class Access:
    """One look at a patient's record: when, by which role (and staff id, shown only if policy allows)."""

    at: dt.datetime
    role: str
    action: str
    staff_id: int | None


async def treating_card(runtime: Runtime, consultation: Consultation, staff: Staff) -> dict[str, Any] | None:
    """The bound card for the doctor in charge of this consultation (recorded), else None."""
    if consultation.doctor_id != staff.id:
        return None
    state = await runtime.engine.state(consultation.conversation_id)
    async with runtime.db.session() as session:
        patient = await session.scalar(select(Patient).where(
            Patient.channel == state.channel, Patient.external_id == state.sender))
        holder = await Patients(session, field_cipher(runtime.config)).current_holder(patient) if patient else None
    if holder is None:
        return None
    await runtime.audit.record(AuditEntry(
        actor=staff.actor, action="card.open", object_type="card", object_id=str(holder.id),
        subject=consultation.conversation_id, detail={"consultation_id": consultation.id}))
    return {"name": holder.name, "id_number": mask_id_number(holder.id_number), "age": int(holder.age_years()),
            "sex": holder.sex, "relation": holder.relation}


async def accesses(audit: AuditTrail, conversation_id: str, limit: int = 20) -> list[Access]:
    """The newest looks at this conversation's record, newest first."""
    found = await audit.entries(subject=conversation_id, actions=ACCESS_ACTIONS, limit=limit, newest_first=True)
    return [
        Access(dt.datetime.fromtimestamp(e.at, dt.timezone.utc), e.role, e.action,
               int(e.actor.partition(":")[2]) if e.actor.partition(":")[2].isdigit() else None)
        for e in found
    ]
