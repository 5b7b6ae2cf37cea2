"""Renewal (续方) typed in Chinese through the real NLU and engine: the red-flag question first, a worsening
disease goes to the symptom intake, a stable one is queued for a doctor of the department, who reissues;
the pharmacist approves and the patient is told. No previous prescription: an honest answer, no renewal."""
from __future__ import annotations

from typing import Any

import httpx

from bot.runtime import Runtime
from tests.console.helpers import on_duty, say, texts, tracker
from tests.console.test_console_api import sign_in
from tests.prescriptions.test_prescribing_api import body, consultation

RENEW = "我爸的降压药快吃完了，想续方"


async def approved_before(runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient,
                          sender: str) -> tuple[dict[str, str], dict[str, str], str]:
    """A previous visit: a doctor prescribed amlodipine, a pharmacist approved, the doctor closed the visit."""
    await on_duty(runtime, "dr.li", ["general"], name="李明")
    await on_duty(runtime, "dr.zhou", ["general"], name="周红", rostered=False)
    await on_duty(runtime, "ph.wang", [], role="pharmacist", name="王药师", rostered=False)
    doctor = {"X-CSRF-Token": await sign_in(client, "dr.li")}
    pharmacist = {"X-CSRF-Token": await sign_in(other_client, "ph.wang")}
    cid = await consultation(runtime, client, doctor["X-CSRF-Token"], sender)
    rx = (await client.post("/api/console/prescriptions", headers=doctor, json=body(cid))).json()
    assert (await other_client.post(f"/api/console/prescriptions/{rx['id']}/review", headers=pharmacist,
                                    json={"approve": True})).status_code == 200
    closed = await client.post(f"/api/console/consultations/{cid}/close", headers=doctor,
                               json={"summary": "高血压复诊，血压平稳", "advice": "继续服药，每天测血压"})
    assert closed.status_code == 200, closed.text
    return doctor, pharmacist, rx["id"]


def bot_texts(events: list[dict[str, Any]]) -> list[str]:
    return [e.get("text") or "" for e in events if e["event"] == "bot"]


async def test_a_stable_patient_renews_and_a_doctor_reissues(runtime: Runtime, client: httpx.AsyncClient,
                                                             other_client: httpx.AsyncClient) -> None:
    doctor, pharmacist, previous = await approved_before(runtime, client, other_client, "renew-1")
    asked = texts(await say(client, "renew-1", RENEW))
    assert "苯磺酸氨氯地平片" in asked and previous in asked and "病情稳定吗" in asked
    assert "过敏" in texts(await say(client, "renew-1", "没有，挺稳定的"))
    queued = texts(await say(client, "renew-1", "没有"))
    assert "已提交续方申请" in queued and "全科" in queued

    waiting = (await client.get("/api/console/prescriptions/renewals")).json()
    assert len(waiting) == 1 and waiting[0]["previous_id"] == previous
    renewal = waiting[0]
    reissued = await client.post(f"/api/console/prescriptions/renewals/{renewal['id']}/reissue", headers=doctor, json={
        k: v for k, v in body("").items() if k != "consultation_id"})
    assert reissued.status_code == 201, reissued.text
    new = reissued.json()
    assert new["renewal_id"] == renewal["id"] and new["status"] == "pending_review"
    assert (await client.get("/api/console/prescriptions/renewals")).json() == []
    approved = await other_client.post(f"/api/console/prescriptions/{new['id']}/review", headers=pharmacist,
                                       json={"approve": True})
    assert approved.status_code == 200
    told = bot_texts((await tracker(client, "renew-1"))["events"])[-1]
    assert "审核通过" in told and new["id"] in told
    picked = texts(await say(client, "renew-1", '/prescription_fulfil{"rx_id": "%s", "rx_fulfilment": "pickup"}' % new["id"]))
    assert "到院自取" in picked and "订单已生成" in picked


async def test_a_worsening_disease_goes_to_triage_not_renewal(runtime: Runtime, client: httpx.AsyncClient,
                                                              other_client: httpx.AsyncClient) -> None:
    await approved_before(runtime, client, other_client, "renew-2")
    await say(client, "renew-2", RENEW)
    answer = texts(await say(client, "renew-2", "有，最近血压老是降不下来，头晕得厉害"))
    assert "不适合直接续方" in answer and "120" in answer
    state = await runtime.engine.state("renew-2")
    assert [f.flow for f in state.stack][0] == "symptom_intake"  # asking the dizziness red flags
    assert (await client.get("/api/console/prescriptions/renewals")).json() == []


async def test_no_previous_prescription_no_renewal(runtime: Runtime, client: httpx.AsyncClient) -> None:
    answer = texts(await say(client, "renew-3", RENEW))
    assert "没有查到" in answer and "转人工" in answer and "120" in answer
    assert "病情稳定吗" not in answer


async def test_another_department_cannot_reissue_and_decline_tells_the_patient(
        runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    doctor, pharmacist, _ = await approved_before(runtime, client, other_client, "renew-4")
    await say(client, "renew-4", RENEW)
    await say(client, "renew-4", "没有加重")
    await say(client, "renew-4", "没有")
    renewal = (await client.get("/api/console/prescriptions/renewals")).json()[0]
    await on_duty(runtime, "dr.tcm", ["tcm"], name="中医师", rostered=False)
    outsider = {"X-CSRF-Token": await sign_in(other_client, "dr.tcm")}
    refused = await other_client.post(f"/api/console/prescriptions/renewals/{renewal['id']}/decline", headers=outsider,
                                      json={"reason": "x"})
    assert refused.status_code == 403
    declined = await client.post(f"/api/console/prescriptions/renewals/{renewal['id']}/decline", headers=doctor,
                                 json={"reason": "已三个月未复查，请到门诊复诊并查血脂"})
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert "已三个月未复查" in bot_texts((await tracker(client, "renew-4"))["events"])[-1]


async def test_with_several_previous_prescriptions_the_patient_picks_one(
        runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    doctor, pharmacist, first = await approved_before(runtime, client, other_client, "renew-5")
    cid = (await tracker(client, "renew-5"))["handoff"]["consultation_id"]
    second = (await client.post("/api/console/prescriptions", headers=doctor, json=body(
        cid, diagnosis="2型糖尿病（复诊，血糖平稳）",
        lines=[{"code": "metformin_tab_500", "dose": 1, "frequency": "bid", "days": 28}]))).json()
    assert (await other_client.post(f"/api/console/prescriptions/{second['id']}/review", headers=pharmacist,
                                    json={"approve": True})).status_code == 200
    replies = await say(client, "renew-5", "我爸的药快吃完了，想续方")
    listed = texts(replies)
    assert "请选择要续哪一张" in listed and "盐酸二甲双胍片" in listed and "苯磺酸氨氯地平片" in listed
    buttons = [b for r in replies for b in r.get("buttons") or []]
    assert len(buttons) == 2 and "病情稳定吗" not in listed
    picked = next(b["payload"] for b in buttons if first in b["payload"])
    asked = texts(await say(client, "renew-5", picked))
    assert "苯磺酸氨氯地平片" in asked and "盐酸二甲双胍片" not in asked and "病情稳定吗" in asked
    await say(client, "renew-5", "挺稳定的")
    assert "已提交续方申请" in texts(await say(client, "renew-5", "没有"))
    [renewal] = (await client.get("/api/console/prescriptions/renewals")).json()
    assert renewal["previous_id"] == first
