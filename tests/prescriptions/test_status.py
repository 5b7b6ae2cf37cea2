"""The patient asks about their prescription or order in typed Chinese, through the real NLU and engine (REST):
each state in plain Chinese with what happens next and the e-prescription link; none → an honest answer with
转人工; a red flag first; in a live session the question goes to the doctor; a running flow goes on."""
from __future__ import annotations

import httpx
import pytest

from actions.prescriptions.status import asks_about_prescription
from bot.prescriptions.service import Prescriptions
from bot.runtime import Runtime
from tests.console.helpers import on_duty, say, texts, tracker
from tests.console.test_console_api import sign_in
from tests.prescriptions.test_prescribing_api import ADDRESS, body, consultation

ASKED = ["我的处方审核好了吗", "药什么时候到", "快递到哪了", "处方怎么还没通过", "我的药发货了吗", "我的药什么时候能送到",
         "药配好了吗", "续方批了吗", "快递单号是多少", "查一下我的订单", "药怎么还没到"]
NOT_ASKED = ["药什么时候吃", "这个药怎么吃", "降压药饭前吃还是饭后吃", "药店在哪", "再开点降压药", "想续开二甲双胍",
             "吃了药怎么还没好", "查一下处方药能不能网上买", "我发烧了", "谁看过我的记录"]


@pytest.mark.parametrize("text", ASKED)
def test_the_reviewed_phrases_recognise_the_question(text: str) -> None:
    assert asks_about_prescription(text)


@pytest.mark.parametrize("text", NOT_ASKED)
def test_the_reviewed_phrases_leave_other_messages_alone(text: str) -> None:
    assert not asks_about_prescription(text)


async def test_no_prescription_an_honest_answer_with_a_person(runtime: Runtime, client: httpx.AsyncClient) -> None:
    replies = await say(client, "st-none", "我的处方审核好了吗")
    answer = texts(replies)
    assert "没有查到" in answer and "转人工" in answer and "120" in answer
    assert any(b["payload"] == "/request_doctor" for m in replies for b in m.get("buttons") or [])
    # The menu button asks the same.
    assert "没有查到" in texts(await say(client, "st-none", "/ask_prescription_status"))


async def test_each_step_answered_in_plain_chinese(runtime: Runtime, client: httpx.AsyncClient,
                                                   other_client: httpx.AsyncClient) -> None:
    runtime.services.get(Prescriptions).settings.public_url = "https://hospital.example"
    await on_duty(runtime, "dr.li", ["general"], name="李明")
    await on_duty(runtime, "ph.wang", [], role="pharmacist", name="王药师", rostered=False)
    doctor = {"X-CSRF-Token": await sign_in(client, "dr.li")}
    pharmacist = {"X-CSRF-Token": await sign_in(other_client, "ph.wang")}
    cid = await consultation(runtime, client, doctor["X-CSRF-Token"], "st-1")
    rx = (await client.post("/api/console/prescriptions", headers=doctor, json=body(cid))).json()

    # In the live session the question is the doctor's to answer: relayed, no bot reply.
    before = len((await tracker(client, "st-1"))["events"])
    assert texts(await say(client, "st-1", "我的处方审核好了吗")) == ""
    relayed = [e for e in (await tracker(client, "st-1"))["events"][before:] if e["event"] == "user"]
    assert relayed and relayed[0]["text"] == "我的处方审核好了吗"
    closed = await client.post(f"/api/console/consultations/{cid}/close", headers=doctor,
                               json={"summary": "高血压复诊", "advice": "继续服药"})
    assert closed.status_code == 200, closed.text

    pending = texts(await say(client, "st-1", "我的处方审核好了吗"))
    assert "药师正在审核" in pending and rx["id"] in pending and "苯磺酸氨氯地平片" in pending and "转人工" in pending

    await other_client.post(f"/api/console/prescriptions/{rx['id']}/review", headers=pharmacist,
                            json={"approve": False, "reason": "老年患者首次建议从半片起始，请核对剂量"})
    rejected = texts(await say(client, "st-1", "处方怎么还没通过"))
    assert "需要开方医生调整处方" in rejected and "半片" not in rejected  # the pharmacist's note is for the doctor

    await client.put(f"/api/console/prescriptions/{rx['id']}", headers=doctor, json={
        k: v for k, v in body(cid, lines=[{"code": "amlodipine_tab_5", "dose": 0.5, "frequency": "qd", "days": 28}]).items()
        if k != "consultation_id"})
    await other_client.post(f"/api/console/prescriptions/{rx['id']}/review", headers=pharmacist, json={"approve": True})
    replies = await say(client, "st-1", "处方审核好了吗")
    approved = texts(replies)
    assert "已审核通过，还没有选择取药方式" in approved
    assert f"https://hospital.example/rx/{rx['id']}?code=" in approved
    buttons = {b["title"]: b["payload"] for m in replies for b in m.get("buttons") or []}
    assert "送药到家" in buttons and "到院自取" in buttons

    await say(client, "st-1", buttons["送药到家"])
    assert "订单已生成" in texts(await say(client, "st-1", ADDRESS))
    unpaid = texts(await say(client, "st-1", "药什么时候到"))
    assert "待支付 ¥4.20" in unpaid and "配好后寄出" in unpaid and "水东路" not in unpaid

    order = (await other_client.get("/api/console/prescriptions/orders")).json()[0]
    await other_client.post(f"/api/console/prescriptions/orders/{order['id']}/paid", headers=pharmacist,
                            json={"receipt": "POS-1", "amount_fen": 420})
    assert "已支付，药房即将配药" in texts(await say(client, "st-1", "我的药发货了吗"))
    await other_client.post(f"/api/console/prescriptions/orders/{order['id']}/advance", headers=pharmacist,
                            json={"status": "dispensing"})
    assert "药师正在配药" in texts(await say(client, "st-1", "药配好了吗"))
    await other_client.post(f"/api/console/prescriptions/orders/{order['id']}/advance", headers=pharmacist,
                            json={"status": "shipped", "tracking": "SF1234567890"})
    shipped = texts(await say(client, "st-1", "快递到哪了"))
    assert "已发货，快递单号 SF1234567890" in shipped and "以快递公司为准" in shipped
    await other_client.post(f"/api/console/prescriptions/orders/{order['id']}/advance", headers=pharmacist,
                            json={"status": "received"})
    assert "已签收" in texts(await say(client, "st-1", "我的药到哪了"))


async def test_a_red_flag_comes_first(runtime: Runtime, client: httpx.AsyncClient) -> None:
    answer = texts(await say(client, "st-red", "胸口压着疼，喘不上气，满头大汗，我的药发货了吗"))
    assert "120" in answer and "没有查到" not in answer


async def test_a_running_flow_goes_on_after_the_answer(runtime: Runtime, client: httpx.AsyncClient,
                                                       other_client: httpx.AsyncClient) -> None:
    from tests.prescriptions.test_renewal import approved_before

    await approved_before(runtime, client, other_client, "st-2")
    assert "病情稳定吗" in texts(await say(client, "st-2", "想续开降压药"))
    answer = texts(await say(client, "st-2", "上次的药发货了吗"))
    assert "已审核通过，还没有选择取药方式" in answer
    assert [f.flow for f in (await runtime.engine.state("st-2")).stack] == ["prescription_renewal"]
    assert "过敏" in texts(await say(client, "st-2", "没有，挺稳定的"))
