"""An emergency outside any live session alerts the doctors on duty for the patient's department."""
from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import httpx

from bot.consultations import DepartmentAlert, SessionAlert, consultations, topics
from bot.runtime import Runtime


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
