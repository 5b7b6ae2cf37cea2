"""Who may do what with a prescription, and bad input answered with a clear 4xx (never a 5xx)."""
from __future__ import annotations

import httpx

from bot.runtime import Runtime
from tests.console.helpers import on_duty
from tests.console.test_console_api import sign_in
from tests.prescriptions.test_prescribing_api import AMLODIPINE, body, consultation


async def test_rights_and_refusals(runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"], name="李明")
    await on_duty(runtime, "dr.zhao", ["pediatrics"], name="赵医生", rostered=False)
    await on_duty(runtime, "ph.wang", [], role="pharmacist", name="王药师", rostered=False)
    doctor = {"X-CSRF-Token": await sign_in(client, "dr.li")}
    cid = await consultation(runtime, client, doctor["X-CSRF-Token"], "rights-1")

    # Signed out: 401; without the CSRF token: 403.
    async with httpx.AsyncClient(transport=client._transport, base_url="https://wenzhen.test") as anonymous:
        assert (await anonymous.get("/api/console/prescriptions/review-queue")).status_code == 401
        assert (await anonymous.post("/api/console/prescriptions/check", json={"lines": [], "patient": {}})).status_code == 401
    assert (await client.post("/api/console/prescriptions", json=body(cid))).status_code == 403

    # Bad input: 422 from the schema or the domain, 404 for what does not exist.
    for bad in ({**AMLODIPINE, "dose": -1}, {**AMLODIPINE, "days": 0}, {**AMLODIPINE, "dose": "x"}):
        assert (await client.post("/api/console/prescriptions", headers=doctor, json=body(cid, lines=[bad]))).status_code == 422
    unknown = await client.post("/api/console/prescriptions", headers=doctor, json=body(
        cid, lines=[{**AMLODIPINE, "frequency": "hourly"}]))
    assert unknown.status_code == 422 and unknown.json()["detail"]["findings"][0]["check"] == "frequency"
    assert (await client.post("/api/console/prescriptions", headers=doctor, json=body("nope"))).status_code == 404
    assert (await client.post("/api/console/prescriptions", headers=doctor, json=body(cid, diagnosis=" "))).status_code == 422
    assert (await client.get("/api/console/prescriptions/RX-none")).status_code == 404
    assert (await client.get("/rx/RX-none?code=ABC")).status_code == 404
    assert (await client.get("/api/console/prescriptions/formulary?q=" + "药" * 500)).status_code == 200

    # Only the doctor of the consultation prescribes; a pharmacist never signs; only pharmacists see the queue.
    zhao = {"X-CSRF-Token": await sign_in(other_client, "dr.zhao")}
    assert (await other_client.post("/api/console/prescriptions", headers=zhao, json=body(cid))).status_code == 403
    assert (await client.get("/api/console/prescriptions/review-queue")).status_code == 403
    assert (await client.get("/api/console/prescriptions/orders")).status_code == 403
    rx = (await client.post("/api/console/prescriptions", headers=doctor, json=body(cid))).json()
    assert (await other_client.get(f"/api/console/prescriptions/{rx['id']}")).status_code == 403  # another department
    assert (await other_client.post(f"/api/console/prescriptions/{rx['id']}/review", headers=zhao,
                                    json={"approve": True})).status_code == 403
    # Only a rejected prescription is amended, only by its doctor.
    amend = {k: v for k, v in body(cid).items() if k != "consultation_id"}
    assert (await client.put(f"/api/console/prescriptions/{rx['id']}", headers=doctor, json=amend)).status_code == 409
    pharmacist = {"X-CSRF-Token": await sign_in(other_client, "ph.wang")}
    assert (await other_client.post("/api/console/prescriptions", headers=pharmacist, json=body(cid))).status_code == 403
    assert (await other_client.post(f"/api/console/prescriptions/{rx['id']}/review", headers=pharmacist,
                                    json={"approve": False, "reason": "请核对"})).status_code == 200
    assert (await other_client.put(f"/api/console/prescriptions/{rx['id']}", headers=pharmacist, json=amend)).status_code == 403
    # Reviewed once: a second decision on the same version is a conflict.
    assert (await other_client.post(f"/api/console/prescriptions/{rx['id']}/review", headers=pharmacist,
                                    json={"approve": True})).status_code == 409
    opened = await other_client.get(f"/api/console/prescriptions/{rx['id']}")
    assert opened.status_code == 200 and "intake" in opened.json()  # the pharmacist reads the intake
