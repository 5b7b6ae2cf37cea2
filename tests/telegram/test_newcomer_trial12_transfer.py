"""Newcomer trial 12: a Telegram doctor who transfers a consultation got no message confirming it (the web console
shows a transfer notice). /transfer 科室|医生 from the chat, or a transfer made in the console, now ends the relay with
a Chinese confirmation naming the department or doctor. The doctor only through the local fake Bot API, driven by the
real python-telegram-bot; the patient types Chinese over REST."""
from __future__ import annotations

from typing import Any

from bot.consultations import consultations
from tests.telegram import test_doctors
from tests.telegram.test_doctors import COLLEAGUE_CHAT, DOCTOR_CHAT

bot_api = test_doctors.bot_api
hospital = test_doctors.hospital


async def _in_session(hospital: Any, sender: str) -> str:
    await hospital.patient_says(sender, "转人工")
    button = await hospital.accept_button(DOCTOR_CHAT)
    await hospital.tap(DOCTOR_CHAT, button["data"])
    return button["data"].split(":", 1)[1]


async def test_transfer_typed_in_telegram_is_confirmed_naming_the_department(hospital: Any) -> None:
    wang = await hospital.doctor("wang", "王医生")
    await hospital.link(wang, DOCTOR_CHAT)
    cid = await _in_session(hospital, "t1")
    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, "/transfer 儿科"))
    confirmed = await hospital.wait(lambda api: [t for t in api.texts_to(DOCTOR_CHAT) if "已转至儿科" in t])
    assert "转诊已完成" in confirmed[0], confirmed
    handoff = (await hospital.tracker("t1"))["handoff"]
    assert handoff["status"] == "transferred" and handoff["department"] == "pediatrics", handoff
    assert handoff["consultation_id"] == cid
    # The relay has stopped: the doctor's next words reach no patient.
    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, "还在吗"))
    assert "没有进行中的问诊" in hospital.api.texts_to(DOCTOR_CHAT)[-1]


async def test_transfer_to_a_named_doctor_is_confirmed_naming_the_doctor(hospital: Any) -> None:
    wang = await hospital.doctor("wang", "王医生")
    zhang = await hospital.doctor("zhang", "张强", department="pediatrics")
    await hospital.link(wang, DOCTOR_CHAT)
    await hospital.link(zhang, COLLEAGUE_CHAT)
    cid = await _in_session(hospital, "t2")
    # Made in the console (the same domain call): the Telegram chat of the doctor who had the patient is told too.
    await consultations(hospital.runtime).transfer(cid, wang, to_staff_id=zhang.id)
    confirmed = await hospital.wait(lambda api: [t for t in api.texts_to(DOCTOR_CHAT) if "已转至张强" in t])
    assert "儿科" in confirmed[0], confirmed


async def test_transfer_without_a_known_target_says_how(hospital: Any) -> None:
    wang = await hospital.doctor("wang", "王医生")
    await hospital.link(wang, DOCTOR_CHAT)
    await _in_session(hospital, "t3")
    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, "/transfer 火星科"))
    assert "/transfer" in hospital.api.texts_to(DOCTOR_CHAT)[-1] and "儿科" in hospital.api.texts_to(DOCTOR_CHAT)[-1]
    assert (await hospital.tracker("t3"))["handoff"]["status"] == "active"


async def test_contact_patient_from_the_alert_takes_a_patient_queued_elsewhere(hospital: Any) -> None:
    """Trial 12, item 1 on Telegram: 联系患者 on a patient waiting in 心理科's queue takes them, and says so."""
    from tests.telegram.test_console8_alert_buttons import _alert
    from tests.telegram.test_doctors import _button

    wang = await hospital.doctor("wang", "王医生")
    await hospital.doctor("xu", "徐医生", department="psychology")
    await hospital.link(wang, DOCTOR_CHAT)
    await hospital.patient_says("t4", "我外公突然说不出话了，右边手脚没力气")
    alert = await _alert(hospital, DOCTOR_CHAT, "")
    await hospital.patient_says("t4", '/request_doctor{"consult_department": "psychology"}')
    queued = (await hospital.tracker("t4"))["handoff"]
    assert queued["status"] == "waiting" and queued["department"] == "psychology", queued
    await hospital.tap(DOCTOR_CHAT, _button(alert, "alertc:"))
    handoff = (await hospital.tracker("t4"))["handoff"]
    assert handoff["status"] == "active" and handoff["consultation_id"] == queued["consultation_id"], handoff
    assert handoff["department"] == "general" and handoff["doctor"]["name"] == "王医生", handoff
    told = await hospital.wait(lambda api: [t for t in api.texts_to(DOCTOR_CHAT) if "已转到您这里" in t])
    assert "心理科" in told[0], told
