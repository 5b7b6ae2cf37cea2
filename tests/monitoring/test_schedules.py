"""Enrolment after a consult or urgent outcome, the reminders as durable jobs, quiet hours, and 退订."""
from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import or_, select

from actions.followup import job_key_prefix as followup_prefix
from actions.monitoring.readings import job_key_prefix, patient_job_prefix
from bot.monitoring.models import MonitoredPatient
from bot.db import JobRow
from bot.broadcasts.opt_outs import opted_out
from bot.config import load_config
from actions.monitoring.schedule import Reminder
from bot.monitoring import Monitoring, Settings
from tests.conftest import write_config
from bot.runtime import Runtime
from tests.monitoring.helpers import decision, patient_row, say, series, texts

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 70 and feverish, no red flag: the age modifier raises selfcare to consult.
CONSULT = ('/covid_positive{"subject": "parent", "antigen_result": "positive", "temperature": 38.0, "duration_hours": 24,'
           ' "symptoms.dyspnea": false, "breathing_severity": "none", "has_oximeter": true, "spo2": 97,'
           ' "symptoms.chest_pain": false, "other_symptoms": "none", "age": 70, "conditions_answer": "none",'
           ' "vaccine_doses": 3, "symptoms.confusion": false, "symptoms.rash": false}')


async def jobs_of(runtime: Runtime, conversation_id: str) -> list[JobRow]:
    """The jobs of the people followed from a conversation (and a job keyed the way of before migration 0030)."""
    async with runtime.db.session() as session:
        people = list(await session.scalars(select(MonitoredPatient.id).where(MonitoredPatient.conversation_id == conversation_id)))
        prefixes = [job_key_prefix(conversation_id)] + [patient_job_prefix(p) for p in people]
        return list(await session.scalars(select(JobRow).where(or_(*(JobRow.key.startswith(p) for p in prefixes)))
                                          .order_by(JobRow.due_at)))


async def settled(runtime: Runtime, conversation_id: str) -> list[JobRow]:
    for _ in range(500):
        rows = await jobs_of(runtime, conversation_id)
        if not any(r.status == "running" for r in rows):
            return rows
        await asyncio.sleep(0.02)
    raise AssertionError("a reminder job never finished")


async def test_enrolled_after_consult_the_evening_reminder_fires_and_a_typed_reading_lands_in_the_series(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    replies = await say(client, "m-consult", CONSULT)
    assert decision(replies)["level"] == "consult"
    assert "每天早上 08:00、晚上 20:00 提醒您" in texts(replies)
    row = await patient_row(runtime, "m-consult")
    assert row is not None and row.enrolled and row.reason == "consult"
    pending = await jobs_of(runtime, "m-consult")
    assert sorted(r.payload["kind"] for r in pending) == ["evening", "morning"]
    assert {r.due_at.replace(tzinfo=dt.timezone.utc).astimezone(SHANGHAI).strftime("%H:%M") for r in pending} == {"08:00", "20:00"}
    await say(client, "m-consult", "不用了，谢谢")  # no doctor now
    # Yes to the daily check-ins (a no stops the reading reminders too: tests/intake/test_emergency_release.py).
    await say(client, "m-consult", "好的")
    # The daily check-ins are not this test's subject (run_due would run tomorrow's before the evening reminder).
    await runtime.jobs.cancel(followup_prefix("m-consult"))

    evening = next(r for r in pending if r.payload["kind"] == "evening")
    due = evening.due_at.replace(tzinfo=dt.timezone.utc)
    assert await runtime.jobs.run_due(due + dt.timedelta(seconds=1)) >= 1
    rows = await settled(runtime, "m-consult")
    assert next(r for r in rows if r.id == evening.id).status == "done"
    # The next evening is scheduled by the one that ran.
    assert [r.payload.get("kind") for r in rows if r.status == "pending"].count("evening") == 1
    tracker = (await client.get("/conversations/m-consult/tracker")).json()
    bot_texts = [e.get("text") or "" for e in tracker["events"] if e["event"] == "bot"]
    assert any("该量今天晚上的体温和血氧了" in t for t in bot_texts)

    replies = await say(client, "m-consult", "体温37度5，血氧96")
    assert "已记录：体温 37.5℃，血氧饱和度 96%" in texts(replies)
    assert ("temperature", 37.5, "typed") in await series(runtime, "m-consult")
    assert (await patient_row(runtime, "m-consult")).last_prompt_at is not None


async def test_tuisubscribe_stops_the_reminders_and_still_stops_the_broadcasts(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await say(client, "m-stop", CONSULT)
    assert any(r.status == "pending" for r in await jobs_of(runtime, "m-stop"))
    replies = await say(client, "m-stop", "退订")
    said = texts(replies)
    assert "已停止测量和用药提醒" in said
    assert "已为您退订健康科普推送" in said  # the broadcast opt-out still records and confirms its own
    async with runtime.db.session() as session:
        assert await opted_out(session, [("rest", "m-stop")]) == {("rest", "m-stop")}
    assert all(r.status == "cancelled" for r in await jobs_of(runtime, "m-stop"))
    row = await patient_row(runtime, "m-stop")
    assert row is not None and not row.enrolled and row.stopped_by == "patient"
    # A reading sent afterwards is still kept for the doctor.
    await say(client, "m-stop", "血氧97")
    assert ("spo2", 97.0, "typed") in await series(runtime, "m-stop")


def test_quiet_hours_move_a_reminder_to_their_end(tmp_path) -> None:
    settings = Settings.from_config(load_config(write_config(tmp_path / "c.yml"), env={}))
    late = dt.datetime(2026, 12, 7, 23, 30, tzinfo=SHANGHAI)
    assert settings.quiet(late)
    assert settings.out_of_quiet(late).astimezone(SHANGHAI) == dt.datetime(2026, 12, 8, 7, 0, tzinfo=SHANGHAI)
    assert settings.next_at(dt.time(23, 0), dt.datetime(2026, 12, 7, 12, 0, tzinfo=SHANGHAI)).astimezone(SHANGHAI) \
        == dt.datetime(2026, 12, 8, 7, 0, tzinfo=SHANGHAI)
    assert settings.next_at(dt.time(20, 0), dt.datetime(2026, 12, 7, 12, 0, tzinfo=SHANGHAI)).astimezone(SHANGHAI) \
        == dt.datetime(2026, 12, 7, 20, 0, tzinfo=SHANGHAI)


async def test_an_urgent_outcome_is_asked_later_whether_they_went_to_hospital(runtime: Runtime, client: httpx.AsyncClient) -> None:
    # Fever above 38.5 for four days despite medicine: urgent (triage-criteria.md).
    replies = await say(client, "m-urgent", (
        '/covid_positive{"subject": "self", "antigen_result": "positive", "temperature": 39.0, "duration_hours": 96,'
        ' "fever_persists_despite_medication": true, "medicines_taken": "布洛芬，一次一片",'
        ' "symptoms.dyspnea": false, "breathing_severity": "none",'
        ' "has_oximeter": false, "symptoms.chest_pain": false, "other_symptoms": "none", "age": 40,'
        ' "conditions_answer": "none", "pregnant": false, "vaccine_doses": 3}'))
    assert decision(replies)["level"] == "urgent"
    await say(client, "m-urgent", "不用了")  # no online doctor now
    urgent = [r for r in await jobs_of(runtime, "m-urgent") if r.kind == "monitoring_urgent_check"]
    assert len(urgent) == 1
    assert await runtime.jobs.run_due(urgent[0].due_at.replace(tzinfo=dt.timezone.utc) + dt.timedelta(seconds=1)) >= 1
    await settled(runtime, "m-urgent")
    tracker = (await client.get("/conversations/m-urgent/tracker")).json()
    assert tracker["active_flow"] == "monitoring_urgent_checkin"
    assert any("您去医院了吗" in (e.get("text") or "") for e in tracker["events"] if e["event"] == "bot")
    replies = await say(client, "m-urgent", "还没去")
    assert "仍然建议您今天到医院就诊" in texts(replies)


async def test_a_reminder_that_falls_due_in_the_quiet_hours_waits_for_their_end(make_runtime) -> None:
    # Quiet all day but one minute: whenever the suite runs, "now" is quiet.
    runtime = await make_runtime(jobs={"poll_seconds": 60}, monitoring={"quiet_hours": {"start": "00:00", "end": "23:59"},
                                                                       "timezone": "UTC"})
    async with runtime.db.transaction() as session:
        await runtime.services.get(Monitoring).enrol(session, "m-night", "rest", {}, reason="consult")
    await runtime.jobs.schedule("monitoring_reminder", Reminder("m-night", "evening"), key="monitoring:m-night:evening:now")
    await runtime.jobs.run_due()  # (the job loop's own first poll may have run it already: `settled` waits for either)
    rows = await settled(runtime, "m-night")
    moved = [r for r in rows if r.status == "pending"]
    assert [r.payload["kind"] for r in moved] == ["evening"]
    assert moved[0].due_at.replace(tzinfo=dt.timezone.utc).strftime("%H:%M") == "23:59"
    assert (await patient_row(runtime, "m-night")).last_prompt_at is None  # nothing was sent
