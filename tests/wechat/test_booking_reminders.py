"""Appointment reminders reach a WeChat patient whose 48-hour window has closed as template messages
(the local WeChat API fake); within the window they go as customer-service messages with the cancel button.
The appointment is booked by typing Chinese into the official account (real NLU and engine)."""
from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from bot.db import JobRow
from integrations.wechat.contacts import WeChatContact
from tests.booking.helpers import run_jobs_due
from tests.wechat.test_cards import ID_ADULT, Patient, bind

ZONE = ZoneInfo("Asia/Shanghai")
TEMPLATES = {"booking_day_before": "TPL_VISIT_DAY_BEFORE", "booking_waiting": "TPL_VISIT_WAITING"}


async def booked_the_day_after_tomorrow(setup: Any, openid: str) -> list[JobRow]:
    """Bind a card and book the day after tomorrow at 08:00 in paediatrics, typed; the reminder jobs."""
    patient = Patient(setup, openid)
    assert "绑定成功" in await bind(patient, "1", "张三丰", ID_ADULT, "13800138000")
    assert "08:00–09:00" in await patient.says("帮我约后天上午8点的儿科")
    assert "请确认预约信息" in await patient.says("1")
    assert "预约成功" in await patient.says("确认")
    async with setup.runtime.db.session() as session:
        return list(await session.scalars(select(JobRow).where(JobRow.kind == "booking_reminder",
                                                               JobRow.status == "pending").order_by(JobRow.due_at)))


async def close_the_window(setup: Any, openid: str) -> None:
    async with setup.runtime.db.transaction() as session:
        await session.execute(update(WeChatContact).where(WeChatContact.openid == openid).values(
            last_inbound_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=49)))


async def test_after_48_hours_both_reminders_go_as_their_template_messages(make_wechat: Any) -> None:
    setup = await make_wechat("safe", templates=TEMPLATES, runtime_overrides={"hospital": {"reminder_time": "18:00"}})
    jobs = await booked_the_day_after_tomorrow(setup, "o_visit")
    assert [j.payload["kind"] for j in jobs] == ["day_before", "waiting"]
    await close_the_window(setup, "o_visit")
    sent_before = len(setup.api.customer_messages("o_visit"))

    await run_jobs_due(setup.runtime, jobs[0].due_at.replace(tzinfo=dt.timezone.utc))
    await setup.channel.drain()
    [day_before] = setup.api.received("/cgi-bin/message/template/send")
    day = dt.datetime.now(ZONE).date() + dt.timedelta(days=2)
    assert day_before["template_id"] == "TPL_VISIT_DAY_BEFORE" and day_before["touser"] == "o_visit"
    assert day_before["data"]["thing1"]["value"].startswith("儿科")
    assert day_before["data"]["time2"] == {"value": f"{day:%Y-%m-%d} 08:00"}
    assert day_before["data"]["character_string3"] == {"value": "1"}
    assert all(len(field["value"]) <= 20 for field in day_before["data"].values())

    await run_jobs_due(setup.runtime, jobs[1].due_at.replace(tzinfo=dt.timezone.utc))
    await setup.channel.drain()
    waiting = setup.api.received("/cgi-bin/message/template/send")[-1]
    assert waiting["template_id"] == "TPL_VISIT_WAITING" and waiting["data"]["time2"] == {"value": f"{day:%Y-%m-%d} 08:00"}
    assert len(setup.api.customer_messages("o_visit")) == sent_before  # nothing went as customer service
    sent = [e.data["notice"] for e in await setup.events("o_visit", "wechat_template_sent")]
    assert sent == ["booking_day_before", "booking_waiting"]


async def test_within_the_window_the_reminder_is_a_customer_service_message(make_wechat: Any) -> None:
    setup = await make_wechat("safe", templates=TEMPLATES, runtime_overrides={"hospital": {"reminder_time": "18:00"}})
    jobs = await booked_the_day_after_tomorrow(setup, "o_visit2")
    await run_jobs_due(setup.runtime, jobs[0].due_at.replace(tzinfo=dt.timezone.utc))
    await setup.channel.drain()
    last = setup.api.customer_messages("o_visit2")[-1]["text"]["content"]
    assert "就诊提醒" in last and "08:00–09:00" in last and "取消预约" in last
    assert setup.api.received("/cgi-bin/message/template/send") == []


async def test_without_a_template_the_closed_window_is_recorded_not_lost_silently(make_wechat: Any) -> None:
    setup = await make_wechat("safe", runtime_overrides={"hospital": {"reminder_time": "18:00"}})
    jobs = await booked_the_day_after_tomorrow(setup, "o_visit3")
    await close_the_window(setup, "o_visit3")
    await run_jobs_due(setup.runtime, jobs[0].due_at.replace(tzinfo=dt.timezone.utc))
    await setup.channel.drain()
    assert setup.api.received("/cgi-bin/message/template/send") == []
    [undelivered] = await setup.events("o_visit3", "wechat_undelivered")
    assert undelivered.data["reason"] == "window_closed" and undelivered.data["notice_sent"] is None
