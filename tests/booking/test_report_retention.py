"""Reports uploaded by staff are covered by the retention sweep: removed after `reports_days` from their issue
date, with one `retention.reports` audit entry in the same transaction; what is still kept stays readable."""
from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import func, select

from bot.db import utcnow
from bot.hospital import HospitalSystem, Observation
from bot.hospital.embedded import EmbeddedHospital, HospitalReportRow
from bot.runtime import Runtime
from bot.supervision.retention import RecordKeeper, Retention
from tests.booking.helpers import ID_ADULT, bind_card, say, texts

CHINA = dt.timezone(dt.timedelta(hours=8))


async def upload(runtime: Runtime, title: str, issued: dt.datetime) -> int:
    hospital = runtime.services.get(HospitalSystem)
    assert isinstance(hospital, EmbeddedHospital)
    return await hospital.add_report(ID_ADULT, title, issued, [Observation("白细胞计数", 12.6, "×10^9/L", 3.5, 9.5)],
                                     uploaded_by="lab.zhang")


async def count_reports(runtime: Runtime) -> int:
    async with runtime.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(HospitalReportRow)) or 0)


def test_reports_are_kept_fifteen_years_by_default(runtime: Runtime) -> None:
    assert Retention.from_config(runtime.config).reports == 15 * 365


async def test_the_sweep_removes_expired_reports_audited_and_keeps_the_rest(runtime: Runtime, client: httpx.AsyncClient) -> None:
    old = await upload(runtime, "血常规", dt.datetime.now(CHINA) - dt.timedelta(days=16 * 365))
    await upload(runtime, "肝功能", dt.datetime.now(CHINA) - dt.timedelta(days=30))
    keeper = RecordKeeper(runtime.config, runtime.db, runtime.audit, runtime.cache)

    report = await keeper.sweep()
    assert report.reports == 1 and await count_reports(runtime) == 1
    [entry] = await runtime.audit.entries(actions=("retention.reports",))
    assert entry.actor == "system:retention" and entry.object_type == "hospital_report"
    assert entry.detail == {"rows": 1, "ids": [old], "days": 15 * 365}
    assert (await runtime.audit.verify()).ok

    # Nothing more to remove: no second entry.
    assert (await keeper.sweep()).reports == 0
    assert len(await runtime.audit.entries(actions=("retention.reports",))) == 1

    # The patient still reads the report that is kept, and not the removed one.
    await bind_card(client, "p_kept")
    said = texts(await say(client, "p_kept", "查报告"))
    assert "肝功能" in said and "血常规" not in said, said

    # Fifteen years on, the other goes too.
    later = await keeper.sweep(now=utcnow() + dt.timedelta(days=15 * 365))
    assert later.reports == 1 and await count_reports(runtime) == 0


async def test_the_period_is_configurable(make_runtime) -> None:
    runtime = await make_runtime(supervision={"retention": {"reports_days": 90}})
    await upload(runtime, "血常规", dt.datetime.now(CHINA) - dt.timedelta(days=91))
    await upload(runtime, "尿常规", dt.datetime.now(CHINA) - dt.timedelta(days=89))
    report = await RecordKeeper(runtime.config, runtime.db, runtime.audit, runtime.cache).sweep(actor="cli:ops")
    assert report.reports == 1 and await count_reports(runtime) == 1
    [entry] = await runtime.audit.entries(actions=("retention.reports",))
    assert entry.actor == "cli:ops" and entry.detail["days"] == 90


async def test_on_postgres_too(make_runtime, postgres_url: str) -> None:
    runtime = await make_runtime(database_url=postgres_url, supervision={"retention": {"reports_days": 90}})
    await upload(runtime, "血常规", dt.datetime.now(CHINA) - dt.timedelta(days=91))
    await upload(runtime, "尿常规", dt.datetime.now(CHINA) - dt.timedelta(days=1))
    report = await RecordKeeper(runtime.config, runtime.db, runtime.audit, runtime.cache).sweep()
    assert report.reports == 1 and await count_reports(runtime) == 1
    assert (await runtime.audit.verify()).ok
