"""The FHIR R4 adapter against a local FHIR REST server (tests/booking/fhir_server.py): its Bundles are
parsed by fhir.resources; then booking and report lookup typed in Chinese over REST with
`hospital.system: fhir`; and an unreachable hospital system answered honestly, never with a 5xx."""
from __future__ import annotations

import datetime as dt
from typing import Iterator
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.app import create_app
from bot.hospital import BookingError, CardIdentity, HospitalSystem, HospitalUnavailable
from bot.hospital.fhir import FhirHospital
from bot.runtime import Runtime
from tests.booking.fhir_server import FhirServer, FhirStore, seed
from tests.booking.helpers import ID_ADULT, bind_card, buttons, run_jobs_due, say, texts

ZONE = ZoneInfo("Asia/Shanghai")
ID_SYSTEM = "urn:oid:2.16.156.10011.1.3"


@pytest.fixture
def fhir() -> Iterator[FhirServer]:
    store = FhirStore()
    seed(store, ID_SYSTEM, ID_ADULT, ZONE, dt.datetime.now(ZONE).date())
    server = FhirServer(store).start()
    yield server
    server.stop()


async def test_the_adapter_books_cancels_and_reads_reports_over_fhir_rest(fhir: FhirServer) -> None:
    his = FhirHospital(fhir.base_url, identifier_system=ID_SYSTEM)
    try:
        assert isinstance(his, HospitalSystem)
        assert {(d.code, d.name) for d in await his.departments()} == {("pediatrics", "儿科"), ("nucleic_acid", "核酸检测")}
        assert [(d.name, d.title) for d in await his.doctors("pediatrics")] == [("周敏", "主任医师")]
        tomorrow = dt.datetime.now(ZONE).date() + dt.timedelta(days=1)
        free = await his.slots("pediatrics", tomorrow)
        assert [s.start.astimezone(ZONE).hour for s in free] == [8, 9, 10, 14, 15]
        assert any("Slot?schedule=Schedule%2Fsched-ped&status=free&start=ge" in r for r in fhir.store.requests)

        patient = await his.match_patient(CardIdentity("张三丰", ID_ADULT, "13800138000"))
        assert patient is not None and patient.id == "pat-1"
        assert await his.match_patient(CardIdentity("李四", "110105194912310046", "13800138001")) is None
        assert not any(ID_ADULT in r for r in fhir.store.requests)  # the ID number never in a URL

        booked = await his.book(patient, free[0].id)
        assert booked.status == "booked" and booked.department == "pediatrics" and booked.start == free[0].start
        stored = fhir.store.resources["Appointment"][booked.id]
        assert stored["status"] == "booked" and stored["slot"] == [{"reference": f"Slot/{free[0].id}"}]
        assert {"reference": "Patient/pat-1"} in [p["actor"] for p in stored["participant"]]
        assert fhir.store.resources["Slot"][free[0].id]["status"] == "busy"
        assert free[0].id not in [s.id for s in await his.slots("pediatrics", tomorrow)]
        with pytest.raises(BookingError) as taken:
            await his.book(patient, free[0].id)
        assert taken.value.code == "slot_taken"
        assert [a.id for a in await his.appointments(patient)] == [booked.id]

        moved = await his.reschedule(patient, booked.id, free[1].id)
        assert fhir.store.resources["Appointment"][booked.id]["status"] == "cancelled"
        assert fhir.store.resources["Slot"][free[0].id]["status"] == "free"
        cancelled = await his.cancel(patient, moved.id)
        assert cancelled.status == "cancelled" and await his.appointments(patient) == []

        reports = await his.reports(patient)
        assert [r.title for r in reports] == ["C反应蛋白测定", "新冠病毒核酸检测"]
        crp = reports[0].observations[0]
        assert (crp.name, crp.value, crp.unit, crp.low, crp.high, crp.interpretation) == ("C反应蛋白", 36.5, "mg/L", 0, 10, "H")
        assert reports[1].observations[0].text == "阴性"
        assert any("DiagnosticReport?patient=Patient%2Fpat-1&_include=DiagnosticReport%3Aresult" in r
                   for r in fhir.store.requests)
    finally:
        await his.close()


async def test_an_unreachable_fhir_server_raises_unavailable(closed_port: int) -> None:
    his = FhirHospital(f"http://127.0.0.1:{closed_port}/fhir", timeout=2)
    try:
        with pytest.raises(HospitalUnavailable):
            await his.departments()
    finally:
        await his.close()


async def _client(runtime: Runtime) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(runtime=runtime)), base_url="http://wenzhen.test")


async def test_book_and_read_reports_over_rest_through_the_fhir_system(make_runtime, fhir: FhirServer) -> None:
    runtime = await make_runtime(hospital={"system": "fhir", "reminder_time": "23:59",
                                           "fhir": {"base_url": fhir.base_url, "patient_identifier_system": ID_SYSTEM}})
    async with await _client(runtime) as http:
        await bind_card(http, "p_fhir")
        offered = await say(http, "p_fhir", "帮我约明天上午的儿科")
        assert [b["title"][:11] for b in buttons(offered)] == ["08:00–09:00", "09:00–10:00", "10:00–11:00"]
        assert "周敏" in buttons(offered)[0]["title"]
        await say(http, "p_fhir", "2")
        done = texts(await say(http, "p_fhir", "1"))
        assert "预约成功" in done and "09:00–10:00" in done and "周敏" in done, done
        [appointment] = [a for a in fhir.store.all("Appointment") if a["status"] == "booked"]
        assert appointment["participant"][0]["actor"] == {"reference": "Patient/pat-1"}

        # The waiting reminder: FHIR has no queue position, so it goes without a count.
        jobs = await runtime.jobs.pending("booking_reminder:")
        waiting = [j for j in jobs if j.payload["kind"] == "waiting"]
        assert len(jobs) == 2 and len(waiting) == 1
        await run_jobs_due(runtime, waiting[0].due_at.replace(tzinfo=dt.timezone.utc))
        tracker = (await http.get("/conversations/p_fhir/tracker")).json()
        pushed = [e.get("text") or "" for e in tracker["events"] if e.get("event") == "bot"]
        assert any("候诊提醒" in t and "09:00–10:00" in t and "前面还有" not in t for t in pushed), pushed[-2:]

        cancel = await say(http, "p_fhir", "我想取消预约")
        assert "确定要取消" in texts(cancel)
        assert "已取消预约" in texts(await say(http, "p_fhir", "1"))
        assert fhir.store.resources["Appointment"][appointment["id"]]["status"] == "cancelled"

        report = texts(await say(http, "p_fhir", "查报告"))
        assert "C反应蛋白：36.5 mg/L ↑（参考范围 0–10）" in report and "不是诊断" in report, report
        nucleic = texts(await say(http, "p_fhir", "查一下我的核酸报告"))
        assert "新型冠状病毒核酸：阴性（参考范围 阴性）" in nucleic and "C反应蛋白" not in nucleic


@pytest.mark.parametrize("typed", ["我要预约挂号", "查一下我的核酸报告", "帮我约明天上午的儿科", "我想取消预约", "预约核酸检测"])
async def test_an_unreachable_hospital_system_gets_an_honest_answer_not_an_error(make_runtime, closed_port: int, typed: str) -> None:
    runtime = await make_runtime(
        hospital={"system": "fhir", "fhir": {"base_url": f"http://127.0.0.1:{closed_port}/fhir", "timeout": 2}},
        services={"hospital": {"name": "尤溪县总医院", "phone": "（测试电话）", "booking_channel": "医院官方小程序"}})
    async with await _client(runtime) as http:
        await bind_card(http, "p_down")
        response = await http.post("/webhooks/rest/webhook", json={"sender": "p_down", "message": typed})
        assert response.status_code == 200
        said = texts(response.json())
        assert "暂时连接不上" in said and "（测试电话）" in said and "120" in said, said
        assert said.count("暂时连接不上") == 1 and "没有找到" not in said and "约满" not in said, said
        assert {"/request_doctor", "/call_120"} <= {b["payload"] for b in buttons(response.json())}


async def test_the_hospital_system_going_down_before_the_confirmation_books_nothing_and_says_so(
    make_runtime, fhir: FhirServer
) -> None:
    runtime = await make_runtime(hospital={"system": "fhir", "fhir": {"base_url": fhir.base_url, "timeout": 2,
                                                                      "patient_identifier_system": ID_SYSTEM}})
    async with await _client(runtime) as http:
        await bind_card(http, "p_midway")
        await say(http, "p_midway", "帮我约明天上午的儿科")
        assert "请确认预约信息" in texts(await say(http, "p_midway", "1"))
        fhir.stop()
        response = await http.post("/webhooks/rest/webhook", json={"sender": "p_midway", "message": "确认"})
        assert response.status_code == 200
        said = texts(response.json())
        assert "暂时连接不上" in said and "没有产生任何预约" in said and "预约成功" not in said, said
        tracker = (await http.get("/conversations/p_midway/tracker")).json()
        assert not [e for e in tracker["events"] if e.get("event") == "appointment"]
    assert not fhir.store.all("Appointment")
