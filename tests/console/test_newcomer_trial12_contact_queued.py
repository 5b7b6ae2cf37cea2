"""Newcomer trial 12: 联系患者 under an emergency alert, for a patient already queued in another department, did
nothing visible (a 409 "请从队列接诊" for a queue the doctor cannot see). The alerting doctor takes the patient: the
other queue entry is closed, the consultation is this doctor's at once, the message says where the patient was
queued, and the audit entry records it. Typed Chinese through the real NLU and engine; the console API."""
from __future__ import annotations

import httpx

from bot.runtime import Runtime
from tests.console.helpers import on_duty, say, tracker
from tests.console.test_console_api import queued, sign_in


async def test_contact_patient_queued_elsewhere_takes_them_and_closes_the_other_queue_entry(
        runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    li = await on_duty(runtime, "dr.li", ["general"], name="李医生")
    await on_duty(runtime, "dr.xu", ["psychology"], name="徐医生")
    await say(client, "dad", "我爸胸口压着疼，满头大汗")
    csrf = await sign_in(client, "dr.li")
    [alert] = (await client.get("/api/console/alerts")).json()
    cid = await queued(client, "dad", "psychology")  # the patient then asked for 心理科
    xu_csrf = await sign_in(other_client, "dr.xu")
    assert cid in [c["id"] for c in (await other_client.get("/api/console/queue")).json()]

    opened = await client.post(f"/api/console/alerts/{alert['alert_id']}/consult", headers={"X-CSRF-Token": csrf})
    assert opened.status_code == 200, opened.text
    body = opened.json()
    assert body["consultation_id"] == cid, body
    assert "心理科" in body["message"] and "已转到您这里" in body["message"], body
    handoff = (await tracker(client, "dad"))["handoff"]
    assert handoff["status"] == "active" and handoff["department"] == "general", handoff
    assert handoff["doctor"]["name"] == "李医生", handoff
    assert [c["id"] for c in (await client.get("/api/console/consultations?scope=active")).json()] == [cid]
    # The psychology queue no longer has the patient; its doctor cannot accept them any more.
    assert cid not in [c["id"] for c in (await other_client.get("/api/console/queue")).json()]
    late = await other_client.post(f"/api/console/consultations/{cid}/accept", headers={"X-CSRF-Token": xu_csrf})
    assert late.status_code in (403, 409), late.text
    # Audited: who took the patient, from which alert and from which queue.
    [entry] = await runtime.audit.entries(subject="dad", actions=("consultation.open_by_doctor",))
    assert entry.actor == li.actor and entry.object_id == cid, entry
    assert entry.detail["took_over"]["department"] == "psychology", entry.detail
    assert entry.detail["took_over"]["status"] == "waiting", entry.detail
