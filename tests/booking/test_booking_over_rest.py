"""Booking through the embedded hospital system, typed Chinese through the real NLU and engine (REST):
book → the reminder jobs → cancel; change the hour; nucleic-acid booking; no card; a full hour."""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select, text

from bot.app import create_app
from bot.db import JobRow
from bot.runtime import Runtime
from integrations.web.rest_auth import RestAuth
from tests.booking.helpers import bind_card, buttons, run_jobs_due, say, texts

ZONE = ZoneInfo("Asia/Shanghai")
HOSPITAL = {"reminder_time": "23:59", "waiting_minutes": 30}


@pytest.fixture
async def booking_runtime(make_runtime) -> Runtime:
    return await make_runtime(hospital=HOSPITAL, services={"hospital": {
        "name": "尤溪县总医院", "phone": "（测试电话）", "booking_channel": "医院官方小程序"}})


@pytest.fixture
async def http(booking_runtime: Runtime):
    transport = httpx.ASGITransport(app=create_app(runtime=booking_runtime))
    headers = {"Authorization": f"Bearer {RestAuth(booking_runtime.config).deployment_token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://wenzhen.test", headers=headers) as client:
        yield client


async def pending(runtime: Runtime) -> list[JobRow]:
    async with runtime.db.session() as session:
        return list(await session.scalars(
            select(JobRow).where(JobRow.kind == "booking_reminder", JobRow.status == "pending").order_by(JobRow.due_at)))


async def test_book_tomorrow_morning_in_paediatrics_get_the_reminders_then_cancel(
    booking_runtime: Runtime, http: httpx.AsyncClient
) -> None:
    await bind_card(http, "p_book")
    tomorrow = dt.datetime.now(ZONE).date() + dt.timedelta(days=1)

    offered = await say(http, "p_book", "帮我约明天上午的儿科")
    said = texts(offered)
    assert "儿科" in said and f"{tomorrow.month}月{tomorrow.day}日" in said, said
    hours = [b["title"] for b in buttons(offered)]
    assert hours and all(int(h[:2]) < 12 for h in hours), hours  # 上午 only
    assert hours[0].startswith("08:00–09:00")

    confirm = await say(http, "p_book", "1")
    assert "请确认预约信息" in texts(confirm) and "张*丰" in texts(confirm) and "08:00–09:00" in texts(confirm)
    done = texts(await say(http, "p_book", "确认"))  # typed, as well as the button's number
    assert "预约成功" in done and "第1号" in done, done

    # The day-before reminder and the waiting reminder, as durable jobs.
    jobs = await pending(booking_runtime)
    assert [j.payload["kind"] for j in jobs] == ["day_before", "waiting"]
    start = dt.datetime.combine(tomorrow, dt.time(8), tzinfo=ZONE)
    assert jobs[1].due_at.replace(tzinfo=dt.timezone.utc) == start - dt.timedelta(minutes=30)
    await run_jobs_due(booking_runtime, jobs[0].due_at.replace(tzinfo=dt.timezone.utc))
    tracker = (await http.get("/conversations/p_book/tracker")).json()
    pushed = [e.get("text") or "" for e in tracker["events"] if e.get("event") == "bot"]
    assert any("就诊提醒" in t and "儿科" in t and "08:00–09:00" in t for t in pushed), pushed[-3:]
    booked = [e for e in tracker["events"] if e.get("event") == "appointment"]
    assert [e["status"] if "status" in e else e.get("data", {}).get("status") for e in booked] == ["booked"], booked

    cancel = await say(http, "p_book", "我想取消预约")
    assert "确定要取消" in texts(cancel) and "08:00–09:00" in texts(cancel)
    cancelled = texts(await say(http, "p_book", "好的"))
    assert "已取消预约" in cancelled
    assert await pending(booking_runtime) == []  # the waiting reminder will not go out
    async with booking_runtime.db.session() as session:
        assert (await session.execute(text("select booked from hospital_slots where booked > 0"))).all() == []
    assert "没有待就诊的预约" in texts(await say(http, "p_book", "我想取消预约"))


async def test_booking_asks_department_then_day_then_hour(http: httpx.AsyncClient) -> None:
    await bind_card(http, "p_steps")
    asked = await say(http, "p_steps", "我要预约挂号")
    assert "哪个科室" in texts(asked)
    assert "儿科" in [b["title"] for b in buttons(asked)]
    days = await say(http, "p_steps", "/booking_choose{\"booking_department\": \"respiratory\"}")
    assert "呼吸内科可以预约的日期" in texts(days)
    hours = await say(http, "p_steps", "2")
    assert "还有号的时段" in texts(hours) and "王强" in buttons(hours)[0]["title"]


async def test_reschedule_moves_the_appointment_and_its_reminders(booking_runtime: Runtime, http: httpx.AsyncClient) -> None:
    await bind_card(http, "p_move")
    await say(http, "p_move", "帮我约后天上午的儿科")
    await say(http, "p_move", "1")
    assert "预约成功" in texts(await say(http, "p_move", "1"))
    before = {j.payload["appointment"] for j in await pending(booking_runtime)}

    listed = await say(http, "p_move", "我要改约")
    assert "要改约的一个" in texts(listed)
    days = await say(http, "p_move", "1")
    assert "儿科可以预约的日期" in texts(days)
    await say(http, "p_move", "3")  # the third bookable day
    await say(http, "p_move", "1")
    changed = texts(await say(http, "p_move", "1"))
    assert "改约成功" in changed and "原来的预约已取消" in changed, changed
    after = {j.payload["appointment"] for j in await pending(booking_runtime)}
    assert after and not (after & before)


async def test_nucleic_acid_test_is_booked_as_a_service(http: httpx.AsyncClient) -> None:
    await bind_card(http, "p_na")
    offered = await say(http, "p_na", "预约核酸检测")
    assert "核酸检测可以预约的日期" in texts(offered)
    hours = await say(http, "p_na", "2")
    assert "核酸检测" in texts(hours)
    await say(http, "p_na", "1")
    assert "预约成功" in texts(await say(http, "p_na", "1"))


async def test_without_a_card_booking_and_reports_say_how_to_bind_one(http: httpx.AsyncClient) -> None:
    for typed in ("我要预约挂号", "查一下我的核酸报告"):
        replies = await say(http, "p_nocard", typed)
        assert "先绑定就诊卡" in texts(replies)
        assert "/bind_card" in [b["payload"] for b in buttons(replies)]


async def test_a_full_hour_is_not_offered_and_cannot_be_booked_twice(booking_runtime: Runtime, http: httpx.AsyncClient) -> None:
    await bind_card(http, "p_full")
    offered = await say(http, "p_full", "帮我约后天上午8点的儿科")
    first = buttons(offered)
    assert first and all(b["title"].startswith("08:00") for b in first)
    slot_id = re.search(r'"booking_slot": "(\d+)"', first[0]["payload"]).group(1)  # type: ignore[union-attr]
    async with booking_runtime.db.transaction() as session:
        await session.execute(text("update hospital_slots set booked = capacity where id = :id"), {"id": int(slot_id)})
    taken = texts(await say(http, "p_full", f'/booking_confirm{{"booking_slot": "{slot_id}"}}'))
    assert "被约满" in taken
    again = await say(http, "p_full", "帮我约后天上午8点的儿科")
    assert slot_id not in " ".join(b["payload"] for b in buttons(again))


async def test_not_confirming_chooses_again_and_keeping_an_appointment_keeps_it(
    booking_runtime: Runtime, http: httpx.AsyncClient
) -> None:
    await bind_card(http, "p_undecided")
    await say(http, "p_undecided", "帮我约后天下午的儿科")
    confirm = texts(await say(http, "p_undecided", "1"))
    assert "14:30–15:30" in confirm
    again = await say(http, "p_undecided", "2")  # 重新选时间
    assert "儿科可以预约的日期" in texts(again)
    await say(http, "p_undecided", "3")  # never today: both reminders are still to come
    await say(http, "p_undecided", "1")
    assert "预约成功" in texts(await say(http, "p_undecided", "1"))
    assert "确定要取消" in texts(await say(http, "p_undecided", "我想取消预约"))
    kept = texts(await say(http, "p_undecided", "2"))  # the 不取消了 button
    assert "好的，预约保留" in kept and "08:00–09:00" in kept, kept
    assert len(await pending(booking_runtime)) == 2
    # Typed, a negated cancel is not a cancel: the appointment is kept and named, never "已结束当前问诊".
    for typed in ("不取消了", "算了不取消", "先不取消"):
        assert "确定要取消" in texts(await say(http, "p_undecided", "我想取消预约"))
        kept = texts(await say(http, "p_undecided", typed))
        assert "好的，预约保留" in kept and "08:00–09:00" in kept and "已结束" not in kept, (typed, kept)
        assert len(await pending(booking_runtime)) == 2
    assert "08:00–09:00" in texts(await say(http, "p_undecided", "我的预约"))
    # Saying yes still cancels.
    assert "确定要取消" in texts(await say(http, "p_undecided", "我想取消预约"))
    assert "已取消预约" in texts(await say(http, "p_undecided", "确认取消"))
    assert await pending(booking_runtime) == []


async def test_a_doctor_named_is_booked_with_that_doctor(http: httpx.AsyncClient) -> None:
    await bind_card(http, "p_doctor")
    days = await say(http, "p_doctor", "我想挂王强医生的号")
    assert "呼吸内科可以预约的日期" in texts(days)
    hours = await say(http, "p_doctor", "1")
    assert buttons(hours) and all("王强" in b["title"] for b in buttons(hours))


async def test_the_waiting_reminder_says_how_many_are_ahead(booking_runtime: Runtime, http: httpx.AsyncClient) -> None:
    for patient, id_number, name in (("p_first", "11010519491231002X", "张三丰"), ("p_second", "110105194912310046", "李四")):
        await bind_card(http, patient, id_number=id_number, name=name)
        await say(http, patient, "帮我约后天上午8点的儿科")
        await say(http, patient, "1")
        assert "预约成功" in texts(await say(http, patient, "确认"))
    jobs = [j for j in await pending(booking_runtime) if j.payload["kind"] == "waiting"]
    assert len(jobs) == 2 and jobs[0].due_at == jobs[1].due_at
    await run_jobs_due(booking_runtime, jobs[0].due_at.replace(tzinfo=dt.timezone.utc))
    tracker = (await http.get("/conversations/p_second/tracker")).json()
    pushed = [e.get("text") or "" for e in tracker["events"] if e.get("event") == "bot"]
    assert any("候诊提醒" in t and "第2号" in t and "前面还有约1位" in t for t in pushed), pushed[-2:]


async def test_an_hour_asked_for_offers_the_clinic_hour_that_holds_it(http: httpx.AsyncClient) -> None:
    await bind_card(http, "p_three")
    offered = await say(http, "p_three", "帮我约后天下午3点的儿科")
    assert [b["title"][:11] for b in buttons(offered)] == ["14:30–15:30", "15:30–16:30"]
    assert "没有找到这个号源" in texts(await say(http, "p_three", "/booking_confirm"))  # no hour chosen


async def test_each_step_answered_in_words_not_only_by_its_buttons(booking_runtime: Runtime, http: httpx.AsyncClient) -> None:
    """A newcomer typed "明天" to the days and "9点的" to the hours and met an unrelated article."""
    await bind_card(http, "p_words")
    tomorrow = dt.datetime.now(ZONE).date() + dt.timedelta(days=1)
    departments = await say(http, "p_words", "我要预约挂号")
    assert "儿科" in [b["title"] for b in buttons(departments)] or any("儿科" in b["title"] for b in buttons(departments))
    days = await say(http, "p_words", "儿科")
    assert any(f"{tomorrow.month}月{tomorrow.day}日" in b["title"] for b in buttons(days)), texts(days)
    hours = await say(http, "p_words", "明天")
    titles = [b["title"] for b in buttons(hours)]
    assert any(t.startswith("09:00") for t in titles), (texts(hours), titles)
    confirm = texts(await say(http, "p_words", "9点的"))
    assert "请确认预约信息" in confirm and "09:00–10:00" in confirm, confirm
    # Words that name a symptom are never taken for a button: the safety screen reads them.
    await say(http, "p_words", "不对")
    urgent = texts(await say(http, "p_words", "明天上午，我现在胸口疼得厉害出冷汗"))
    assert "120" in urgent
