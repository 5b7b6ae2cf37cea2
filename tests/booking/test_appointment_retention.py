"""Appointments of the embedded hospital system are covered by the retention sweep like the other records:
`supervision.retention.appointments_days` (3 years by default) after the appointment's time, one
`retention.appointments` audit entry in the same transaction, never an upcoming appointment. The
appointment is booked as a patient books it: typed Chinese through the NLU and engine (REST)."""
from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import func, select

from bot.app import create_app
from bot.db import utcnow
from bot.hospital.embedded import HospitalAppointmentRow
from bot.runtime import Runtime
from bot.supervision.retention import RecordKeeper, Retention
from integrations.web.rest_auth import RestAuth
from tests.booking.helpers import bind_card, say, texts


async def book_tomorrow(runtime: Runtime, sender: str) -> None:
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    headers = {"Authorization": f"Bearer {RestAuth(runtime.config).deployment_token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://wenzhen.test", headers=headers) as http:
        await bind_card(http, sender)
        await say(http, sender, "帮我约明天上午的儿科")
        await say(http, sender, "1")
        done = texts(await say(http, sender, "确认"))
        assert "预约成功" in done, done


async def count(runtime: Runtime) -> int:
    async with runtime.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(HospitalAppointmentRow)) or 0)


def keeper(runtime: Runtime) -> RecordKeeper:
    return RecordKeeper(runtime.config, runtime.db, runtime.audit, runtime.cache)


def test_appointments_are_kept_three_years_by_default(runtime: Runtime) -> None:
    assert Retention.from_config(runtime.config).appointments == 3 * 365


async def test_the_sweep_keeps_upcoming_appointments_and_removes_old_ones_audited(runtime: Runtime) -> None:
    await book_tomorrow(runtime, "p_appt")
    assert await count(runtime) == 1
    # Tomorrow's appointment is upcoming: nothing to remove, no entry.
    assert (await keeper(runtime).sweep()).appointments == 0
    assert await runtime.audit.entries(actions=("retention.appointments",)) == []
    # Three years after it, still kept (the period counts from the appointment, not from the booking) …
    assert (await keeper(runtime).sweep(now=utcnow() + dt.timedelta(days=3 * 365))).appointments == 0
    # … and a few days later it goes, with its entry.
    report = await keeper(runtime).sweep(now=utcnow() + dt.timedelta(days=3 * 365 + 3))
    assert report.appointments == 1 and await count(runtime) == 0
    [entry] = await runtime.audit.entries(actions=("retention.appointments",))
    assert entry.actor == "system:retention" and entry.object_type == "hospital_appointment"
    assert entry.detail["rows"] == 1 and entry.detail["days"] == 3 * 365 and len(entry.detail["ids"]) == 1
    assert (await runtime.audit.verify()).ok


async def test_the_period_is_configurable_and_works_on_postgres(make_runtime, postgres_url: str) -> None:
    runtime = await make_runtime(database_url=postgres_url, supervision={"retention": {"appointments_days": 30}})
    await book_tomorrow(runtime, "p_appt_pg")
    assert (await keeper(runtime).sweep(now=utcnow() + dt.timedelta(days=30))).appointments == 0
    report = await keeper(runtime).sweep(actor="cli:ops", now=utcnow() + dt.timedelta(days=33))
    assert report.appointments == 1 and await count(runtime) == 0
    [entry] = await runtime.audit.entries(actions=("retention.appointments",))
    assert entry.actor == "cli:ops" and entry.detail["days"] == 30
    assert (await runtime.audit.verify()).ok
