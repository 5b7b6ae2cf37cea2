"""The queue: urgent before self-care whatever the order of arrival, who is waiting, and questions about the wait."""
from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import create_app
from bot.consultations import consultations
from bot.runtime import Runtime
from integrations.web.rest_auth import RestAuth
from tests.console.helpers import on_duty, say, texts, tracker
from tests.console.test_console_api import sign_in


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """Over https://, so that the console's Secure session cookie is sent back; with the REST token."""
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    headers = {"Authorization": f"Bearer {RestAuth(runtime.config).deployment_token}"}
    async with httpx.AsyncClient(transport=transport, base_url="https://wenzhen.test", headers=headers) as http:
        yield http


async def test_a_patient_urgent_by_what_they_said_queues_ahead_of_one_who_arrived_earlier(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general", "fever"])
    await say(client, "early", "/request_doctor")
    await say(client, "elder", "我妈75岁，发烧四天了，一直39度5退不下来")
    replies = await say(client, "elder", "我要找医生")
    assert (await tracker(client, "elder"))["handoff"]["status"] == "waiting", texts(replies)
    entries = await consultations(runtime).queue(["general", "fever"])
    levels = {e.consultation.conversation_id: e.consultation.level for e in entries}
    assert None not in levels.values()
    assert levels["elder"] in ("emergency", "urgent") and levels["early"] == "consult"
    assert [e.consultation.conversation_id for e in entries] == ["elder", "early"]


async def test_the_queue_says_who_is_waiting_with_what(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general", "fever"])
    await say(client, "wx-patient-8831", "我65岁，男，咳嗽发烧两天了")
    await say(client, "wx-patient-8831", "我要找医生")
    await sign_in(client, "dr.li")
    [item] = (await client.get("/api/console/queue")).json()
    assert item["level"] in ("emergency", "urgent", "consult", "selfcare")
    patient = item["patient"]
    assert patient["display_name"] == "患者8831"
    assert patient["age"] == "65岁" and patient["sex"] == "男"
    assert "发烧" in patient["complaint"] and "咳嗽" in patient["complaint"]


async def test_a_waiting_patient_asking_about_the_wait_is_answered_from_the_queue(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    await say(client, "first", "/request_doctor")
    await say(client, "second", "/request_doctor")
    for question in ("还要等多久", "前面还有几个人", "医生什么时候来啊"):
        replies = await say(client, "second", question)
        answer = texts(replies)
        assert "第 2 位" in answer and "分钟" in answer, (question, answer)
        payloads = [b["payload"] for r in replies for b in r.get("buttons") or []]
        assert not any(p.startswith("/request_doctor") for p in payloads), "not offered a doctor again"
    events = (await tracker(client, "second"))["events"]
    assert not any(e["event"] == "knowledge_article" for e in events)


async def test_the_receiving_doctor_reads_the_transfer_note(runtime: Runtime, client: httpx.AsyncClient) -> None:
    sender = await on_duty(runtime, "dr.li", ["general"], name="李明")
    await on_duty(runtime, "dr.wang", ["respiratory"], name="王芳")
    await say(client, "moved", "我咳嗽一周了")
    await say(client, "moved", "我要找医生")
    service = consultations(runtime)
    [entry] = await service.queue(["general"])
    await service.accept(entry.consultation.id, sender)
    await service.transfer(entry.consultation.id, sender, department="respiratory", note="咳嗽一周，请复查胸片")
    await sign_in(client, "dr.wang")
    detail = (await client.get(f"/api/console/consultations/{entry.consultation.id}")).json()
    [transfer] = detail["intake"]["transfers"]
    assert transfer["note"] == "咳嗽一周，请复查胸片" and transfer["by"]["name"] == "李明"
