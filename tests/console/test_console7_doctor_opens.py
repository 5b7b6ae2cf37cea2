"""console7: a doctor on duty opens a consultation from an emergency alert whose patient asked for no doctor
(told to call 120). Typed Chinese through the real NLU and engine; the console API and the REST channel."""
from __future__ import annotations

import httpx

from bot.runtime import Runtime
from tests.console.helpers import on_duty, say, tracker
from tests.console.test_console_api import sign_in


async def _alert(http: httpx.AsyncClient) -> dict:
    response = await http.get("/api/console/alerts")
    assert response.status_code == 200, response.text
    [alert] = response.json()
    return alert


def _bot_lines(track: dict) -> list[str]:
    return [str(e.get("text") or "") for e in track["events"] if e.get("event") == "bot"]


async def test_a_doctor_opens_a_consultation_from_the_alert_and_chats_with_the_patient(
        runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    li = await on_duty(runtime, "dr.li", ["general"], name="李医生")
    await on_duty(runtime, "dr.wang", ["general"], name="王医生")
    await say(client, "aunt", "我姑姑刚才突然一边胳膊抬不起来，嘴也歪了")
    assert "handoff" not in await tracker(client, "aunt") or not (await tracker(client, "aunt"))["handoff"]
    csrf = await sign_in(client, "dr.li")
    alert = await _alert(client)

    opened = await client.post(f"/api/console/alerts/{alert['alert_id']}/consult", headers={"X-CSRF-Token": csrf})
    assert opened.status_code == 200, opened.text
    cid = opened.json()["consultation_id"]
    track = await tracker(client, "aunt")
    assert track["handoff"]["status"] == "active" and track["handoff"]["consultation_id"] == cid, track["handoff"]
    told = _bot_lines(track)[-1]
    assert "李医生" in told and "已接诊" in told and "直接和医生说" in told, told

    # The alert is gone from every console; the session is the doctor's, as an accepted one.
    assert (await client.get("/api/console/alerts")).json() == []
    mine = (await client.get("/api/console/consultations?scope=active")).json()
    assert [c["id"] for c in mine] == [cid]

    # A chat as in any consultation: the doctor writes, the patient answers, the doctor reads it.
    sent = await client.post(f"/api/console/consultations/{cid}/messages", json={"text": "您好，现在人清醒吗？能说话吗？"},
                             headers={"X-CSRF-Token": csrf})
    assert sent.status_code == 200, sent.text
    assert "现在人清醒吗" in _bot_lines(await tracker(client, "aunt"))[-1]
    await say(client, "aunt", "人是清醒的，救护车还没到")
    detail = (await client.get(f"/api/console/consultations/{cid}")).json()
    assert any(m["from"] == "patient" and "救护车还没到" in m["text"] and m["in_session"] for m in detail["messages"])

    # Audited: who opened it and why (the alert and its rules), no patient text.
    [entry] = await runtime.audit.entries(subject="aunt", actions=("consultation.open_by_doctor",))
    assert entry.actor == li.actor and entry.object_id == cid, entry
    assert entry.detail["why"] == "emergency_alert" and entry.detail["alert_id"] == alert["alert_id"], entry.detail
    assert entry.detail["rules"], entry.detail

    # A second doctor on the same alert: no second consultation, a clear message instead.
    again = await other_client.post(f"/api/console/alerts/{alert['alert_id']}/consult",
                                    headers={"X-CSRF-Token": await sign_in(other_client, "dr.wang")})
    assert again.status_code == 409, again.text
    assert "李医生" in again.json()["detail"]["message"] and "无需重复" in again.json()["detail"]["message"], again.json()
    assert (await tracker(client, "aunt"))["handoff"]["consultation_id"] == cid


async def test_only_a_doctor_on_duty_opens_one(runtime: Runtime, client: httpx.AsyncClient,
                                               other_client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"], name="李医生")
    await on_duty(runtime, "dr.off", ["general"], name="赵医生", rostered=False)
    await on_duty(runtime, "ph.zhou", ["general"], role="pharmacist", name="周药师", rostered=False)
    await say(client, "uncle", "我舅舅胸口压着疼了半小时，一直出冷汗")
    csrf = await sign_in(client, "dr.off")
    alert = await _alert(client)
    off = await client.post(f"/api/console/alerts/{alert['alert_id']}/consult", headers={"X-CSRF-Token": csrf})
    assert off.status_code == 403 and "不在排班" in off.json()["detail"]["message"], off.text
    pharmacist = await other_client.post(f"/api/console/alerts/{alert['alert_id']}/consult",
                                         headers={"X-CSRF-Token": await sign_in(other_client, "ph.zhou")})
    assert pharmacist.status_code == 403, pharmacist.text
    assert (await tracker(client, "uncle")).get("handoff") in (None, {}), "no consultation was opened"
    assert not await runtime.audit.entries(subject="uncle", actions=("consultation.open_by_doctor",))
