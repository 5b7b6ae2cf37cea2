"""Through the app: a patient on REST, a doctor prescribes in the console API, a pharmacist rejects, the doctor
amends, the pharmacist approves, the patient chooses delivery in typed Chinese, the order moves to shipped."""
from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from bot.db import EventRow
from bot.prescriptions.models import PrescriptionOrderRow
from bot.runtime import Runtime
from bot.supervision import AuditTrail
from bot.supervision.export import prescription_records
from tests.console.helpers import on_duty, say, texts, tracker
from tests.console.test_console_api import sign_in

AMLODIPINE = {"code": "amlodipine_tab_5", "dose": 1, "frequency": "qd", "days": 28}
ADDRESS = "福建省三明市尤溪县城关镇水东路12号 张建国 13800000000"


async def consultation(runtime: Runtime, client: httpx.AsyncClient, doctor_csrf: str, sender: str) -> str:
    await say(client, sender, "我爸72岁，有高血压，一直吃氨氯地平")
    await say(client, sender, "转人工")
    cid = (await tracker(client, sender))["handoff"]["consultation_id"]
    accepted = await client.post(f"/api/console/consultations/{cid}/accept", headers={"X-CSRF-Token": doctor_csrf})
    assert accepted.status_code == 200, accepted.text
    return str(cid)


def body(cid: str, **changes: Any) -> dict[str, Any]:
    base = {"consultation_id": cid, "diagnosis": "原发性高血压（复诊，血压控制平稳）", "lines": [AMLODIPINE],
            "patient": {"age_years": 72, "allergies": [], "medications": []}, "acknowledged": True}
    return {**base, **changes}


async def test_prescribe_reject_amend_approve_deliver_ship(runtime: Runtime, client: httpx.AsyncClient,
                                                           other_client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"], name="李明")
    await on_duty(runtime, "ph.wang", [], role="pharmacist", name="王药师", title="主管药师", rostered=False)
    doctor = {"X-CSRF-Token": await sign_in(client, "dr.li")}
    cid = await consultation(runtime, client, doctor["X-CSRF-Token"], "rx-1")

    facts = (await client.get(f"/api/console/prescriptions/consultations/{cid}/facts")).json()
    assert facts["age_years"] == 72 and "降压药" in facts["medications"]

    # The instant checks: ibuprofen for a 72-year-old is a caution; two acetaminophen products are refused.
    checked = (await client.post("/api/console/prescriptions/check", json={
        "lines": [{"code": "acetaminophen_tab_500", "dose": 1, "frequency": "prn", "days": 3},
                  {"code": "acetaminophen_susp_32", "dose": 10, "frequency": "prn", "days": 3}],
        "patient": {"age_years": 72}})).json()
    assert [f["check"] for f in checked["findings"] if f["severity"] == "block"] == ["duplicate"]

    # A warning not acknowledged is refused, with the findings; a restricted medicine can never be signed.
    unacked = await client.post("/api/console/prescriptions", headers=doctor, json=body(cid, acknowledged=False))
    assert unacked.status_code == 422 and unacked.json()["detail"]["findings"][0]["check"] == "age"
    restricted = await client.post("/api/console/prescriptions", headers=doctor, json=body(
        cid, lines=[{"code": "diazepam_tab_2_5", "dose": 1, "frequency": "qn", "days": 3}]))
    assert restricted.status_code == 422 and "第二类精神药品" in restricted.text

    signed = await client.post("/api/console/prescriptions", headers=doctor, json=body(
        cid, lines=[{**AMLODIPINE, "days": 90}]))
    assert signed.status_code == 422 and "84" in signed.text  # over the long-prescription limit
    signed = await client.post("/api/console/prescriptions", headers=doctor, json=body(cid))
    assert signed.status_code == 201, signed.text
    rx = signed.json()
    assert rx["status"] == "pending_review" and rx["total_fen"] == 420
    told = [e for e in (await tracker(client, "rx-1"))["events"] if e["event"] == "bot"]
    assert "正在由药师审核" in told[-1]["text"]

    # The doctor may not review; the pharmacist sees the queue, rejects with a reason.
    assert (await client.post(f"/api/console/prescriptions/{rx['id']}/review", headers=doctor,
                              json={"approve": True})).status_code == 403
    pharmacist = {"X-CSRF-Token": await sign_in(other_client, "ph.wang")}
    queue = (await other_client.get("/api/console/prescriptions/review-queue")).json()
    assert [q["id"] for q in queue] == [rx["id"]] and queue[0]["waiting_minutes"] >= 0
    assert (await other_client.post(f"/api/console/prescriptions/{rx['id']}/review", headers=pharmacist,
                                    json={"approve": False})).status_code == 422  # a rejection needs a reason
    rejected = await other_client.post(f"/api/console/prescriptions/{rx['id']}/review", headers=pharmacist,
                                       json={"approve": False, "reason": "老年患者首次建议从半片起始，请核对剂量"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    mine = (await client.get("/api/console/prescriptions/mine")).json()
    assert mine[0]["review_reason"] == "老年患者首次建议从半片起始，请核对剂量"

    amended = await client.put(f"/api/console/prescriptions/{rx['id']}", headers=doctor, json={
        k: v for k, v in body(cid, lines=[{**AMLODIPINE, "dose": 0.5}]).items() if k != "consultation_id"})
    assert amended.status_code == 200, amended.text
    assert amended.json()["version"] == 2 and amended.json()["status"] == "pending_review"
    approved = await other_client.post(f"/api/console/prescriptions/{rx['id']}/review", headers=pharmacist,
                                       json={"approve": True})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    # The patient is told, in plain Chinese, with the two ways to get the medicine.
    bot_lines = [e for e in (await tracker(client, "rx-1"))["events"] if e["event"] == "bot"]
    notice = bot_lines[-1]
    assert "审核通过" in notice["text"] and "苯磺酸氨氯地平片" in notice["text"] and "每次0.5片" in notice["text"]
    assert notice["custom"]["notice"]["name"] == "prescription_approved"
    deliver = next(b["payload"] for b in notice["buttons"] if b["title"] == "送药到家")
    asked = await say(client, "rx-1", deliver)
    assert "收货地址" in texts(asked)
    created = texts(await say(client, "rx-1", ADDRESS))
    assert "订单已生成" in created and "¥4.20" in created

    # The address is sealed in the log and encrypted on the order.
    async with runtime.db.session() as s:
        data = [str(r.data) for r in (await s.scalars(select(EventRow))).all()]
        order = await s.scalar(select(PrescriptionOrderRow))
    assert order is not None and not any("水东路" in d for d in data) and "水东路" not in (order.address_encrypted or "")
    assert (await client.get(f"/api/console/prescriptions/orders/{order.id}/address")).status_code == 403
    assert (await other_client.get(f"/api/console/prescriptions/orders/{order.id}/address")).json()["address"] == ADDRESS

    wrong = await other_client.post(f"/api/console/prescriptions/orders/{order.id}/paid", headers=pharmacist,
                                    json={"receipt": "T1", "amount_fen": 100})
    assert wrong.status_code == 422
    for step, payload in [("paid", {"receipt": "POS-0001", "amount_fen": 420}), ("dispensing", None),
                          ("shipped", "SF1234567890")]:
        if step == "paid":
            done = await other_client.post(f"/api/console/prescriptions/orders/{order.id}/paid", headers=pharmacist, json=payload)
        else:
            done = await other_client.post(f"/api/console/prescriptions/orders/{order.id}/advance", headers=pharmacist,
                                           json={"status": step, "tracking": payload or ""})
        assert done.status_code == 200, done.text
        assert done.json()["status"] == step
    skipped = await other_client.post(f"/api/console/prescriptions/orders/{order.id}/advance", headers=pharmacist,
                                      json={"status": "shipped"})
    assert skipped.status_code == 409
    told = [e["text"] for e in (await tracker(client, "rx-1"))["events"] if e["event"] == "bot"][-3:]
    assert told[0].startswith("【已支付】") and told[1].startswith("【配药中】") and "SF1234567890" in told[2]

    # Audited, with who: sign, reject, amend, approve, order, paid, dispensing, shipped.
    actions = [e.action for e in await runtime.services.get(AuditTrail).entries(subject="rx-1")]
    for expected in ("prescription.sign", "prescription.reject", "prescription.amend", "prescription.approve",
                     "prescription.order", "prescription_order.paid", "prescription_order.shipped"):
        assert expected in actions
    events = await runtime.engine.events("rx-1")
    assert [e.data["action"] for e in events if e.type == "prescription"][:2] == ["prescription.sign", "prescription.reject"]

    # The e-prescription: only with its code.
    code = approved.json()["verification_code"]
    page = await client.get(f"/rx/{rx['id']}?code={code}")
    assert page.status_code == 200 and "王药师" in page.text and "苯磺酸氨氯地平片" in page.text and code in page.text
    assert "科室：全科" in page.text
    assert "互联网医院 互联网医院" not in page.text and "电子处方" in page.text
    assert "患者：年龄" in page.text and "药物过敏" in page.text  # the facts the checks used, no name or ID
    assert (await client.get(f"/rx/{rx['id']}?code=WRONG")).status_code == 404

    # What the supervision export carries for this consultation: the prescription as last signed, both reviews.
    prescribed, reviews = prescription_records(await runtime.engine.events("rx-1"), cid)
    assert len(prescribed) == 1 and prescribed[0]["version"] == 2 and prescribed[0]["status"] == "approved"
    assert prescribed[0]["lines"][0]["dose"] == 0.5
    assert [(r["decision"], r["version"]) for r in reviews] == [("rejected", 1), ("approved", 2)]


async def test_the_retention_sweep_removes_prescriptions_with_their_record(
        runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    import datetime as dt

    from sqlalchemy import func

    from bot.db import utcnow
    from bot.prescriptions.models import PrescriptionReviewRow, PrescriptionRow
    from bot.supervision.retention import RecordKeeper

    await on_duty(runtime, "dr.li", ["general"], name="李明")
    await on_duty(runtime, "ph.wang", [], role="pharmacist", name="王药师", rostered=False)
    doctor = {"X-CSRF-Token": await sign_in(client, "dr.li")}
    cid = await consultation(runtime, client, doctor["X-CSRF-Token"], "kept-1")
    rx = (await client.post("/api/console/prescriptions", headers=doctor, json=body(cid))).json()
    pharmacist = {"X-CSRF-Token": await sign_in(other_client, "ph.wang")}
    await other_client.post(f"/api/console/prescriptions/{rx['id']}/review", headers=pharmacist, json={"approve": True})
    await client.post(f"/api/console/consultations/{cid}/close", headers=doctor, json={"summary": "高血压复诊"})
    keeper = RecordKeeper(runtime.config, runtime.db, runtime.audit, runtime.cache)

    async def rows(kind: Any) -> int:
        async with runtime.db.session() as s:
            return int(await s.scalar(select(func.count()).select_from(kind)) or 0)

    await keeper.sweep(now=utcnow() + dt.timedelta(days=4 * 365))
    assert await rows(PrescriptionRow) == 1 and await rows(PrescriptionReviewRow) == 1  # kept with the record
    swept = await keeper.sweep(now=utcnow() + dt.timedelta(days=16 * 365))
    assert swept.records == 1 and await rows(PrescriptionRow) == 0 and await rows(PrescriptionReviewRow) == 0
    assert (await runtime.audit.verify()).ok


async def test_a_sealed_record_refuses_its_prescription_in_the_console(
        runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    from bot.supervision.retention import RecordKeeper

    await on_duty(runtime, "dr.li", ["general"], name="李明")
    await on_duty(runtime, "ph.wang", [], role="pharmacist", name="王药师", rostered=False)
    doctor = {"X-CSRF-Token": await sign_in(client, "dr.li")}
    cid = await consultation(runtime, client, doctor["X-CSRF-Token"], "sealed-1")
    rx = (await client.post("/api/console/prescriptions", headers=doctor, json=body(cid))).json()
    await client.post(f"/api/console/consultations/{cid}/close", headers=doctor, json={"summary": "高血压复诊"})
    await sign_in(other_client, "ph.wang")
    assert (await other_client.get(f"/api/console/prescriptions/{rx['id']}")).status_code == 200
    outcome = await RecordKeeper(runtime.config, runtime.db, runtime.audit, runtime.cache).erase("sealed-1", "admin:1")
    assert outcome.kind == "sealed"
    assert (await other_client.get(f"/api/console/prescriptions/{rx['id']}")).status_code == 403
