"""Newcomer trial 9: "我来处理" under an emergency alert, for a patient not (or no longer) in the queue, opened nothing
and said nothing. The take answer names the consultation to open, or says in Chinese why there is none; never a 5xx.
Typed Chinese through the real NLU and engine; the console API."""
from __future__ import annotations

import httpx

from bot.runtime import Runtime
from tests.console.helpers import on_duty, say
from tests.console.test_console_api import queued, sign_in


async def _the_alert(client: httpx.AsyncClient) -> dict:
    response = await client.get("/api/console/alerts")
    assert response.status_code == 200, response.text
    [alert] = response.json()
    return alert


async def test_taking_the_alert_of_a_patient_in_no_queue_says_why_nothing_opens(
        runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"], name="李医生")
    await on_duty(runtime, "dr.wang", ["general"], name="王医生")
    await say(client, "gone", "我老婆突然说话说不清，一边手脚没力气")
    csrf = await sign_in(client, "dr.li")
    alert = await _the_alert(client)
    taken = await client.post(f"/api/console/alerts/{alert['alert_id']}/take", headers={"X-CSRF-Token": csrf})
    assert taken.status_code == 200, taken.text
    body = taken.json()
    assert body["taken"] is True and body["consultation_id"] is None, body
    assert "不在候诊队列" in body["message"] and "120" in body["message"], body

    again = await other_client.post(f"/api/console/alerts/{alert['alert_id']}/take",
                                    headers={"X-CSRF-Token": await sign_in(other_client, "dr.wang")})
    assert again.status_code == 200, again.text
    assert again.json()["taken"] is False and "另一位医生" in again.json()["message"], again.json()


async def test_taking_the_alert_of_a_patient_queued_since_opens_the_consultation(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    await say(client, "later", "我爸胸口压着疼，满头大汗")
    csrf = await sign_in(client, "dr.li")
    alert = await _the_alert(client)
    cid = await queued(client, "later")  # the patient asked for a doctor after the banner came
    taken = await client.post(f"/api/console/alerts/{alert['alert_id']}/take", headers={"X-CSRF-Token": csrf})
    assert taken.status_code == 200 and taken.json()["consultation_id"] == cid, taken.text


async def test_an_unknown_alert_is_a_404_not_a_5xx(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    csrf = await sign_in(client, "dr.li")
    missing = await client.post("/api/console/alerts/987654/take", headers={"X-CSRF-Token": csrf})
    assert missing.status_code == 404, missing.text
