"""Newcomer trial 12: the prescription review said 在用药：无 when the medicines were never asked. The review queue now
carries `medications_asked` by the summary's rule (未询问 / 无 / 不清楚 / what was said), as it does for allergies.
Through the console API, the patient typing Chinese over REST."""
from __future__ import annotations

import httpx

from bot.runtime import Runtime
from tests.console.helpers import on_duty, say, tracker
from tests.console.test_console_api import sign_in
from tests.prescriptions.test_prescribing_api import body, consultation


async def _review_entry(runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient,
                        cid: str, csrf: str) -> dict:
    signed = await client.post("/api/console/prescriptions", headers={"X-CSRF-Token": csrf}, json=body(cid))
    assert signed.status_code == 201, signed.text
    await sign_in(other_client, "ph.wang")
    [entry] = (await other_client.get("/api/console/prescriptions/review-queue")).json()
    return entry


async def test_medicines_never_asked_read_not_asked_on_the_review(
        runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"], name="李明")
    await on_duty(runtime, "ph.wang", [], role="pharmacist", name="王药师", title="主管药师", rostered=False)
    csrf = await sign_in(client, "dr.li")
    await say(client, "rx-meds", "我这两天喉咙痛")
    await say(client, "rx-meds", "转人工")
    cid = (await tracker(client, "rx-meds"))["handoff"]["consultation_id"]
    assert (await client.post(f"/api/console/consultations/{cid}/accept", headers={"X-CSRF-Token": csrf})).status_code == 200
    entry = await _review_entry(runtime, client, other_client, cid, csrf)
    assert entry["patient_names"]["medications"] == []
    assert entry["medications_asked"] == {"status": "not_asked", "text": "未询问"}, entry["medications_asked"]


async def test_medicines_said_in_the_intake_are_shown_not_none(
        runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"], name="李明")
    await on_duty(runtime, "ph.wang", [], role="pharmacist", name="王药师", title="主管药师", rostered=False)
    csrf = await sign_in(client, "dr.li")
    cid = await consultation(runtime, client, csrf, "rx-said")  # "我爸72岁，有高血压，一直吃氨氯地平"
    entry = await _review_entry(runtime, client, other_client, cid, csrf)
    assert entry["medications_asked"]["status"] == "present", entry["medications_asked"]
    assert entry["medications_asked"]["text"] not in ("无", "未询问"), entry["medications_asked"]
