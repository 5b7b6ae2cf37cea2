"""Staff upload a report from the console (POST /api/console/reports, page /console/hospital/reports):
doctors and administrators only, with the CSRF token, audited, the ID number never stored or echoed in clear;
the patient then finds it by typing "查报告" (REST, real NLU and engine); bad input is a 422 and stores nothing."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from bot.hospital.embedded import HospitalReportRow
from bot.runtime import Runtime
from tests.booking.helpers import ID_ADULT, bind_card
from tests.console.helpers import on_duty, say, texts
from tests.console.test_console_api import sign_in

REPORT: dict[str, Any] = {
    "id_number": ID_ADULT, "title": "血常规", "issued": "2026-12-05T10:30:00+08:00",
    "observations": [
        {"name": "白细胞计数", "value": 12.6, "unit": "×10^9/L", "low": 3.5, "high": 9.5},
        {"name": "血红蛋白", "value": 102, "unit": "g/L", "low": 115, "high": 150},
        {"name": "新型冠状病毒N基因", "text": "阴性", "reference_text": "阴性"},
    ],
}


async def stored(runtime: Runtime) -> int:
    async with runtime.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(HospitalReportRow)) or 0)


async def test_a_doctor_uploads_a_report_and_the_patient_reads_it(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.lab", ["general"], name="检验科王医生")
    csrf = await sign_in(client, "dr.lab")
    answer = await client.post("/api/console/reports", json=REPORT, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["results"] == 3 and body["patient"] == "1101**********002X" and ID_ADULT not in answer.text

    [entry] = await runtime.audit.entries(actions=("hospital.report_add",))
    assert entry.actor.startswith("doctor:") and entry.object_id == str(body["id"])
    assert entry.detail == {"results": 3, "channel": "console"} and ID_ADULT not in json.dumps(entry.detail)
    assert not await runtime.audit.entries(actions=("console.change",))  # one entry, the route's own
    async with runtime.db.session() as session:
        row = (await session.execute(text("select patient, uploaded_by, body_encrypted from hospital_reports"))).one()
    assert row.uploaded_by == "dr.lab" and ID_ADULT not in row.patient and "12.6" not in row.body_encrypted

    await bind_card(client, "p_console_report")
    said = texts(await say(client, "p_console_report", "查报告"))
    assert "【血常规】2026年12月5日 10:30 出具" in said
    assert "白细胞计数：12.6 ×10^9/L ↑（参考范围 3.5–9.5）" in said and "血红蛋白：102 g/L ↓" in said


async def test_an_administrator_may_upload_a_pharmacist_may_not(runtime: Runtime, client: httpx.AsyncClient,
                                                                other_client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "boss", [], role="admin", name="院办", rostered=False)
    await on_duty(runtime, "ph.wang", [], role="pharmacist", name="王药师", rostered=False)
    admin = await sign_in(client, "boss")
    assert (await client.post("/api/console/reports", json=REPORT, headers={"X-CSRF-Token": admin})).status_code == 201
    pharmacist = await sign_in(other_client, "ph.wang")
    refused = await other_client.post("/api/console/reports", json=REPORT, headers={"X-CSRF-Token": pharmacist})
    assert refused.status_code == 403 and await stored(runtime) == 1
    assert [e.actor.split(":")[0] for e in await runtime.audit.entries(actions=("hospital.report_add",))] == ["admin"]


async def test_signed_out_or_without_csrf_nothing_is_stored(runtime: Runtime, client: httpx.AsyncClient) -> None:
    assert (await client.post("/api/console/reports", json=REPORT)).status_code == 401
    await on_duty(runtime, "dr.lab", ["general"])
    await sign_in(client, "dr.lab")
    assert (await client.post("/api/console/reports", json=REPORT)).status_code == 403
    assert (await client.post("/api/console/reports", json=REPORT, headers={"X-CSRF-Token": "wrong"})).status_code == 403
    assert await stored(runtime) == 0


@pytest.mark.parametrize("change", [
    {"id_number": "110105194912310021"},  # a wrong check digit
    {"issued": "2026-12-05T10:30:00"},  # no time zone
    {"issued": (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)).isoformat()},
    {"observations": []},
    {"observations": [{"name": "白细胞计数"}]},  # neither a value nor a worded result
    {"observations": [{"name": "白细胞计数", "value": 5, "low": 9.5, "high": 3.5}]},
    {"title": "血常规\u0000"},
    {"title": ""},
    {"observations": [{"name": "x", "value": "很多"}]},
])
async def test_bad_input_is_a_422_and_nothing_is_stored(runtime: Runtime, client: httpx.AsyncClient,
                                                        change: dict[str, Any]) -> None:
    await on_duty(runtime, "dr.lab", ["general"])
    csrf = await sign_in(client, "dr.lab")
    answer = await client.post("/api/console/reports", json={**REPORT, **change}, headers={"X-CSRF-Token": csrf})
    assert answer.status_code in (400, 422), answer.text
    assert ID_ADULT not in answer.text and await stored(runtime) == 0


async def test_a_body_that_is_not_json_is_a_4xx(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.lab", ["general"])
    csrf = await sign_in(client, "dr.lab")
    answer = await client.post("/api/console/reports", content=b"\xff\xfe", headers={"X-CSRF-Token": csrf,
                                                                                    "Content-Type": "application/json"})
    assert 400 <= answer.status_code < 500 and await stored(runtime) == 0


async def test_the_page_is_served_with_the_consoles_security_headers(client: httpx.AsyncClient) -> None:
    page = await client.get("/console/hospital/reports")
    assert page.status_code == 200 and "上传检查检验报告" in page.text and "report-id-number" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    script = await client.get("/console/hospital/reports.js")
    assert script.status_code == 200 and "/api/console/reports" in script.text


async def test_the_report_and_its_audit_entry_are_one_transaction(runtime: Runtime, client: httpx.AsyncClient,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The entry is appended in the transaction that stores the report: when appending fails, the report
    is not stored either (before, it was stored first and the entry written afterwards, on its own)."""
    await on_duty(runtime, "dr.tx", ["general"], name="检验科李医生")
    csrf = await sign_in(client, "dr.tx")
    real_append = runtime.audit.append

    async def failing_append(conn: Any, entries: list[Any]) -> None:
        if any(e.action == "hospital.report_add" for e in entries):
            assert await conn.scalar(select(func.count()).select_from(HospitalReportRow)) == 1  # inserted, uncommitted
            raise RuntimeError("the audit chain is unavailable")
        await real_append(conn, entries)

    monkeypatch.setattr(runtime.audit, "append", failing_append)
    with pytest.raises(RuntimeError, match="audit chain"):
        await client.post("/api/console/reports", json=REPORT, headers={"X-CSRF-Token": csrf})
    assert await stored(runtime) == 0 and not await runtime.audit.entries(actions=("hospital.report_add",))

    monkeypatch.setattr(runtime.audit, "append", real_append)
    answer = await client.post("/api/console/reports", json=REPORT, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 201, answer.text
    [entry] = await runtime.audit.entries(actions=("hospital.report_add",))
    assert entry.object_id == str(answer.json()["id"]) and await stored(runtime) == 1
    assert (await runtime.audit.verify()).ok
