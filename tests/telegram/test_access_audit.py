"""A doctor accepting on Telegram opens the patient's record there: the audit trail says so."""
from __future__ import annotations

from tests.telegram.test_doctors import DOCTOR_CHAT, bot_api, hospital

__all__ = ["bot_api", "hospital"]


async def test_the_intake_shown_on_telegram_is_an_audited_look_at_the_record(hospital) -> None:
    wang = await hospital.doctor("wang", "王医生")
    await hospital.link(wang, DOCTOR_CHAT)
    await hospital.patient_says("p1", "/request_doctor")
    consultation_id = (await hospital.tracker("p1"))["handoff"]["consultation_id"]
    await hospital.tap(DOCTOR_CHAT, (await hospital.accept_button(DOCTOR_CHAT))["data"])
    opened = await hospital.runtime.audit.entries(subject="p1", actions=("record.open",))
    assert [(e.actor, e.object_id, e.detail) for e in opened] == [(wang.actor, consultation_id, {"channel": "telegram"})]
    assert (await hospital.runtime.audit.verify()).ok
