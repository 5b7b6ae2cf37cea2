"""The console's broadcasts page and API: administrators compose, preview, schedule and read the report."""
from __future__ import annotations

from typing import AsyncIterator

import httpx
import pytest

from bot.app import create_app
from bot.runtime import Runtime
from tests.broadcasts.conftest import Patient, run_until_finished
from tests.broadcasts.mass_wechat import MassWeChat
from tests.console.helpers import PASSWORD, on_duty

API = "/api/console/admin/broadcasts"


async def signed_in(runtime: Runtime, username: str, role: str) -> httpx.AsyncClient:
    await on_duty(runtime, username, ["fever"], role=role, rostered=False)
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(runtime=runtime)), base_url="https://wenzhen.test")
    response = await http.post("/api/console/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    http.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return http


@pytest.fixture
async def admin(wechat_runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    http = await signed_in(wechat_runtime, "boss", "admin")
    yield http
    await http.aclose()


async def test_an_admin_previews_creates_schedules_and_reads_the_report(
    wechat_runtime: Runtime, admin: httpx.AsyncClient, patient: Patient, wechat: MassWeChat
) -> None:
    await patient("console-old", age=77)
    await patient("console-young", age=31)
    options = (await admin.get(f"{API}/options")).json()
    assert "elderly" in options["groups"] and "wechat_mass" in options["methods"]
    assert any(a["id"] == "elderly-warning-signs" for a in options["articles"])

    campaign = {"name": "老人防护", "article_id": "elderly-warning-signs",
                "audience": {"groups": ["elderly"]}, "methods": ["wechat_mass"]}
    preview = (await admin.post(f"{API}/preview", json=campaign)).json()
    assert preview["recipients"] == {"wechat_mass": 1}
    assert "家里老人阳了" in preview["text"] and "退订" in preview["text"]

    created = await admin.post(API, json=campaign)
    assert created.status_code == 201, created.text
    campaign_id = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["created_by"].startswith("admin:")

    scheduled = await admin.post(f"{API}/{campaign_id}/schedule", json={})
    assert scheduled.status_code == 200 and scheduled.json()["status"] == "scheduled"
    await run_until_finished(wechat_runtime, campaign_id)
    report = (await admin.get(f"{API}/{campaign_id}/report")).json()
    assert report["counts"]["sent"] == 1
    assert len(wechat.inbox["console-old"]) == 1 and wechat.inbox["console-young"] == []


async def test_the_page_is_served_and_only_administrators_may_use_the_api(wechat_runtime: Runtime, admin: httpx.AsyncClient) -> None:
    page = await admin.get("/console/admin/broadcasts")
    assert page.status_code == 200 and "健康科普推送" in page.text
    assert "Content-Security-Policy" in page.headers
    assert (await admin.get("/console/admin/broadcasts.js")).status_code == 200

    doctor = await signed_in(wechat_runtime, "dr-li", "doctor")
    try:
        assert (await doctor.get(API)).status_code == 403
    finally:
        await doctor.aclose()
    anonymous = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(runtime=wechat_runtime)), base_url="https://t")
    try:
        assert (await anonymous.get(API)).status_code == 401
    finally:
        await anonymous.aclose()


async def test_changes_need_the_csrf_token_and_bad_campaigns_get_a_clear_422(admin: httpx.AsyncClient) -> None:
    body = {"name": "x", "message": "周六门诊延长", "methods": ["wechat_mass"]}
    token = admin.headers.pop("X-CSRF-Token")
    assert (await admin.post(API, json=body)).status_code == 403
    admin.headers["X-CSRF-Token"] = token
    for bad, reason in (
        ({**body, "article_id": "no-such"}, "exactly one"),
        ({"name": "x", "article_id": "no-such", "methods": ["wechat_mass"]}, "no article"),
        ({**body, "audience": {"groups": ["martians"]}}, "unknown audience group"),
        ({**body, "methods": []}, ""),
        ({**body, "message": "长" * 5000}, ""),
    ):
        response = await admin.post(API, json=bad)
        assert response.status_code == 422, (bad, response.text)
        assert reason in response.text
    assert (await admin.post(f"{API}/999/schedule", json={})).status_code == 422
    assert (await admin.post(API, content=b"\xff\x00 not json", headers={"Content-Type": "application/json"})).status_code == 400
