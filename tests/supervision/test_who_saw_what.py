"""Who saw what: opening a record, an attachment or a card is audited, and the patient can ask for the list."""
from __future__ import annotations

import httpx

from bot.runtime import Runtime
from tests.console.helpers import on_duty, say, texts
from tests.console.test_console_api import queued, sign_in
from tests.wechat.test_cards import ID_ADULT

NAME = "张三丰"


async def bind_card(http: httpx.AsyncClient, sender: str) -> None:
    for line in ("/bind_card", "1", "1", NAME, ID_ADULT, "13800138000"):
        await say(http, sender, line)


async def test_only_the_treating_doctor_sees_the_card_and_every_look_is_listed_for_the_patient(
        runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"], name="李医生")
    await on_duty(runtime, "dr.wang", ["general"], name="王医生")
    await bind_card(client, "p1")
    cid = await queued(client, "p1")
    csrf = await sign_in(client, "dr.li")
    assert (await client.post(f"/api/console/consultations/{cid}/accept", headers={"X-CSRF-Token": csrf})).status_code == 200
    treating = (await client.get(f"/api/console/consultations/{cid}")).json()["intake"]["card"]
    assert treating["name"] == NAME and treating["id_number"] == ID_ADULT[:4] + "*" * 10 + ID_ADULT[-4:]
    assert treating["age"] > 18
    await sign_in(other_client, "dr.wang")
    assert (await other_client.get(f"/api/console/consultations/{cid}")).json()["intake"]["card"] is None

    closing = {"summary": "上呼吸道感染，居家观察"}
    assert (await client.post(f"/api/console/consultations/{cid}/close", json=closing,
                              headers={"X-CSRF-Token": csrf})).status_code == 200
    answer = texts(await say(client, "p1", "谁看过我的记录"))
    assert answer.count("接诊医生 查看了问诊记录") == 2 and answer.count("查看了就诊卡信息") == 1
    assert "李医生" not in answer and "王医生" not in answer
    actions = [e.action for e in await runtime.audit.entries()]
    for expected in ("staff.sign_in", "consultation.accept", "consultation.close", "record.open", "card.open"):
        assert expected in actions
    assert (await runtime.audit.verify()).ok


async def test_a_patient_nobody_looked_at_is_told_so(runtime: Runtime, client: httpx.AsyncClient) -> None:
    assert "还没有医护人员查看过" in texts(await say(client, "p2", "我的病历被谁查看过"))
    assert "还没有医护人员查看过" in texts(await say(client, "p2", "/ask_access_log"))


async def test_names_are_shown_only_when_policy_allows(make_runtime) -> None:
    from bot.app import create_app
    from integrations.web.rest_auth import RestAuth

    runtime = await make_runtime(rest={"auth": "token"}, supervision={"access_log": {"show_names": True}})
    headers = {"Authorization": f"Bearer {RestAuth(runtime.config).deployment_token}"}
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    async with httpx.AsyncClient(transport=transport, base_url="https://t", headers=headers) as http:
        await on_duty(runtime, "dr.li", ["general"], name="李医生", title="主治医师")
        cid = await queued(http, "p3")
        await sign_in(http, "dr.li")
        assert (await http.get(f"/api/console/consultations/{cid}")).status_code == 200
        assert "李医生 主治医师" in texts(await say(http, "p3", "谁看过我的资料"))


async def test_a_failed_sign_in_is_audited_without_the_password(runtime: Runtime, client: httpx.AsyncClient) -> None:
    staff = await on_duty(runtime, "dr.li", ["general"])
    await client.post("/api/console/session", json={"username": "dr.li", "password": "guess-123"})
    entry = (await runtime.audit.entries(actions=("staff.sign_in",)))[-1]
    assert entry.actor == staff.actor and entry.detail["outcome"] == "refused"
    assert "guess-123" not in str(entry.to_dict())
