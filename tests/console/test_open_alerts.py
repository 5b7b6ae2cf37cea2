"""Emergency alerts raised before a doctor signs in are not lost (fix6): they were live-only, so a doctor
who opened the console after the patient's emergency never saw it. Open alerts stay until a doctor takes
them ("我来处理", or accepting the patient). Typed Chinese through the real NLU and engine; the console API."""
from __future__ import annotations

import asyncio

import httpx

from bot.consultations import AlertTaken, consultations, topics
from bot.runtime import Runtime
from tests.console.helpers import on_duty, say
from tests.console.test_console_api import queued, sign_in

CHEST = "我爸突然胸口剧痛，出了一身冷汗，喘不上气"


async def _open(client: httpx.AsyncClient) -> list[dict[str, object]]:
    response = await client.get("/api/console/alerts")
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_alert_raised_before_sign_in_is_shown_until_a_doctor_takes_it(
        runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"], name="李医生")
    await on_duty(runtime, "dr.wang", ["general"], name="王医生")
    await on_duty(runtime, "dr.child", ["pediatrics"], name="赵医生")
    await say(client, "early", CHEST)  # nobody is signed in yet
    department = consultations(runtime).department_for({"subject": "parent"}).code
    assert department == "general"

    await sign_in(client, "dr.li")
    [alert] = await _open(client)
    assert alert["type"] == "department_alert" and alert["conversation_id"] == "early", alert
    assert alert["text"] == CHEST and alert["alert"]["level"] == "emergency" and alert["alert"]["reasons"], alert
    await sign_in(other_client, "dr.child")
    assert await _open(other_client) == []  # another department's, with a doctor of its own on duty

    await sign_in(other_client, "dr.wang")
    assert [a["alert_id"] for a in await _open(other_client)] == [alert["alert_id"]]
    async with runtime.pubsub.subscribe(topics.department("general")) as stream:
        taken = await other_client.post(f"/api/console/alerts/{alert['alert_id']}/take",
                                        headers={"X-CSRF-Token": await sign_in(other_client, "dr.wang")})
        notice = await asyncio.wait_for(anext(stream), 1)
    assert taken.status_code == 200 and taken.json()["taken"] is True, taken.text
    assert isinstance(notice, AlertTaken) and notice.conversation_id == "early" and notice.by.name == "王医生"
    assert await _open(client) == [] and await _open(other_client) == []
    again = await client.post(f"/api/console/alerts/{alert['alert_id']}/take",
                              headers={"X-CSRF-Token": await sign_in(client, "dr.li")})
    assert again.json()["taken"] is False


async def test_with_nobody_on_duty_in_its_department_the_alert_waits_for_any_doctor_on_duty(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.child", ["pediatrics"], name="赵医生")
    await say(client, "nobody", CHEST)  # general has nobody rostered: alerts route to whoever is on duty
    await sign_in(client, "dr.child")
    assert [a["conversation_id"] for a in await _open(client)] == ["nobody"]


async def test_accepting_the_patient_takes_the_alert(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    await say(client, "accepted", CHEST)
    cid = await queued(client, "accepted")
    csrf = await sign_in(client, "dr.li")
    assert len(await _open(client)) == 1
    assert (await client.post(f"/api/console/consultations/{cid}/accept", headers={"X-CSRF-Token": csrf})).status_code == 200
    assert await _open(client) == []


async def test_each_patient_shows_once_and_a_pharmacist_takes_nothing(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    await on_duty(runtime, "ph.zhou", [], role="pharmacist", name="周药师", rostered=False)
    await say(client, "twice", CHEST)
    await say(client, "twice", "我打不了电话")  # a second alert of the same patient (emergency_followup)
    await sign_in(client, "dr.li")
    [alert] = await _open(client)
    assert alert["text"] == "我打不了电话", alert  # the newest
    refused = await client.post(f"/api/console/alerts/{alert['alert_id']}/take",
                                headers={"X-CSRF-Token": await sign_in(client, "ph.zhou")})
    assert refused.status_code == 403, refused.text
