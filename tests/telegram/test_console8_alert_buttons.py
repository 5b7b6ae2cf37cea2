"""console8: a Telegram doctor has 联系患者 and 知道了 under an emergency alert, as on the console — the same domain calls,
audited the same way (`consultation.open_by_doctor`, `alert.dismiss`). The doctor only through the local fake Bot API,
driven by the real python-telegram-bot; the patient types Chinese over REST."""
from __future__ import annotations

import asyncio
from typing import Any

from bot.consultations import consultations
from tests.telegram import test_doctors
from tests.telegram.test_doctors import COLLEAGUE_CHAT, DOCTOR_CHAT, _button

# The fixtures of tests/telegram/test_doctors.py: a fresh fake Bot API and the hospital around it.
bot_api = test_doctors.bot_api
hospital = test_doctors.hospital


def _alert(hospital: Any, chat_id: int, patient_words: str) -> Any:
    return hospital.wait(lambda api: next((c for c in api.sent_to(chat_id)
                                           if "危急提示" in c.params["text"] and patient_words in c.params["text"]), None))


async def test_contact_the_patient_from_the_alert_opens_a_chat_and_is_audited(hospital: Any) -> None:
    wang = await hospital.doctor("wang", "王医生")
    li = await hospital.doctor("li", "李医生")
    await hospital.link(wang, DOCTOR_CHAT)
    await hospital.link(li, COLLEAGUE_CHAT)
    await hospital.patient_says("grandpa", "我外公突然说不出话了，右边手脚没力气")
    alert = await _alert(hospital, DOCTOR_CHAT, "")
    consult = _button(alert, "alertc:")
    assert consult is not None and _button(alert, "alertd:") is not None and _button(alert, "alert:") is not None
    await hospital.tap(DOCTOR_CHAT, consult)

    handoff = (await hospital.tracker("grandpa"))["handoff"]
    assert handoff["status"] == "active" and handoff["doctor"]["name"] == "王医生", handoff
    told = [e["text"] for e in (await hospital.tracker("grandpa"))["events"] if e["event"] == "bot"]
    assert any("王医生" in t and "已接诊" in t for t in told), told[-3:]
    [entry] = await hospital.runtime.audit.entries(subject="grandpa", actions=("consultation.open_by_doctor",))
    assert entry.actor == wang.actor and entry.object_id == handoff["consultation_id"], entry
    assert entry.detail["why"] == "emergency_alert" and entry.detail["rules"], entry.detail

    # The chat is the usual one: the doctor writes in Telegram, the patient reads it.
    assert (await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, "我是王医生，外公现在能听懂你说话吗？"))).status_code == 200
    for _ in range(30):
        told = [e["text"] for e in (await hospital.tracker("grandpa"))["events"] if e["event"] == "bot"]
        if any("能听懂你说话吗" in t for t in told):
            break
        await asyncio.sleep(0.1)
    assert any("能听懂你说话吗" in t for t in told), told[-3:]

    # The colleague taps 联系患者 on the same alert: told who has the patient, no second consultation.
    colleague_alert = await _alert(hospital, COLLEAGUE_CHAT, "")
    await hospital.tap(COLLEAGUE_CHAT, _button(colleague_alert, "alertc:"))
    answer = hospital.api.calls_of("answerCallbackQuery")[-1].params
    assert "王医生" in answer["text"] and "无需重复" in answer["text"], answer
    assert (await hospital.tracker("grandpa"))["handoff"]["consultation_id"] == handoff["consultation_id"]


async def test_got_it_closes_the_alert_for_every_doctor_and_is_audited(hospital: Any) -> None:
    wang = await hospital.doctor("wang", "王医生")
    await hospital.link(wang, DOCTOR_CHAT)
    await hospital.patient_says("auntie", "我姨妈刚才突然晕倒了，叫不醒")
    alert = await _alert(hospital, DOCTOR_CHAT, "")
    await hospital.tap(DOCTOR_CHAT, _button(alert, "alertd:"))
    answer = hospital.api.calls_of("answerCallbackQuery")[-1].params
    assert "已关闭" in answer["text"], answer
    assert await consultations(hospital.runtime).open_alerts(wang) == []
    [entry] = await hospital.runtime.audit.entries(subject="auntie", actions=("alert.dismiss",))
    assert entry.actor == wang.actor and entry.detail["closed"] is True, entry
    assert (await hospital.tracker("auntie"))["handoff"] is None or (await hospital.tracker("auntie"))["handoff"].get("status") != "active"
