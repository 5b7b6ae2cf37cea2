"""The console's JSON API: sign-in, who may see and do what, and a consultation from queue to close."""
from __future__ import annotations

import httpx

from bot.runtime import Runtime
from tests.console.helpers import PASSWORD, on_duty, say, texts, tracker


async def sign_in(http: httpx.AsyncClient, username: str, password: str = PASSWORD) -> str:
    response = await http.post("/api/console/session", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]


async def queued(http: httpx.AsyncClient, sender: str, department: str = "general") -> str:
    await say(http, sender, '/request_doctor{"consult_department": "%s"}' % department)
    return (await tracker(http, sender))["handoff"]["consultation_id"]


async def test_signed_out_requests_get_401(runtime: Runtime, client: httpx.AsyncClient) -> None:
    for method, path in [("GET", "/api/console/queue"), ("GET", "/api/console/me"),
                         ("POST", "/api/console/consultations/x/accept"), ("GET", "/api/console/stream")]:
        assert (await client.request(method, path)).status_code == 401, path


async def test_the_session_cookie_is_httponly_secure_and_strict(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    response = await client.post("/api/console/session", json={"username": "dr.li", "password": PASSWORD})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=strict" in cookie
    assert PASSWORD not in response.text


async def test_a_forged_or_missing_csrf_token_is_refused(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    csrf = await sign_in(client, "dr.li")
    cid = await queued(client, "p1")
    path = f"/api/console/consultations/{cid}/accept"
    assert (await client.post(path)).status_code == 403
    assert (await client.post(path, headers={"X-CSRF-Token": csrf[:-2] + "xx"})).status_code == 403
    assert (await tracker(client, "p1"))["handoff"]["status"] == "waiting"
    assert (await client.post(path, headers={"X-CSRF-Token": csrf})).status_code == 200


async def test_a_tampered_cookie_is_not_a_sign_in(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    await sign_in(client, "dr.li")
    token = client.cookies["wz_console"]
    client.cookies.set("wz_console", token[:-3] + "abc", domain="wenzhen.test")
    assert (await client.get("/api/console/me")).status_code == 401


async def test_a_doctor_of_another_department_can_neither_read_nor_act(runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    await on_duty(runtime, "dr.zhao", ["pediatrics"], name="赵医生")
    cid = await queued(client, "p1")
    csrf = await sign_in(other_client, "dr.zhao")
    headers = {"X-CSRF-Token": csrf}
    assert (await other_client.get(f"/api/console/consultations/{cid}")).status_code == 403
    assert (await other_client.post(f"/api/console/consultations/{cid}/accept", headers=headers)).status_code == 403
    assert (await other_client.get("/api/console/queue")).json() == []
    await sign_in(client, "dr.li")
    assert [e["id"] for e in (await client.get("/api/console/queue")).json()] == [cid]


async def test_repeated_wrong_passwords_lock_the_account(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    codes = [(await client.post("/api/console/session", json={"username": "dr.li", "password": "wrong"})).status_code
             for _ in range(5)]
    assert codes == [401, 401, 401, 401, 429]
    locked = await client.post("/api/console/session", json={"username": "dr.li", "password": PASSWORD})
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0


async def test_signing_out_ends_the_cookie(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    csrf = await sign_in(client, "dr.li")
    stolen = client.cookies["wz_console"]
    assert (await client.delete("/api/console/session", headers={"X-CSRF-Token": csrf})).status_code == 204
    client.cookies.set("wz_console", stolen, domain="wenzhen.test")
    assert (await client.get("/api/console/me")).status_code == 401


async def test_bad_input_gets_a_clear_4xx(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    csrf = await sign_in(client, "dr.li")
    headers = {"X-CSRF-Token": csrf, "Content-Type": "application/json"}
    cid = await queued(client, "p1")
    await client.post(f"/api/console/consultations/{cid}/accept", headers=headers)
    for body in [b"{not json", b'{"text": ""}', ('{"text": "%s"}' % ("长" * 5000)).encode(), b"\xff\xfe"]:
        response = await client.post(f"/api/console/consultations/{cid}/messages", content=body, headers=headers)
        assert response.status_code == 422, body[:20]
    emoji = await client.post(f"/api/console/consultations/{cid}/messages", json={"text": "🙂 多喝水\u200b"}, headers=headers)
    assert emoji.status_code == 200
    assert (await client.get("/api/console/consultations/nope")).status_code == 404
    assert (await client.post("/api/console/session", json={"username": "x" * 65, "password": "y"})).status_code == 422


async def test_a_consultation_from_queue_to_close_through_the_api(runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    li = await on_duty(runtime, "dr.li", ["general"], name="李明", title="主治医师")
    await on_duty(runtime, "dr.chen", ["fever"], name="陈芳", title="副主任医师")
    await say(client, "p1", '/inform{"age": 70, "spo2": 92, "symptoms.fever": true, "symptoms.cough": false, "conditions.diabetes": true}')
    cid = await queued(client, "p1")
    csrf = await sign_in(client, "dr.li")
    headers = {"X-CSRF-Token": csrf}
    detail = (await client.get(f"/api/console/consultations/{cid}")).json()
    intake = detail["intake"]
    assert {"code": "fever", "label": "发烧"} in intake["symptoms_present"]
    assert [s["code"] for s in intake["symptoms_absent"]] == ["cough"]
    assert [(v["name"], v["abnormal"]) for v in intake["vitals"]] == [("spo2", True)]
    assert {"diabetes", "age_65_or_more"} <= {r["code"] for r in intake["risk_factors"]}
    assert detail["position"] == 1
    assert (await client.post(f"/api/console/consultations/{cid}/accept", headers=headers)).status_code == 200
    assert [c["id"] for c in (await client.get("/api/console/consultations?scope=active")).json()] == [cid]
    await client.post(f"/api/console/consultations/{cid}/messages", json={"text": "您好，我是李医生"}, headers=headers)
    assert await say(client, "p1", "医生好，我还在发烧") == []
    lines = (await client.get(f"/api/console/consultations/{cid}")).json()["messages"]
    assert [(m["from"], m["text"]) for m in lines if m["in_session"]][-2:] == [
        (f"doctor:{li.id}", "您好，我是李医生"), ("patient", "医生好，我还在发烧")]
    reply = await client.post("/api/console/quick-replies", json={"text": "请每4小时测一次体温"}, headers=headers)
    assert reply.status_code == 201
    assert [r["text"] for r in (await client.get("/api/console/quick-replies")).json()] == ["请每4小时测一次体温"]
    moved = await client.post(f"/api/console/consultations/{cid}/transfer", json={"department": "fever", "note": "发热"},
                              headers=headers)
    assert moved.status_code == 200 and moved.json()["status"] == "transferred"
    assert (await client.get(f"/api/console/consultations/{cid}")).status_code == 403  # no longer his department's
    chen_csrf = await sign_in(other_client, "dr.chen")
    chen = {"X-CSRF-Token": chen_csrf}
    assert [e["id"] for e in (await other_client.get("/api/console/queue")).json()] == [cid]
    assert (await other_client.post(f"/api/console/consultations/{cid}/accept", headers=chen)).status_code == 200
    closed = await other_client.post(f"/api/console/consultations/{cid}/close", headers=chen, json={
        "summary": "新冠感染，血氧偏低", "advice": "今天到发热门诊就诊", "level": "urgent", "followup": "明天电话随访"})
    assert closed.status_code == 200
    state = await tracker(client, "p1")
    assert state["handoff"]["status"] == "closed" and state["latest_triage"]["level"] == "urgent"
    patient_saw = texts([e for e in state["events"] if e["event"] == "bot"])
    assert "您好，我是李医生" in patient_saw and "发热门诊" in patient_saw and "明天电话随访" in patient_saw
    statuses = [e["status"] for e in state["events"] if e["event"] == "handoff"]
    assert statuses == ["waiting", "active", "transferred", "active", "closed"]


async def test_the_api_is_in_the_openapi_schema(runtime: Runtime, client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in ["/api/console/session", "/api/console/queue", "/api/console/consultations/{consultation_id}/accept",
                 "/api/console/consultations/{consultation_id}/close", "/api/console/stream", "/api/console/admin/staff"]:
        assert path in paths, path


async def test_the_pages_are_chinese_and_forbid_framing(runtime: Runtime, client: httpx.AsyncClient) -> None:
    page = await client.get("/console/login")
    assert page.status_code == 200 and "医生工作台" in page.text
    assert page.headers["x-frame-options"] == "DENY" and "script-src" not in page.headers["content-security-policy"]
    assert (await client.get("/console/static/../api.py")).status_code == 404


async def test_administrators_manage_staff_and_rosters_and_doctors_may_not(runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "admin", [], role="admin", name="管理员", rostered=False)
    await on_duty(runtime, "dr.li", ["general"])
    doctor = {"X-CSRF-Token": await sign_in(other_client, "dr.li")}
    assert (await other_client.get("/api/console/admin/staff")).status_code == 403
    assert (await other_client.post("/api/console/admin/staff", headers=doctor, json={
        "username": "dr.x", "password": PASSWORD, "display_name": "X"})).status_code == 403
    admin = {"X-CSRF-Token": await sign_in(client, "admin")}
    created = await client.post("/api/console/admin/staff", headers=admin, json={
        "username": "dr.sun", "password": PASSWORD, "display_name": "孙医生", "title": "主治医师",
        "departments": ["pediatrics"]})
    assert created.status_code == 201, created.text
    sun = created.json()["id"]
    bad = await client.post("/api/console/admin/staff", headers=admin, json={
        "username": "dr.y", "password": PASSWORD, "display_name": "Y", "departments": ["surgery"]})
    assert bad.status_code == 422 and "surgery" in bad.json()["detail"]
    shift = await client.post("/api/console/admin/roster/shifts", headers=admin, json={
        "staff_id": sun, "department": "pediatrics", "weekday": "sat", "start": "08:00", "end": "12:00"})
    assert shift.status_code == 201 and shift.json()["weekday"] == "sat"
    wrong = await client.post("/api/console/admin/roster/shifts", headers=admin, json={
        "staff_id": sun, "department": "pediatrics", "weekday": "sat", "start": "12:00", "end": "08:00"})
    assert wrong.status_code == 422
    off = await client.post("/api/console/admin/roster/overrides", headers=admin, json={
        "staff_id": sun, "department": "pediatrics", "day": "2030-01-05"})
    assert off.status_code == 201 and off.json()["start"] is None
    roster = (await client.get("/api/console/admin/roster")).json()
    assert [s["id"] for s in roster["shifts"] if s["staff_id"] == sun] == [shift.json()["id"]]
    disabled = await client.patch(f"/api/console/admin/staff/{sun}", headers=admin, json={"active": False})
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    assert (await client.get("/console/admin")).status_code == 200


async def test_the_doctor_sees_the_images_the_patient_sent_and_nothing_else_on_disk(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    cid = await queued(client, "p1")
    media = runtime.config.data_dir / "media"
    media.mkdir(parents=True, exist_ok=True)
    (media / "antigen.jpg").write_bytes(b"\xff\xd8\xff fake jpeg")
    await runtime.engine.record("p1", "attachment", {"kind": "image", "media_id": "m1", "content_type": "image/jpeg",
                                                     "path": str(media / "antigen.jpg")}, actor="system")
    await runtime.engine.record("p1", "attachment", {"kind": "image", "media_id": "m2", "content_type": "image/jpeg",
                                                     "path": "/etc/passwd"}, actor="system")
    await sign_in(client, "dr.li")
    attachments = (await client.get(f"/api/console/consultations/{cid}")).json()["intake"]["attachments"]
    assert [a["media_id"] for a in attachments] == ["m1", "m2"]
    image = await client.get(attachments[0]["href"])
    assert image.status_code == 200 and image.content == b"\xff\xd8\xff fake jpeg"
    assert image.headers["content-type"] == "image/jpeg"
    assert (await client.get(attachments[1]["href"])).status_code == 404
    assert (await client.get(f"/api/console/consultations/{cid}/attachments/7")).status_code == 404


class _TelegramOutput:
    """Stands for the Telegram plugin being on: it registers the `telegram` output channel."""

    async def send(self, recipient_id: str, messages: list) -> None:
        return None


async def test_a_doctor_gets_a_one_time_telegram_link_code_only_when_telegram_is_on(runtime: Runtime, client: httpx.AsyncClient) -> None:
    from bot.staff_links import staff_links

    staff = await on_duty(runtime, "dr.li", ["general"])
    csrf = await sign_in(client, "dr.li")
    assert (await client.get("/api/console/me")).json()["telegram"] is False
    assert (await client.post("/api/console/me/telegram-link-code", headers={"X-CSRF-Token": csrf})).status_code == 404

    runtime.register_output("telegram", _TelegramOutput())
    assert (await client.get("/api/console/me")).json()["telegram"] is True
    assert (await client.post("/api/console/me/telegram-link-code")).status_code == 403  # no CSRF token
    code = (await client.post("/api/console/me/telegram-link-code", headers={"X-CSRF-Token": csrf})).json()
    assert code["command"] == f"/link {code['code']}"
    links = staff_links(runtime, "telegram")
    assert await links.redeem(code["code"], "chat-42") == staff.id
    assert await links.staff_for("chat-42") == staff.id
