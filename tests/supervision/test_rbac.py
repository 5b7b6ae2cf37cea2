"""Every export and audit route: 401 signed out, 403 for a doctor, served for an administrator — and audited."""
from __future__ import annotations

import httpx
import pytest

from bot.runtime import Runtime
from tests.supervision.helpers import doctor_and_admin, sign_in

RANGE = {"from": "2026-01-01", "to": "2026-12-31"}
ROUTES = [
    ("GET", "/api/console/admin/export/consultations", RANGE, None),
    ("GET", "/api/console/admin/export/consultations/manifest", RANGE, None),
    ("GET", "/api/console/admin/export/public-key", None, None),
    ("PUT", "/api/console/admin/staff/1/practising-id", None, {"practising_id": "110110000012345"}),
    ("GET", "/api/console/admin/audit", None, None),
    ("GET", "/api/console/admin/audit/verify", None, None),
    ("POST", "/api/console/admin/erasure", None, {"conversation_id": "someone"}),
]


@pytest.mark.parametrize("method,path,params,body", ROUTES, ids=[f"{m} {p}" for m, p, _, _ in ROUTES])
async def test_only_administrators_reach_supervision_routes(runtime: Runtime, client: httpx.AsyncClient,
                                                             method: str, path: str, params, body) -> None:
    async def call(headers: dict[str, str] | None = None) -> httpx.Response:
        return await client.request(method, path, params=params, json=body, headers=headers or {})

    await doctor_and_admin(runtime, client)  # leaves dr.li signed in
    client.cookies.clear()
    assert (await call()).status_code == 401
    doctor_csrf = await sign_in(client, "dr.li")
    assert (await call({"X-CSRF-Token": doctor_csrf})).status_code == 403
    admin_csrf = await sign_in(client, "boss")
    before = len(await runtime.audit.entries(limit=10_000))
    if method != "GET":
        assert (await call()).status_code == 403  # no CSRF token: refused before anything is done
    served = await call({"X-CSRF-Token": admin_csrf})
    expected = 404 if path.endswith("/erasure") else 204 if method == "PUT" else 200
    assert served.status_code == expected, served.text
    if path.endswith("/public-key"):
        return  # a public key is no record: not audited
    assert len(await runtime.audit.entries(limit=10_000)) > before
