"""Who a queue entry is, at a glance: display name, age, sex, chief complaint — for the doctor's queue.

The name is the patient's current medical card, masked (张*丰); without a card, "患者" and the
last four characters of the channel id (the words come from the response files). Age and sex
come from the card when there is one, else from what the patient told the bot.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from bot.consultations.intake import build_intake
from bot.crypto import field_cipher
from bot.patients import CardHolder, Patient, Patients, mask_name

if TYPE_CHECKING:
    from bot.runtime import Runtime

COMPLAINT_SYMPTOMS = 3  # the chief complaint names at most this many symptoms


@dataclass(frozen=True)
class WaitingPatient:
    display_name: str
    age: float | None
    sex: str | None
    subject: str | None
    chief_complaint: str
    duration_hours: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


async def waiting_patient(runtime: Runtime, conversation_id: str) -> WaitingPatient:
    state = await runtime.engine.state(conversation_id)
    slots = state.slots
    holder = await _card_holder(runtime, state.channel, state.sender)
    intake = build_intake(state, [])
    if holder is not None:
        name = mask_name(holder.name)
    else:
        name = runtime.responses.text("console_patient_anonymous", state, {"last4": state.sender[-4:]})
    return WaitingPatient(
        display_name=name,
        age=holder.age_years() if holder else slots.get("age"),
        sex=holder.sex if holder else slots.get("sex"),
        subject=slots.get("subject"),
        chief_complaint="、".join(item.label for item in intake.symptoms_present[:COMPLAINT_SYMPTOMS]),
        duration_hours=slots.get("duration_hours"),
    )


async def _card_holder(runtime: Runtime, channel: str, sender: str) -> CardHolder | None:
    async with runtime.db.session() as session:
        patient = await session.scalar(select(Patient).where(Patient.channel == channel, Patient.external_id == sender))
        if patient is None:
            return None
        return await Patients(session, field_cipher(runtime.config)).current_holder(patient)
