"""The consultation lifecycle through the REST channel and the domain: queue, accept, relay, transfer, close."""
from __future__ import annotations

import datetime as dt

import httpx

from bot.consultations import ChatLine, Closing, ConsultationError, consultations
from bot.db import utcnow
from bot.runtime import Runtime
from tests.console.helpers import on_duty, say, texts, tracker


async def test_asking_for_a_human_queues_the_patient_with_place_and_wait(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    replies = await say(client, "p1", "/request_doctor")
    assert "第 1 位" in texts(replies) and "全科" in texts(replies)
    state = await tracker(client, "p1")
    assert state["handoff"]["status"] == "waiting" and state["handoff"]["department"] == "general"
    assert any(e["event"] == "handoff" and e["actor"] == "patient" for e in state["events"])
    second = await say(client, "p2", "/request_doctor")
    assert "第 2 位" in texts(second)


async def test_the_patients_chosen_department_is_used(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["fever"])
    menu = await say(client, "p1", "/choose_department")
    assert {"发热门诊", "心理科"} <= {b["title"] for m in menu for b in m.get("buttons", [])}
    await say(client, "p1", '/request_doctor{"consult_department": "fever"}')
    assert (await tracker(client, "p1"))["handoff"]["department"] == "fever"


async def test_off_hours_tells_when_the_next_session_starts_and_queues_only_when_asked(runtime: Runtime, client: httpx.AsyncClient) -> None:
    staff = await on_duty(runtime, "dr.li", ["general"], rostered=False)
    tomorrow = (utcnow() + dt.timedelta(days=1)).astimezone(consultations(runtime).roster.tz)
    await consultations(runtime).roster.add_shift(staff.id, "general", tomorrow.weekday(), 8 * 60, 12 * 60)
    replies = await say(client, "p1", "/request_doctor")
    assert f"{tomorrow.month}月{tomorrow.day}日 08:00" in texts(replies)
    assert (await tracker(client, "p1"))["handoff"] is None
    await say(client, "p1", '/request_doctor{"consult_queue_off_hours": true}')
    assert (await tracker(client, "p1"))["handoff"]["status"] == "waiting"


async def test_nobody_on_the_roster_is_said_honestly_with_other_options(runtime: Runtime, client: httpx.AsyncClient) -> None:
    replies = await say(client, "p1", "/request_doctor")
    payloads = {b["payload"] for m in replies for b in m.get("buttons", [])}
    # Not the list of every department (all empty here: a dead end), but what exists: the hospital, 120.
    assert "/call_120" in payloads and "/choose_department" not in payloads
    assert "电话" in texts(replies) and "其他科室现在也没有" in texts(replies)
    assert (await tracker(client, "p1"))["handoff"] is None


async def test_a_live_session_relays_both_ways_and_closes_with_the_doctors_summary(runtime: Runtime, client: httpx.AsyncClient) -> None:
    doctor = await on_duty(runtime, "dr.li", ["general"], name="李明", title="副主任医师")
    await say(client, "p1", "/request_doctor")
    service = consultations(runtime)
    [entry] = await service.queue(["general"])
    async with runtime.pubsub.subscribe(f"consult:staff:{doctor.id}") as inbox:
        await service.accept(entry.consultation.id, doctor)
        state = await tracker(client, "p1")
        assert state["handoff"]["status"] == "active" and state["handoff"]["doctor"]["name"] == "李明"
        assert "李明副主任医师已接诊" in texts([e for e in state["events"] if e["event"] == "bot"])
        assert await say(client, "p1", "我还是有点喘") == []
        relayed = await anext(inbox)
        while not isinstance(relayed, ChatLine):
            relayed = await anext(inbox)
        assert relayed.text == "我还是有点喘" and relayed.sender == "patient"
    await service.send(entry.consultation.id, doctor, "请测一下血氧")
    events = (await tracker(client, "p1"))["events"]
    assert any(e["event"] == "bot" and e["actor"] == f"doctor:{doctor.id}" and e["text"] == "请测一下血氧" for e in events)
    await service.close(entry.consultation.id, doctor, Closing("上呼吸道感染可能", "多喝水，监测体温", "selfcare", "三天后复诊"))
    state = await tracker(client, "p1")
    assert state["handoff"]["status"] == "closed"
    assert state["latest_triage"]["level"] == "selfcare" and state["latest_triage"]["rules"] == ["doctor.override"]
    closing_text = texts([e for e in state["events"] if e["event"] == "bot"][-1:])
    assert "上呼吸道感染可能" in closing_text and "三天后复诊" in closing_text
    assert await say(client, "p1", "谢谢医生") != []  # after closing, the bot answers again


async def test_only_one_of_two_doctors_accepting_at_once_wins(runtime: Runtime, client: httpx.AsyncClient) -> None:
    first = await on_duty(runtime, "dr.li", ["general"])
    second = await on_duty(runtime, "dr.wang", ["general"], name="王医生")
    await say(client, "p1", "/request_doctor")
    service = consultations(runtime)
    [entry] = await service.queue(["general"])
    await service.accept(entry.consultation.id, first)
    try:
        await service.accept(entry.consultation.id, second)
    except ConsultationError as exc:
        assert exc.code == "conflict"
    else:
        raise AssertionError("the second doctor must not take an accepted consultation")


async def test_a_patient_can_leave_the_queue(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    await say(client, "p1", "/request_doctor")
    await say(client, "p1", "/cancel_consultation")
    assert (await tracker(client, "p1"))["handoff"]["status"] == "cancelled"
    assert await consultations(runtime).queue(["general"]) == []


async def test_an_unaccepted_consultation_expires_at_the_end_of_the_session_and_says_what_next(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    await say(client, "p1", "/request_doctor")
    service = consultations(runtime)
    [entry] = await service.queue(["general"])
    assert await service.expire(entry.consultation.id) is None  # not yet: the session runs
    expired = await service.expire(entry.consultation.id, now=entry.consultation.expires_at + dt.timedelta(seconds=1))
    assert expired is not None and expired.status == "expired"
    state = await tracker(client, "p1")
    assert state["handoff"]["status"] == "expired"
    last = [e for e in state["events"] if e["event"] == "bot"][-1]
    assert {"/choose_department", "/call_120"} <= {b["payload"] for b in last["buttons"]}


async def test_the_wait_estimate_follows_the_recent_pace_of_acceptances(runtime: Runtime, client: httpx.AsyncClient) -> None:
    from sqlalchemy import update

    from bot.consultations.models import ConsultationRow

    doctor = await on_duty(runtime, "dr.li", ["general"])
    service = consultations(runtime)
    for sender in ("p1", "p2"):
        await say(client, sender, "/request_doctor")
        [entry] = await service.queue(["general"])
        await service.accept(entry.consultation.id, doctor)
        minutes_ago = 30 if sender == "p1" else 10
        async with runtime.db.transaction() as s:
            await s.execute(update(ConsultationRow).where(ConsultationRow.id == entry.consultation.id)
                            .values(accepted_at=utcnow() - dt.timedelta(minutes=minutes_ago)))
    await say(client, "p3", "/request_doctor")
    replies = await say(client, "p4", "/request_doctor")
    assert "第 2 位" in texts(replies) and "约 40 分钟" in texts(replies)  # one acceptance every 20 minutes
    assert [e.wait_minutes for e in await service.queue(["general"])] == [20, 40]


async def test_a_transfer_to_a_named_doctor_is_theirs_alone(runtime: Runtime, client: httpx.AsyncClient) -> None:
    li = await on_duty(runtime, "dr.li", ["general"])
    wang = await on_duty(runtime, "dr.wang", ["general"], name="王医生")
    zhao = await on_duty(runtime, "dr.zhao", ["general"], name="赵医生")
    await say(client, "p1", "/request_doctor")
    service = consultations(runtime)
    [entry] = await service.queue(["general"])
    await service.accept(entry.consultation.id, li)
    await service.transfer(entry.consultation.id, li, to_staff_id=wang.id, note="请王医生看")
    try:
        await service.accept(entry.consultation.id, zhao)
    except ConsultationError as exc:
        assert exc.code == "forbidden"
    else:
        raise AssertionError("only the named doctor may take a consultation transferred to them")
    accepted = await service.accept(entry.consultation.id, wang)
    assert accepted.doctor_id == wang.id and accepted.participants == (wang.id,)
    state = await tracker(client, "p1")
    assert state["handoff"]["status"] == "active" and state["handoff"]["doctor"]["name"] == "王医生"
