"""console8: the pharmacist's review queue says whether the allergy question was asked, by the summary's rule
(未询问 when never asked — it printed 过敏：无 — 无 only when the patient said none). Through the console API, the patient
typing Chinese over REST."""
from __future__ import annotations

import httpx

from bot.runtime import Runtime
from tests.console.helpers import on_duty
from tests.console.test_console_api import sign_in
from tests.prescriptions.test_prescribing_api import body, consultation


async def test_the_review_queue_says_the_allergy_question_was_never_asked(
        runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"], name="李明")
    await on_duty(runtime, "ph.wang", [], role="pharmacist", name="王药师", title="主管药师", rostered=False)
    doctor = {"X-CSRF-Token": await sign_in(client, "dr.li")}
    cid = await consultation(runtime, client, doctor["X-CSRF-Token"], "rx-never-asked")
    signed = await client.post("/api/console/prescriptions", headers=doctor, json=body(cid))
    assert signed.status_code == 201, signed.text
    await sign_in(other_client, "ph.wang")
    [entry] = (await other_client.get("/api/console/prescriptions/review-queue")).json()
    assert entry["patient_names"]["allergies"] == []
    assert entry["allergy_asked"] == {"status": "not_asked", "text": "未询问"}, entry["allergy_asked"]
