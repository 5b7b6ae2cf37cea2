"""Doctors on Telegram, end to end: link once, get told of waiting patients, accept, chat, close.

The patient talks through the REST channel or Telegram; the doctor only through the (fake) Bot API,
driven by the real python-telegram-bot; the consultation domain and the relay are the real ones.
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.consultations import Closing, Staff, consultations
from bot.runtime import Runtime
from bot.staff_links import issue_link_code
from integrations.telegram import channel_for
from integrations.telegram.models import TelegramSessionRow
from tests.telegram.conftest import Webhook, webhook_for
from tests.telegram.fake_bot_api import FakeBotApi, Updates

DOCTOR_CHAT = 7001
COLLEAGUE_CHAT = 7002
OTHER_DEPT_CHAT = 7003
PASSWORD = "correct-horse-battery"


@dataclass
class Hospital:
    runtime: Runtime
    api: FakeBotApi
    updates: Updates
    webhook: Webhook
    rest: httpx.AsyncClient

    async def doctor(self, username: str, name: str, department: str = "general") -> Staff:
        service = consultations(self.runtime)
        staff = await service.staff.add(username, PASSWORD, display_name=name, title="主治医师",
                                        departments=[department])
        for weekday in range(7):  # on duty round the clock, so "转人工" always queues
            await service.roster.add_shift(staff.id, department, weekday, 0, 1440)
        return staff

    async def link(self, staff: Staff, chat_id: int) -> None:
        code = await issue_link_code(self.runtime, staff.id)
        assert (await self.webhook.post(self.updates.message(chat_id, f"/link {code.display}"))).status_code == 200

    async def patient_says(self, sender: str, text: str) -> list[dict[str, Any]]:
        response = await self.rest.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
        assert response.status_code == 200, response.text
        return response.json()

    async def tracker(self, sender: str) -> dict[str, Any]:
        return (await self.rest.get(f"/conversations/{sender}/tracker")).json()

    async def wait(self, predicate: Any) -> Any:
        # The notification and relay run in the channel's pub/sub listeners: let the loop run them.
        return await asyncio.to_thread(self.api.wait_for, predicate)

    async def accept_button(self, chat_id: int) -> dict[str, Any]:
        call = await self.wait(lambda api: next((c for c in api.sent_to(chat_id) if _accept_data(c)), None))
        return {"data": _accept_data(call), "message_id": None}

    async def tap(self, chat_id: int, data: str) -> None:
        assert (await self.webhook.post(self.updates.callback(chat_id, data))).status_code == 200


def _accept_data(call: Any) -> str | None:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard") or []
    found = [b["callback_data"] for row in rows for b in row if b["callback_data"].startswith("accept:")]
    return found[0] if found else None


@pytest.fixture
def bot_api():
    """A fresh fake Bot API per test: the doctors' chats are the same numbers in every test."""
    api = FakeBotApi().start()
    yield api
    api.stop()


@pytest.fixture
async def hospital(telegram_env, make_runtime, bot_api, updates):
    runtime = await make_runtime(telegram={"mode": "webhook"})
    webhook = webhook_for(runtime)
    app = create_app(runtime=runtime)
    async with webhook.http, httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as rest:
        yield Hospital(runtime, bot_api, updates, webhook, rest)


async def test_a_doctor_links_the_chat_with_the_one_time_code(hospital):
    wang = await hospital.doctor("wang", "王医生")
    await hospital.link(wang, DOCTOR_CHAT)
    assert "王医生" in hospital.api.texts_to(DOCTOR_CHAT)[-1]
    [signed_in] = await hospital.runtime.audit.entries(actions=("staff.sign_in",))
    assert signed_in.actor == wang.actor and '"telegram"' in json.dumps(signed_in.detail)
    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT + 50, "/link AAAA-BBBB"))
    assert "无效" in hospital.api.texts_to(DOCTOR_CHAT + 50)[-1]


async def test_a_used_code_does_not_link_a_second_chat(hospital):
    wang = await hospital.doctor("wang", "王医生")
    code = await issue_link_code(hospital.runtime, wang.id)
    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, f"/link {code.code}"))
    await hospital.webhook.post(hospital.updates.message(COLLEAGUE_CHAT, f"/link {code.code}"))
    assert "无效" in hospital.api.texts_to(COLLEAGUE_CHAT)[-1]
    # The second chat stayed a patient's: its next message goes to the bot, not to a doctor's desk.
    await hospital.webhook.post(hospital.updates.message(COLLEAGUE_CHAT, "你好"))
    state = await hospital.runtime.engine.state(f"telegram:{COLLEAGUE_CHAT}")
    assert state.seq > 0


async def test_link_code_on_the_deep_link_start_command_links_too(hospital):
    wang = await hospital.doctor("wang", "王医生")
    code = await issue_link_code(hospital.runtime, wang.id)
    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, f"/start {code.code}"))
    assert "王医生" in hospital.api.texts_to(DOCTOR_CHAT)[-1]


async def test_the_whole_path_with_the_patient_on_the_rest_channel(hospital):
    wang = await hospital.doctor("wang", "王医生", department="fever")
    await hospital.link(wang, DOCTOR_CHAT)
    # What the intake would have gathered, set directly (the payload form of Rasa), then "转人工".
    await hospital.patient_says("p1", '/inform{"temperature": 39.2, "symptoms.fever": true, "symptoms.cough": true, '
                                      '"symptoms.dyspnea": false}')
    await hospital.patient_says("p1", "/request_doctor")
    tracker = await hospital.tracker("p1")
    assert tracker["handoff"] is not None and tracker["handoff"]["status"] == "waiting", tracker
    consultation_id = tracker["handoff"]["consultation_id"]

    # 1. Notified, with an accept button for exactly this consultation.
    button = await hospital.accept_button(DOCTOR_CHAT)
    assert button["data"] == f"accept:{consultation_id}"
    notice = [c for c in hospital.api.sent_to(DOCTOR_CHAT) if _accept_data(c)][0]
    assert "发热门诊" in notice.params["text"]

    # 2. Accepted: the intake summary comes first, then the patient is told who took them.
    sent_before = len(hospital.api.sent_to(DOCTOR_CHAT))
    await hospital.tap(DOCTOR_CHAT, button["data"])
    after = hospital.api.texts_to(DOCTOR_CHAT)[sent_before:]
    summary = "\n".join(after)
    assert "发热" in summary or "发烧" in summary
    assert "39" in summary
    tracker = await hospital.tracker("p1")
    assert tracker["handoff"]["status"] == "active"
    assert tracker["handoff"]["doctor"]["name"] == "王医生"
    assert any("王医生" in (e.get("text") or "") for e in tracker["events"] if e["event"] == "bot")

    # 3. Patient → doctor.
    await hospital.patient_says("p1", "医生，我现在头也有点疼")
    relayed = await hospital.wait(lambda api: [t for t in api.texts_to(DOCTOR_CHAT) if "头也有点疼" in t])
    assert relayed[0].startswith("患者")

    # 4. Doctor → patient.
    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, "请多喝水，按时量体温"))
    events = (await hospital.tracker("p1"))["events"]
    from_doctor = [e for e in events if e["event"] == "bot" and e["actor"] == f"doctor:{wang.id}"]
    assert from_doctor[-1]["text"] == "请多喝水，按时量体温"

    # 5. /close with a summary: the patient receives it, the consultation is closed.
    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, "/close\n病毒性上呼吸道感染，居家观察"))
    tracker = await hospital.tracker("p1")
    assert tracker["handoff"]["status"] == "closed"
    assert tracker["handoff"]["summary"] == "病毒性上呼吸道感染，居家观察"
    assert any("病毒性上呼吸道感染" in (e.get("text") or "") for e in tracker["events"] if e["event"] == "bot")
    assert (await consultations(hospital.runtime).get(consultation_id)).status == "closed"

    # 6. After closing, the doctor's words go nowhere: they are told so, and the patient gets nothing.
    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, "还在吗"))
    assert "没有进行中的问诊" in hospital.api.texts_to(DOCTOR_CHAT)[-1]
    events = (await hospital.tracker("p1"))["events"]
    assert not any(e.get("text") == "还在吗" for e in events)


async def test_the_whole_path_with_the_patient_on_telegram(hospital):
    patient_chat = 8801
    wang = await hospital.doctor("wang", "王医生")
    await hospital.link(wang, DOCTOR_CHAT)
    await hospital.webhook.post(hospital.updates.message(patient_chat, "转人工"))
    button = await hospital.accept_button(DOCTOR_CHAT)
    await hospital.tap(DOCTOR_CHAT, button["data"])
    # The patient's Telegram chat is told a doctor accepted (pushed through the output channel).
    assert any("王医生" in t for t in hospital.api.texts_to(patient_chat))

    await hospital.webhook.post(hospital.updates.message(patient_chat, "我喉咙很痛"))
    await hospital.wait(lambda api: [t for t in api.texts_to(DOCTOR_CHAT) if "我喉咙很痛" in t])

    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, "可以用淡盐水漱口"))
    assert hospital.api.texts_to(patient_chat)[-1] == "可以用淡盐水漱口"

    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, "/close 咽炎，对症处理"))
    assert any("咽炎，对症处理" in t for t in hospital.api.texts_to(patient_chat))


async def test_every_linked_doctor_of_the_department_is_told_and_the_others_see_who_took_the_patient(hospital):
    wang = await hospital.doctor("wang", "王医生")
    li = await hospital.doctor("li", "李医生")
    zhao = await hospital.doctor("zhao", "赵医生", department="pediatrics")
    await hospital.link(wang, DOCTOR_CHAT)
    await hospital.link(li, COLLEAGUE_CHAT)
    await hospital.link(zhao, OTHER_DEPT_CHAT)
    await hospital.patient_says("p2", "转人工")
    wang_button = await hospital.accept_button(DOCTOR_CHAT)
    li_button = await hospital.accept_button(COLLEAGUE_CHAT)
    assert wang_button["data"] == li_button["data"]

    await hospital.tap(DOCTOR_CHAT, wang_button["data"])
    edited = await hospital.wait(lambda api: [c for c in api.calls_of("editMessageText")
                                              if c.params["chat_id"] == COLLEAGUE_CHAT])
    assert "王医生" in edited[0].params["text"]
    assert "reply_markup" not in edited[0].params  # the dead button is gone

    # Li taps the stale button anyway: told it is taken, nothing changes.
    answers_before = len(hospital.api.calls_of("answerCallbackQuery"))
    await hospital.tap(COLLEAGUE_CHAT, li_button["data"])
    answer = hospital.api.calls_of("answerCallbackQuery")[answers_before]
    assert answer.params.get("show_alert") is True and "无法接诊" in answer.params["text"]
    tracker = await hospital.tracker("p2")
    assert tracker["handoff"]["doctor"]["name"] == "王医生"

    # The paediatrician was never told of a general-practice patient.
    assert not any(_accept_data(c) for c in hospital.api.sent_to(OTHER_DEPT_CHAT))


async def test_an_emergency_outside_a_session_reaches_the_departments_telegram_doctors(hospital):
    """The department alert the consoles show also reaches doctors who work only from Telegram."""
    wang = await hospital.doctor("wang", "王医生")
    li = await hospital.doctor("li", "李医生")
    zhao = await hospital.doctor("zhao", "赵医生", department="pediatrics")
    await hospital.link(wang, DOCTOR_CHAT)
    await hospital.link(li, COLLEAGUE_CHAT)
    await hospital.link(zhao, OTHER_DEPT_CHAT)
    before = {chat: len(hospital.api.sent_to(chat)) for chat in (DOCTOR_CHAT, COLLEAGUE_CHAT, OTHER_DEPT_CHAT)}

    replies = await hospital.patient_says("e1", "我爸突然胸口剧痛，出了一身冷汗，喘不上气")
    assert any("120" in (r.get("text") or "") for r in replies)  # the patient is told to call 120 first

    for chat in (DOCTOR_CHAT, COLLEAGUE_CHAT):
        alert = await hospital.wait(lambda api, chat=chat: next(
            (t for t in api.texts_to(chat)[before[chat]:] if "危急提示" in t), None))
        assert "全科" in alert and "胸" in alert and "120" in alert
    await asyncio.sleep(0.3)  # every worker's listener has had its turn: still one alert per chat
    assert sum("危急提示" in t for t in hospital.api.texts_to(DOCTOR_CHAT)) == 1
    # The paediatrician is not alerted of a general-practice patient.
    assert not any("危急提示" in t for t in hospital.api.texts_to(OTHER_DEPT_CHAT)[before[OTHER_DEPT_CHAT]:])


async def test_a_doctor_of_another_department_cannot_accept_even_with_the_callback_data(hospital):
    wang = await hospital.doctor("wang", "王医生")
    zhao = await hospital.doctor("zhao", "赵医生", department="pediatrics")
    await hospital.link(wang, DOCTOR_CHAT)
    await hospital.link(zhao, OTHER_DEPT_CHAT)
    await hospital.patient_says("p3", "转人工")
    button = await hospital.accept_button(DOCTOR_CHAT)
    await hospital.tap(OTHER_DEPT_CHAT, button["data"])
    answer = hospital.api.calls_of("answerCallbackQuery")[-1]
    assert "科室" in answer.params["text"]
    assert (await hospital.tracker("p3"))["handoff"]["status"] == "waiting"


async def test_a_session_closed_in_the_console_ends_the_telegram_relay(hospital):
    wang = await hospital.doctor("wang", "王医生")
    await hospital.link(wang, DOCTOR_CHAT)
    await hospital.patient_says("p4", "转人工")
    button = await hospital.accept_button(DOCTOR_CHAT)
    await hospital.tap(DOCTOR_CHAT, button["data"])
    consultation_id = button["data"].split(":", 1)[1]
    await consultations(hospital.runtime).close(consultation_id, wang, Closing(summary="控制台结束"))
    await hospital.wait(lambda api: [t for t in api.texts_to(DOCTOR_CHAT) if "已结束" in t])
    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, "还有问题吗"))
    assert "没有进行中的问诊" in hospital.api.texts_to(DOCTOR_CHAT)[-1]


async def test_a_red_flag_during_the_session_is_highlighted_to_the_doctor(hospital):
    wang = await hospital.doctor("wang", "王医生")
    await hospital.link(wang, DOCTOR_CHAT)
    await hospital.patient_says("p5", "转人工")
    await hospital.tap(DOCTOR_CHAT, (await hospital.accept_button(DOCTOR_CHAT))["data"])
    await hospital.patient_says("p5", "我突然喘不上气，嘴唇发紫")
    alert = await hospital.wait(lambda api: [t for t in api.texts_to(DOCTOR_CHAT) if t.startswith("⚠️")])
    assert "120" in alert[0]


async def test_close_without_a_summary_asks_for_one_and_keeps_the_session(hospital):
    wang = await hospital.doctor("wang", "王医生")
    await hospital.link(wang, DOCTOR_CHAT)
    await hospital.patient_says("p6", "转人工")
    await hospital.tap(DOCTOR_CHAT, (await hospital.accept_button(DOCTOR_CHAT))["data"])
    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, "/close"))
    assert "/close" in hospital.api.texts_to(DOCTOR_CHAT)[-1]
    assert (await hospital.tracker("p6"))["handoff"]["status"] == "active"
    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, "再观察一天"))
    events = (await hospital.tracker("p6"))["events"]
    assert any(e.get("text") == "再观察一天" for e in events if e["event"] == "bot")


async def test_an_unlinked_doctor_is_a_patient_again_and_their_sessions_stop_relaying_there(hospital):
    wang = await hospital.doctor("wang", "王医生")
    await hospital.link(wang, DOCTOR_CHAT)
    await hospital.patient_says("p11", "转人工")
    await hospital.tap(DOCTOR_CHAT, (await hospital.accept_button(DOCTOR_CHAT))["data"])
    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, "/unlink"))
    async with hospital.runtime.db.session() as s:
        still_open = (await s.scalars(select(TelegramSessionRow).where(
            TelegramSessionRow.chat_id == DOCTOR_CHAT, TelegramSessionRow.ended_at.is_(None)))).all()
    assert still_open == []
    assert (await hospital.tracker("p11"))["handoff"]["status"] == "active"  # the console can go on
    # A colleague still linked is told of the next patient; the unlinked chat is not (same notifying pass).
    li = await hospital.doctor("li", "李医生")
    await hospital.link(li, COLLEAGUE_CHAT)
    notices_before = [c for c in hospital.api.sent_to(DOCTOR_CHAT) if _accept_data(c)]
    await hospital.patient_says("p7", "转人工")
    await hospital.accept_button(COLLEAGUE_CHAT)
    assert [c for c in hospital.api.sent_to(DOCTOR_CHAT) if _accept_data(c)] == notices_before
    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, "你好"))
    assert (await hospital.runtime.engine.state(f"telegram:{DOCTOR_CHAT}")).seq > 0


async def test_a_doctors_message_telegram_delivers_twice_reaches_the_patient_once(hospital):
    wang = await hospital.doctor("wang", "王医生")
    await hospital.link(wang, DOCTOR_CHAT)
    await hospital.patient_says("p8", "转人工")
    await hospital.tap(DOCTOR_CHAT, (await hospital.accept_button(DOCTOR_CHAT))["data"])
    update = hospital.updates.message(DOCTOR_CHAT, "请把体温告诉我")
    await hospital.webhook.post(update)
    await hospital.webhook.post(update)
    events = (await hospital.tracker("p8"))["events"]
    assert [e["text"] for e in events if e.get("text") == "请把体温告诉我"] == ["请把体温告诉我"]


async def test_a_doctor_with_two_patients_tells_them_apart_by_tag_and_switches_between_them(hospital):
    wang = await hospital.doctor("wang", "王医生")
    await hospital.link(wang, DOCTOR_CHAT)
    tags = {}
    for sender in ("p9", "p10"):
        await hospital.patient_says(sender, "转人工")
        data = await hospital.wait(lambda api: [_accept_data(c) for c in api.sent_to(DOCTOR_CHAT)
                                                if _accept_data(c) and _accept_data(c)[-4:] not in tags.values()])
        await hospital.tap(DOCTOR_CHAT, data[0])
        tags[sender] = data[0][-4:]
    assert tags["p9"] != tags["p10"]

    await hospital.patient_says("p9", "我是先来的那位")
    relayed = await hospital.wait(lambda api: [t for t in api.texts_to(DOCTOR_CHAT) if "我是先来的那位" in t])
    assert f"#{tags['p9']}" in relayed[0]

    # Messages go to the patient accepted last, until the doctor switches.
    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, "给后来的那位"))
    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, f"/switch #{tags['p9']}"))
    assert f"#{tags['p9']}" in hospital.api.texts_to(DOCTOR_CHAT)[-1]
    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, "给先来的那位"))

    def doctor_texts(events: list[dict[str, Any]]) -> list[str]:
        return [e["text"] for e in events if e["event"] == "bot" and e["actor"] == f"doctor:{wang.id}"]

    assert doctor_texts((await hospital.tracker("p10"))["events"])[-1] == "给后来的那位"
    assert doctor_texts((await hospital.tracker("p9"))["events"])[-1] == "给先来的那位"

    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, "/switch zzzz"))
    listing = hospital.api.texts_to(DOCTOR_CHAT)[-1]
    assert f"#{tags['p9']}" in listing and f"#{tags['p10']}" in listing


async def test_a_telegram_patients_photo_reaches_the_doctors_chat_as_a_photo_with_the_patient_tag(hospital):
    patient_chat = 8802
    wang = await hospital.doctor("wang", "王医生")
    await hospital.link(wang, DOCTOR_CHAT)
    await hospital.webhook.post(hospital.updates.message(patient_chat, "转人工"))
    await hospital.tap(DOCTOR_CHAT, (await hospital.accept_button(DOCTOR_CHAT))["data"])
    photo = [{"file_id": "throat-photo", "file_unique_id": "t", "width": 800, "height": 600}]
    await hospital.webhook.post(hospital.updates.message(patient_chat, None, photo=photo, caption="嗓子"))
    sent = await hospital.wait(lambda api: [c for c in api.calls_of("sendPhoto") if c.params["chat_id"] == DOCTOR_CHAT])
    assert sent[0].params["photo"] == "throat-photo"
    assert sent[0].params["caption"].startswith("#")


async def test_a_doctor_invited_into_a_session_joins_from_telegram_and_hears_the_patient(hospital):
    wang = await hospital.doctor("wang", "王医生")
    li = await hospital.doctor("li", "李医生", department="respiratory")
    await hospital.link(wang, DOCTOR_CHAT)
    await hospital.link(li, COLLEAGUE_CHAT)
    await hospital.patient_says("p12", "转人工")
    accept = (await hospital.accept_button(DOCTOR_CHAT))["data"]
    await hospital.tap(DOCTOR_CHAT, accept)
    consultation_id = accept.split(":", 1)[1]

    await consultations(hospital.runtime).invite(consultation_id, wang, li.id)
    invite = await hospital.wait(lambda api: next((c for c in api.sent_to(COLLEAGUE_CHAT) if _button(c, "join:")), None))
    await hospital.tap(COLLEAGUE_CHAT, _button(invite, "join:"))
    assert any("问诊摘要" in t for t in hospital.api.texts_to(COLLEAGUE_CHAT))

    await hospital.patient_says("p12", "我胸口有点闷")
    await hospital.wait(lambda api: [t for t in api.texts_to(COLLEAGUE_CHAT) if "我胸口有点闷" in t])
    await hospital.wait(lambda api: [t for t in api.texts_to(DOCTOR_CHAT) if "我胸口有点闷" in t])

    # The second doctor's words reach the patient, and the first doctor sees them too.
    await hospital.webhook.post(hospital.updates.message(COLLEAGUE_CHAT, "建议查个血常规"))
    events = (await hospital.tracker("p12"))["events"]
    assert any(e.get("text") == "建议查个血常规" and e["actor"] == f"doctor:{li.id}" for e in events)
    await hospital.wait(lambda api: [t for t in api.texts_to(DOCTOR_CHAT) if "建议查个血常规" in t and "李医生" in t])

    # A doctor who was not invited cannot join with the same button data.
    zhao = await hospital.doctor("zhao", "赵医生")
    await hospital.link(zhao, OTHER_DEPT_CHAT)
    await hospital.tap(OTHER_DEPT_CHAT, f"join:{consultation_id}")
    assert "无法加入" in hospital.api.calls_of("answerCallbackQuery")[-1].params["text"]


def _button(call: Any, prefix: str) -> str | None:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard") or []
    found = [b["callback_data"] for row in rows for b in row if b["callback_data"].startswith(prefix)]
    return found[0] if found else None


# fix6: alerts were live-only; a doctor who linked after the patient's emergency never heard of it.
async def test_an_alert_raised_before_the_doctor_linked_is_told_on_linking_until_someone_takes_it(hospital):
    wang = await hospital.doctor("wang", "王医生")
    li = await hospital.doctor("li", "李医生")
    await hospital.patient_says("early", "我爸突然胸口剧痛，出了一身冷汗，喘不上气")  # no doctor linked yet
    await hospital.link(wang, DOCTOR_CHAT)
    alert = await hospital.wait(lambda api: next((c for c in api.sent_to(DOCTOR_CHAT) if "危急提示" in c.params["text"]), None))
    assert "全科" in alert.params["text"] and "胸" in alert.params["text"]
    take = _button(alert, "alert:")  # console8: 联系患者 and 知道了 are beside it (tests/telegram/test_console8_alert_buttons.py)
    assert take is not None
    await hospital.tap(DOCTOR_CHAT, take)
    answer = hospital.api.calls_of("answerCallbackQuery")[-1]
    assert "由您跟进" in answer.params["text"], answer.params
    await hospital.link(li, COLLEAGUE_CHAT)  # taken: the colleague who links now is not told
    await asyncio.sleep(0.3)
    assert not any("危急提示" in t for t in hospital.api.texts_to(COLLEAGUE_CHAT))
    assert await consultations(hospital.runtime).open_alerts(li) == []


async def test_a_doctor_going_on_duty_is_told_the_open_alerts_their_department_now_gets(hospital):
    """General has nobody on duty; the paediatrician linked off duty is not told live (not their department,
    and not where alerts route while nobody is on duty anywhere). When the shift begins, the open alert is
    told once: with general empty, alerts route to the departments with a doctor on duty."""
    service = consultations(hospital.runtime)
    zhao = await service.staff.add("zhao", PASSWORD, display_name="赵医生", title="主治医师", departments=["pediatrics"])
    await hospital.link(zhao, OTHER_DEPT_CHAT)
    await hospital.patient_says("later", "我爸突然胸口剧痛，出了一身冷汗，喘不上气")
    await asyncio.sleep(0.3)
    assert not any("危急提示" in t for t in hospital.api.texts_to(OTHER_DEPT_CHAT))
    for weekday in range(7):
        await service.roster.add_shift(zhao.id, "pediatrics", weekday, 0, 1440)
    channel = channel_for(hospital.runtime)
    assert channel is not None
    desk = channel.doctors
    await desk.queue.alerts_for_doctors_on_duty()  # what the heartbeat does every few seconds
    await desk.queue.alerts_for_doctors_on_duty()
    told = [t for t in hospital.api.texts_to(OTHER_DEPT_CHAT) if "危急提示" in t]
    assert len(told) == 1 and "全科" in told[0], told
