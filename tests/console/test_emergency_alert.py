"""An emergency outside any live session alerts the doctors on duty for the patient's department."""
from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import httpx

from bot.consultations import DepartmentAlert, SessionAlert, consultations, topics
from bot.runtime import Runtime
from tests.console.helpers import on_duty, say


async def test_an_emergency_outside_a_session_is_published_to_the_departments_consoles(runtime: Runtime, client: httpx.AsyncClient) -> None:
    codes = consultations(runtime).departments.codes()
    async with AsyncExitStack() as stack:
        streams = [await stack.enter_async_context(runtime.pubsub.subscribe(topics.department(c))) for c in codes]
        await client.post("/webhooks/rest/webhook", json={"sender": "e-alert", "message": "我爸突然胸口剧痛，出了一身冷汗，喘不上气"})
        alerts = []
        for stream in streams:
            try:
                alerts.append(await asyncio.wait_for(anext(stream), 0.5))
            except asyncio.TimeoutError:
                continue
    assert len(alerts) == 1
    [alert] = alerts
    assert isinstance(alert, DepartmentAlert) and alert.conversation_id == "e-alert" and alert.consultation_id is None
    assert alert.alert.level == "emergency" and alert.alert.reasons
    assert alert.text == "我爸突然胸口剧痛，出了一身冷汗，喘不上气"


async def test_no_alert_for_a_message_without_red_flags(runtime: Runtime, client: httpx.AsyncClient) -> None:
    codes = consultations(runtime).departments.codes()
    async with AsyncExitStack() as stack:
        streams = [await stack.enter_async_context(runtime.pubsub.subscribe(topics.department(c))) for c in codes]
        await client.post("/webhooks/rest/webhook", json={"sender": "calm", "message": "有点咳嗽，没有发烧"})
        for stream in streams:
            try:
                message = await asyncio.wait_for(anext(stream), 0.2)
            except asyncio.TimeoutError:
                continue
            assert not isinstance(message, DepartmentAlert | SessionAlert)


async def _alerts_on(runtime: Runtime, client: httpx.AsyncClient, sender: str, text: str) -> dict[str, list[DepartmentAlert]]:
    codes = consultations(runtime).departments.codes()
    got: dict[str, list[DepartmentAlert]] = {c: [] for c in codes}
    async with AsyncExitStack() as stack:
        streams = {c: await stack.enter_async_context(runtime.pubsub.subscribe(topics.department(c))) for c in codes}
        await say(client, sender, text)
        for code, stream in streams.items():
            try:
                message = await asyncio.wait_for(anext(stream), 0.5)
            except asyncio.TimeoutError:
                continue
            if isinstance(message, DepartmentAlert):
                got[code].append(message)
    return {c: a for c, a in got.items() if a}


async def test_with_only_a_fever_doctor_on_duty_every_emergency_reaches_that_doctor(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    # The README's roster: one fever-clinic doctor. Emergencies routed to 全科, 儿科 or 心理科 reach them.
    await on_duty(runtime, "dr.li", ["fever"])
    for sender, text in [("old", "我爸78岁，今天突然糊涂了，说话含糊，认不出人"),
                         ("baby", "宝宝10个月，呼吸很快，一分钟52次"),
                         ("widow", "老伴走了，我想自杀，已经想好怎么做了")]:
        alerts = await _alerts_on(runtime, client, sender, text)
        assert list(alerts) == ["fever"], (sender, alerts)
        assert alerts["fever"][0].alert.level == "emergency" and alerts["fever"][0].conversation_id == sender


async def test_the_departments_own_doctor_gets_it_when_on_duty(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["fever"])
    await on_duty(runtime, "dr.wang", ["general"], name="王医生")
    alerts = await _alerts_on(runtime, client, "old", "我爸78岁，今天突然糊涂了，说话含糊，认不出人")
    assert list(alerts) == ["general"], alerts
