"""During a live session the bot keeps watch; invitations, fees and the clock move consultations too."""
from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator

import httpx

from bot.consultations import ChatLine, Closing, ConsultationError, Invited, Notice, SessionAlert, consultations
from bot.runtime import Runtime
from tests.console.helpers import on_duty, say, texts, tracker


async def next_of(inbox: AsyncIterator[Notice], kind: type[Any]) -> Any:
    async def find() -> Any:
        async for message in inbox:
            if isinstance(message, kind):
                return message
        raise AssertionError("the subscription ended")

    return await asyncio.wait_for(find(), 10)


async def live(runtime: Runtime, client: httpx.AsyncClient, sender: str = "p1"):  # type: ignore[no-untyped-def]
    doctor = await on_duty(runtime, "dr.li", ["general"])
    await say(client, sender, '/request_doctor{"consult_department": "general"}')
    service = consultations(runtime)
    [entry] = await service.queue(["general"])
    await service.accept(entry.consultation.id, doctor)
    return service, doctor, entry.consultation.id


async def test_a_red_flag_in_a_live_session_reaches_the_doctor_highlighted(runtime: Runtime, client: httpx.AsyncClient) -> None:
    service, doctor, _ = await live(runtime, client)
    await service.heartbeat(doctor.id)  # the doctor's console is open
    async with runtime.pubsub.subscribe(f"consult:staff:{doctor.id}") as inbox:
        replies = await say(client, "p1", "我妈嘴唇发紫，喘不上气")
        message = await next_of(inbox, ChatLine)
        alert = await next_of(inbox, SessionAlert)
    assert message.text == "我妈嘴唇发紫，喘不上气" and message.sender == "patient"
    assert alert.alert.level == "emergency" and alert.alert.rules
    assert "120" in texts(replies)  # the patient is never left waiting on an emergency
    assert (await tracker(client, "p1"))["handoff"]["status"] == "active"  # and the session goes on


async def test_with_no_doctor_connected_the_patient_has_the_emergency_answer(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await live(runtime, client)
    replies = await say(client, "p1", "我妈嘴唇发紫，喘不上气")
    assert "120" in texts(replies)


async def test_an_ordinary_message_in_a_session_gets_no_bot_answer(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await live(runtime, client)
    assert await say(client, "p1", "你好") == []
    assert await say(client, "p1", "/cancel_consultation") != []
    assert (await tracker(client, "p1"))["handoff"]["status"] == "cancelled"
    assert await say(client, "p1", "你好") != []  # the bot is back


async def test_an_invited_doctor_joins_the_chat_but_only_the_doctor_in_charge_closes(runtime: Runtime, client: httpx.AsyncClient) -> None:
    service, doctor, cid = await live(runtime, client)
    expert = await on_duty(runtime, "dr.zhou", ["respiratory"], name="周教授", title="主任医师")
    async with runtime.pubsub.subscribe(f"consult:staff:{expert.id}") as inbox:
        await service.invite(cid, doctor, expert.id)
        assert (await next_of(inbox, Invited)).consultation_id == cid
        await say(client, "p1", "两位医生好")
        assert (await next_of(inbox, ChatLine)).text == "两位医生好"
    await service.send(cid, expert, "请把胸片发过来")
    try:
        await service.close(cid, expert, Closing("x"))
    except ConsultationError as exc:
        assert exc.code == "forbidden"
    else:
        raise AssertionError("an invited doctor must not close the consultation")
    state = await tracker(client, "p1")
    assert "周教授主任医师已加入" in texts([e for e in state["events"] if e["event"] == "bot"])
    assert state["handoff"]["participants"] == [doctor.id, expert.id]


async def test_with_a_fee_the_patient_queues_only_once_the_order_is_paid(make_runtime: Any) -> None:
    runtime = await make_runtime(consultations={"fee": {"mode": "order", "amount_fen": 1500}})
    from bot.app import create_app

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(runtime=runtime)),
                                 base_url="https://wenzhen.test") as client:
        await on_duty(runtime, "dr.li", ["general"])
        replies = await say(client, "p1", '/request_doctor{"consult_department": "general"}')
        assert "15.00 元" in texts(replies)
        handoff = (await tracker(client, "p1"))["handoff"]
        assert handoff["status"] == "requested" and handoff["order_no"].startswith("WZ")
        service = consultations(runtime)
        assert await service.queue(["general"]) == []
        await service.mark_paid(handoff["consultation_id"], "admin:1", handoff["order_no"])
        state = await tracker(client, "p1")
        assert state["handoff"]["status"] == "waiting" and state["handoff"]["paid"] is True
        assert "第 1 位" in texts([e for e in state["events"] if e["event"] == "bot"][-1:])


async def test_the_scheduler_expires_a_consultation_nobody_took(make_runtime: Any) -> None:
    runtime = await make_runtime(consultations={"wait": {"max_hours": 0.0005}}, jobs={"poll_seconds": 0.1})
    from bot.app import create_app

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(runtime=runtime)),
                                 base_url="https://wenzhen.test") as client:
        await on_duty(runtime, "dr.li", ["general"])
        await say(client, "p1", '/request_doctor{"consult_department": "general"}')
        for _ in range(100):
            if (await tracker(client, "p1"))["handoff"]["status"] == "expired":
                break
            await asyncio.sleep(0.1)
        state = await tracker(client, "p1")
        assert state["handoff"]["status"] == "expired" and state["handoff"]["next_session"]
        assert "排队已结束" in texts([e for e in state["events"] if e["event"] == "bot"][-1:])
