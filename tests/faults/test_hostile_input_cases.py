"""Every hostile input of issue 16 that gave a 5xx, replayed on SQLite and PostgreSQL: each is a 4xx or cleaned."""
from __future__ import annotations

from typing import Any

import httpx
import pytest

from bot.runtime import Runtime
from tests.wechat.conftest import SetupFactory

# Written out as JSON text: Python's json.dumps would refuse or escape some of them itself.
METADATA_CASES = {
    "nan": '{"sender": "h1", "message": "你好", "metadata": {"x": NaN}}',
    "infinity": '{"sender": "h2", "message": "你好", "metadata": {"x": Infinity, "y": -Infinity}}',
    "nul_in_value": '{"sender": "h3", "message": "你好", "metadata": {"x": "a\\u0000b"}}',
    "nul_in_key": '{"sender": "h4", "message": "你好", "metadata": {"a\\u0000b": 1}}',
    "lone_surrogate": '{"sender": "h5", "message": "你好", "metadata": {"x": "\\ud800"}}',
    "huge_integer": '{"sender": "h6", "message": "你好", "metadata": {"x": ' + "9" * 5000 + "}}",
}


@pytest.mark.parametrize("case", METADATA_CASES)
async def test_rest_metadata_that_postgres_cannot_store_is_refused_or_cleaned(
        case: str, http: httpx.AsyncClient) -> None:
    response = await http.post("/webhooks/rest/webhook", content=METADATA_CASES[case],
                               headers={"Content-Type": "application/json"})
    assert response.status_code in (200, 400), response.text
    if case in ("nan", "infinity", "huge_integer"):
        assert response.status_code == 400 and "JSON" in response.json()["error"]
        return
    assert response.status_code == 200 and response.json(), "the message itself is answered"
    sender = "h3" if case == "nul_in_value" else "h4" if case == "nul_in_key" else "h5"
    tracked = (await http.get(f"/conversations/{sender}/tracker")).json()
    stored = next(e["metadata"] for e in tracked["events"] if e["event"] == "user")
    assert "\x00" not in str(stored) and "\ud800" not in str(stored)
    assert stored == {"x": "ab"} or stored == {"ab": 1} or stored == {"x": "\ufffd"}


async def test_a_nul_in_the_tracker_path_is_a_400(http: httpx.AsyncClient) -> None:
    response = await http.get("/conversations/a%00b/tracker")
    assert response.status_code == 400 and "NUL" in response.json()["detail"]


async def test_a_nul_in_the_login_name_is_a_422_not_a_lookup(http: httpx.AsyncClient) -> None:
    response = await http.post("/api/console/session", json={"username": "ad\u0000min", "password": "x"})
    assert response.status_code == 422 and "NUL" in response.json()["detail"]


async def test_a_quick_reply_with_a_nul_is_refused(admin_http: httpx.AsyncClient) -> None:
    response = await admin_http.post("/api/console/quick-replies", json={"text": "请多喝水\u0000"})
    assert response.status_code == 422
    assert (await admin_http.get("/api/console/quick-replies")).json() == []


@pytest.mark.parametrize("method,path", [
    ("DELETE", "/api/console/quick-replies/99999999999999999999"),
    ("PATCH", "/api/console/admin/staff/1099511627776"),
    ("DELETE", "/api/console/admin/roster/shifts/1099511627776"),
    ("DELETE", "/api/console/admin/roster/overrides/-1099511627776"),
    ("PUT", "/api/console/admin/staff/1099511627776/password"),
])
async def test_ids_beyond_the_id_columns_are_not_found(method: str, path: str, admin_http: httpx.AsyncClient) -> None:
    body: dict[str, Any] = {"password": "secret"} if path.endswith("password") else {}
    response = await admin_http.request(method, path, json=body)
    assert response.status_code == 404 and "out of range" in response.json()["detail"]


async def test_a_staff_id_of_ten_to_the_thirty_in_a_shift_is_refused(admin_http: httpx.AsyncClient) -> None:
    response = await admin_http.post("/api/console/admin/roster/shifts", json={
        "staff_id": 10**30, "department": "fever", "weekday": "mon", "start": "08:00", "end": "12:00"})
    assert response.status_code == 422 and "range" in response.json()["detail"]


async def test_a_300_character_wechat_openid_is_refused_once_not_retried(
        make_wechat: SetupFactory, store_runtime: Runtime) -> None:
    setup = await make_wechat("compatible", runtime_overrides={"database_url": store_runtime.config.database_url})
    platform = setup.platform("plaintext")
    delivery = await platform.push(platform.text("o" * 300, "你好"))
    assert delivery.status == 400 and delivery.attempts == 1
    assert (await platform.push(platform.text("o_normal_openid", "你好"))).status == 200
