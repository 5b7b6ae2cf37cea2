"""The doctors' monitoring pages and API: the list with flags, the chart page with the threshold lines,
notes, per-patient thresholds, schedules; RBAC (other departments, not signed in) and the audit trail."""
from __future__ import annotations

import re

import httpx

from bot.runtime import Runtime
from tests.console.helpers import PASSWORD, on_duty
from tests.monitoring.helpers import enrolled, patient_row, say, texts


async def sign_in(http: httpx.AsyncClient, username: str) -> str:
    response = await http.post("/api/console/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["csrf_token"])


async def readings_of(runtime: Runtime, console: httpx.AsyncClient, sender: str, *typed: str) -> None:
    await enrolled(runtime, sender)
    for text in typed:
        await say(console, sender, text)


async def test_the_list_and_the_chart_page_show_the_readings_flags_and_threshold_lines(
        runtime: Runtime, console: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.wang", ["general"])
    await readings_of(runtime, console, "m-page", "血氧97", "血氧96", "血氧95", "血压150/95")
    row = await patient_row(runtime, "m-page")
    assert row is not None and row.department == "general"
    assert (await console.get("/console/monitoring/patients", follow_redirects=False)).status_code == 303
    await sign_in(console, "dr.wang")

    listed = await console.get("/api/console/monitoring/patients")
    assert listed.status_code == 200
    [entry] = [p for p in listed.json() if p["id"] == row.id]
    assert entry["flags"] == ["trend"] and entry["latest"]["spo2"]["value"] == 95
    page = await console.get("/console/monitoring/patients")
    assert page.status_code == 200 and f'/console/monitoring/patients/{row.id}' in page.text and "趋势变差" in page.text

    detail = await console.get(f"/console/monitoring/patients/{row.id}")
    assert detail.status_code == 200
    assert "default-src 'self'" in detail.headers["content-security-policy"]
    spo2_chart = re.search(r'<svg[^>]*data-measure="spo2".*?</svg>', detail.text, re.S)
    assert spo2_chart is not None
    assert re.search(r'class="threshold-line" data-side="low" data-value="93"', spo2_chart.group())
    assert spo2_chart.group().count("<circle") == 3
    assert 'data-measure="sbp"' in detail.text and 'data-value="180"' in detail.text
    assert "<script>" not in detail.text  # no inline script: the CSP would refuse it
    assert re.search(r'<p id="who">本人 · 未绑定就诊卡 · 不详 · 不详</p>', detail.text)  # no card: the relation only

    entries = await runtime.audit.entries(subject="m-page")
    assert {"monitoring.open"} <= {e.action for e in entries}


async def test_a_doctor_sets_a_copd_patients_own_spo2_limit_writes_a_note_and_plans_medicines(
        runtime: Runtime, console: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.zhao", ["general"])
    await say(console, "m-copd", "血氧95")
    row = await patient_row(runtime, "m-copd")
    assert row is not None
    csrf = await sign_in(console, "dr.zhao")
    headers = {"X-CSRF-Token": csrf}
    base = f"/api/console/monitoring/patients/{row.id}"
    assert (await console.put(f"{base}/thresholds", json={"measure": "spo2", "side": "low", "value": 88})).status_code == 403
    changed = await console.put(f"{base}/thresholds", json={"measure": "spo2", "side": "low", "value": 88}, headers=headers)
    assert changed.status_code == 200 and changed.json()["thresholds"] == {"spo2": {"low": 88.0}}
    for bad in ({"measure": "spo2", "side": "low", "value": 140}, {"measure": "mood", "side": "low", "value": 1},
                {"measure": "spo2", "side": "middle", "value": 90}):
        assert (await console.put(f"{base}/thresholds", json=bad, headers=headers)).status_code == 422
    detail = await console.get(f"/console/monitoring/patients/{row.id}")
    assert 'data-side="low" data-value="88"' in detail.text and "医生设定" in detail.text

    note = await console.post(f"{base}/notes", json={"text": "远程查房：精神好，咳嗽减轻，继续监测。"}, headers=headers)
    assert note.status_code == 201
    assert (await console.post(f"{base}/notes", json={"text": "bad\u0000"}, headers=headers)).status_code == 422
    shown = (await console.get(base)).json()
    assert shown["notes"][0]["text"] == "远程查房：精神好，咳嗽减轻，继续监测。" and shown["notes"][0]["author"] == "李医生"
    async with runtime.db.session() as session:
        from sqlalchemy import select

        from bot.monitoring.models import NoteRow
        stored = (await session.execute(select(NoteRow.text_encrypted))).scalars().all()
    assert stored and all("查房" not in s for s in stored)  # encrypted at rest

    enrol = await console.post(f"{base}/enrol", headers=headers)
    assert enrol.status_code == 200 and enrol.json()["scheduled"] == 2
    plan = await console.put(f"{base}/schedule", headers=headers, json={
        "morning": "08:30", "evening": "20:30", "medications": [{"name": "氨氯地平片", "dose": "5mg", "times": ["08:00"]}]})
    assert plan.status_code == 200 and plan.json()["scheduled"] == 3
    assert (await console.put(f"{base}/schedule", headers=headers, json={"morning": "8点"})).status_code == 422
    stop = await console.post(f"{base}/stop", headers=headers)
    assert stop.status_code == 200 and stop.json()["cancelled"] == 3
    actions = [e.action for e in await runtime.audit.entries(subject="m-copd")]
    for action in ("monitoring.threshold", "monitoring.note", "monitoring.enrol", "monitoring.schedule", "monitoring.stop"):
        assert action in actions


async def test_a_doctor_of_another_department_sees_neither_the_patient_nor_the_page(
        runtime: Runtime, console: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.child", ["pediatrics"])
    await say(console, "m-adult", "血氧96")
    row = await patient_row(runtime, "m-adult")
    assert row is not None and row.department == "general"
    await sign_in(console, "dr.child")
    assert row.id not in [p["id"] for p in (await console.get("/api/console/monitoring/patients")).json()]
    assert (await console.get(f"/api/console/monitoring/patients/{row.id}")).status_code == 403
    assert (await console.get(f"/console/monitoring/patients/{row.id}")).status_code == 403
    for missing in ("999999", str(10**30), "-1"):
        assert (await console.get(f"/api/console/monitoring/patients/{missing}")).status_code == 404
    assert (await console.get("/api/console/monitoring/patients/abc")).status_code == 422


async def test_a_custom_threshold_reading_retriages_by_the_doctors_limit(runtime: Runtime, console: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.sun", ["general"])
    await readings_of(runtime, console, "m-own", "心率80")
    row = await patient_row(runtime, "m-own")
    assert row is not None
    csrf = await sign_in(console, "dr.sun")
    await console.put(f"/api/console/monitoring/patients/{row.id}/thresholds", headers={"X-CSRF-Token": csrf},
                      json={"measure": "heart_rate", "side": "high", "value": 110})
    replies = await say(console, "m-own", "心率一百一十五")
    assert "心率 115次/分，高于或等于警戒值 110次/分" in texts(replies)


async def test_medication_reminders_come_from_the_patients_approved_prescriptions(
        runtime: Runtime, console: httpx.AsyncClient) -> None:
    import datetime as dt

    from bot.consultations.models import StaffRow
    from bot.prescriptions.models import PrescriptionRow
    from sqlalchemy import select

    await on_duty(runtime, "dr.qian", ["general"])
    await say(console, "m-rx", "血压150/95")
    row = await patient_row(runtime, "m-rx")
    assert row is not None
    headers = {"X-CSRF-Token": await sign_in(console, "dr.qian")}
    base = f"/api/console/monitoring/patients/{row.id}"
    assert (await console.post(f"{base}/enrol", headers=headers)).status_code == 200
    none_yet = await console.post(f"{base}/medications/from-prescriptions", headers=headers)
    assert none_yet.status_code == 409 and none_yet.json()["detail"]["code"] == "no_approved_prescriptions"
    assert "没有已审核通过" in none_yet.json()["detail"]["message"]  # the words from integrations/monitoring/labels.yml

    async with runtime.db.transaction() as session:
        doctor = (await session.scalars(select(StaffRow).where(StaffRow.username == "dr.qian"))).one()
        now = dt.datetime.now(dt.timezone.utc)
        for pid, status, lines in (
                ("rx-ok", "approved", [{"code": "amlodipine_tab_5", "dose": 1, "frequency": "qd", "days": 28},
                                       {"code": "metformin_tab_500", "dose": 1, "frequency": "tid", "days": 28},
                                       {"code": "ibuprofen_sr_300", "dose": 1, "frequency": "prn", "days": 3}]),
                ("rx-waiting", "pending_review", [{"code": "valsartan_cap_80", "dose": 1, "frequency": "qd", "days": 28}])):
            session.add(PrescriptionRow(id=pid, conversation_id=row.conversation_id, department="general",
                                        doctor_id=doctor.id, status=status, version=1, diagnosis="高血压；2型糖尿病",
                                        patient={}, lines=lines, findings=[], total_fen=0, signed_at=now))

    planned = await console.post(f"{base}/medications/from-prescriptions", headers=headers)
    assert planned.status_code == 200, planned.text
    medications = planned.json()["schedule"]["medications"]
    assert [(m["name"], m["dose"], m["times"]) for m in medications] == [
        ("苯磺酸氨氯地平片", "每次1片", ["08:00"]), ("盐酸二甲双胍片", "每次1片", ["08:00", "13:00", "19:00"])]  # prn: no reminder; not yet approved: none
    assert planned.json()["scheduled"] == 4
    assert planned.json()["schedule"]["morning"]  # the reading reminders stay
    assert "monitoring.schedule" in [e.action for e in await runtime.audit.entries(subject=row.conversation_id)]
    page = await console.get(f"/console/monitoring/patients/{row.id}")
    assert "按已审核的在线处方设置用药提醒" in page.text and "苯磺酸氨氯地平片" in page.text
