"""Follow-up check-ins: when they are planned, scheduling on consent, running, re-triage, stopping, restarts."""
from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from actions.followup import FollowupSettings, checkin_times, job_key_prefix, run_checkin
from bot.app import create_app
from bot.config import ConfigError, load_config
from bot.db import JobRow
from tests.conftest import write_config
from tests.intake.conftest import Patient
from tests.intake.test_fever_intake import MILD_ADULT

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc
NINE = FollowupSettings(time=dt.time(9, 0), timezone=SHANGHAI, days=7)


def settings_from(tmp_path: Path, **followup: object) -> FollowupSettings:
    return FollowupSettings.from_config(load_config(write_config(tmp_path / "c.yml", followup=followup), env={}))


async def finished(runtime, key_prefix: str) -> list[JobRow]:
    """Wait until no claimed check-in of the conversation is still running; its rows."""
    for _ in range(500):
        async with runtime.db.session() as session:
            rows = list(await session.scalars(select(JobRow).where(JobRow.key.startswith(key_prefix))))
        if not any(r.status == "running" for r in rows):
            return rows
        await asyncio.sleep(0.02)
    raise AssertionError("the check-in job never finished")


async def agree_to_followup(p: Patient) -> None:
    await p.answers(*MILD_ADULT, '/inform{"vaccine_doses": 3}')
    assert p.asked[-1] == "utter_ask_followup"
    await p.say('/inform{"followup_consent": true}')


def test_checkins_are_at_nine_in_shanghai_on_each_of_the_next_seven_days() -> None:
    now = dt.datetime(2026, 11, 22, 5, 0, tzinfo=UTC)  # 13:00 in Shanghai
    times = checkin_times(now, NINE)
    assert len(times) == 7
    assert times[0] == dt.datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 +08:00
    assert times[-1] == dt.datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    assert all(t.astimezone(SHANGHAI).time() == dt.time(9, 0) for t in times)


def test_the_days_are_counted_in_the_patients_time_zone() -> None:
    # 17:30 UTC is already 01:30 the next morning in Shanghai: the first check-in is the day after that.
    times = checkin_times(dt.datetime(2026, 11, 22, 17, 30, tzinfo=UTC), NINE)
    assert times[0].astimezone(SHANGHAI).date() == dt.date(2026, 11, 24)


def test_time_zone_days_and_time_come_from_config(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, time="20:30", timezone="Europe/Berlin", days=3)
    times = checkin_times(dt.datetime(2026, 7, 1, 12, 0, tzinfo=UTC), settings)
    assert [t.astimezone(ZoneInfo("Europe/Berlin")).strftime("%m-%d %H:%M") for t in times] == [
        "07-02 20:30", "07-03 20:30", "07-04 20:30"]


@pytest.mark.parametrize(
    ("followup", "message"),
    [({"time": "9 o'clock"}, "followup.time"), ({"timezone": "Mars/Olympus"}, "followup.timezone"),
     ({"days": 0}, "followup.days"), ({"days": "seven"}, "followup.days")],
)
def test_a_bad_followup_setting_is_a_config_error(tmp_path: Path, followup: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        settings_from(tmp_path, **followup)


async def test_agreeing_schedules_seven_daily_checkins(patient, runtime) -> None:
    p: Patient = patient("fu-agree")
    await agree_to_followup(p)
    assert "utter_outcome_close" in p.asked and "每天09:00" in p.texts
    pending = await runtime.jobs.pending(job_key_prefix("fu-agree"))
    assert len(pending) == 7
    assert {j.payload["conversation_id"] for j in pending} == {"fu-agree"}
    assert all(j.due_at.astimezone(SHANGHAI).time() == dt.time(9, 0) for j in pending)
    events = (await p.tracker())["events"]
    assert any(e["event"] == "followup" and e.get("status") == "scheduled" for e in events)


async def test_declining_schedules_nothing(patient, runtime) -> None:
    p: Patient = patient("fu-decline")
    await p.answers(*MILD_ADULT, '/inform{"vaccine_doses": 3}', '/inform{"followup_consent": false}')
    assert "utter_followup_declined" in p.asked
    assert await runtime.jobs.pending(job_key_prefix("fu-decline")) == []


async def test_a_due_checkin_runs_through_the_job_queue_into_the_conversation(patient, runtime) -> None:
    p: Patient = patient("fu-due")
    await agree_to_followup(p)
    first = (await runtime.jobs.pending(job_key_prefix("fu-due")))[0]
    assert await runtime.jobs.run_due(first.due_at + dt.timedelta(minutes=1)) == 1
    rows = await finished(runtime, job_key_prefix("fu-due"))
    assert sorted(r.status for r in rows) == ["done"] + ["pending"] * 6
    tracker = await p.tracker()
    assert tracker["active_flow"] == "followup_checkin"
    bot_texts = [e.get("text") for e in tracker["events"] if e["event"] == "bot"]
    assert bot_texts[-2:] == ["您好，这是每日随访。", "今天感觉怎么样？"]


async def test_feeling_worse_is_triaged_again_with_the_days_of_illness_brought_up_to_date(patient, runtime) -> None:
    p: Patient = patient("fu-worse")
    await agree_to_followup(p)
    # The illness began four days ago (the intake said two days; two more have passed).
    four_days_ago = dt.datetime.now(UTC).timestamp() - 4 * 24 * 3600
    await p.say(f'/inform{{"illness_onset_at": {four_days_ago}}}')
    await run_checkin(runtime, {"conversation_id": "fu-worse"})
    assert (await p.slots())["duration_hours"] >= 96
    await p.say('/inform{"followup_answer": "worse", "followup_status": "worse"}')
    assert p.asked == ["utter_ask_fever_today"], "yesterday's answers are asked again"
    await p.answers('/inform{"symptoms.fever": true}', "39")
    assert p.asked == ["utter_ask_fever_persists"]
    await p.answers('/inform{"fever_persists_despite_medication": true}',
                    '/inform{"symptoms.dyspnea": false, "breathing_severity": "none"}',
                    '/inform{"symptoms.chest_pain": false}', '/inform{"other_symptoms": "none"}')
    assert p.decision["level"] == "urgent" and "covid.persistent_fever" in p.decision["rules"]


async def test_breathlessness_at_a_checkin_is_urgent(patient, runtime) -> None:
    p: Patient = patient("fu-breath")
    await agree_to_followup(p)
    await run_checkin(runtime, {"conversation_id": "fu-breath"})
    await p.answers('/inform{"followup_answer": "same", "followup_status": "same"}', '/inform{"symptoms.fever": false}',
                    '/inform{"symptoms.dyspnea": true, "breathing_severity": "mild"}',
                    '/inform{"can_count_breaths": false}', '/inform{"symptoms.chest_pain": false}',
                    '/inform{"other_symptoms": "none"}')
    assert p.decision["level"] == "urgent" and "resp.dyspnea" in p.decision["rules"]


async def test_feeling_worse_without_red_flags_still_gets_a_doctor_offered(patient, runtime) -> None:
    p: Patient = patient("fu-worse-mild")
    await agree_to_followup(p)
    await run_checkin(runtime, {"conversation_id": "fu-worse-mild"})
    await p.answers('/inform{"followup_answer": "worse", "followup_status": "worse"}', '/inform{"symptoms.fever": false}',
                    '/inform{"symptoms.dyspnea": false, "breathing_severity": "none"}', '/inform{"symptoms.chest_pain": false}')
    await p.say('/inform{"other_symptoms": "none", "symptoms.sore_throat": true}')
    assert p.decision["level"] == "selfcare"
    assert p.asked[-1] == "utter_ask_wants_doctor", "no follow-up offer again: it is already running"


async def test_recovered_cancels_the_remaining_checkins(patient, runtime) -> None:
    p: Patient = patient("fu-recovered")
    await agree_to_followup(p)
    await run_checkin(runtime, {"conversation_id": "fu-recovered"})
    await p.say('/inform{"followup_answer": "recovered", "followup_status": "recovered"}')
    assert p.asked == ["utter_followup_recovered"]
    assert await runtime.jobs.pending(job_key_prefix("fu-recovered")) == []
    assert (await p.slots())["followup_active"] is False


async def test_unsubscribe_stops_the_checkins(patient, runtime) -> None:
    p: Patient = patient("fu-stop")
    await agree_to_followup(p)
    await patient("fu-other").answers(*MILD_ADULT, '/inform{"vaccine_doses": 3}', '/inform{"followup_consent": true}')
    await p.say("/unsubscribe")
    assert "utter_followup_stopped" in p.asked
    assert await runtime.jobs.pending(job_key_prefix("fu-stop")) == []
    assert len(await runtime.jobs.pending(job_key_prefix("fu-other"))) == 7, "only this patient's check-ins stop"


async def test_scheduled_checkins_survive_a_restart(make_runtime, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path}/restart.db"
    first = await make_runtime(database_url=database_url, jobs={"poll_seconds": 60})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(runtime=first)), base_url="http://t") as http:
        await agree_to_followup(Patient(http, "fu-restart"))
    await first.stop()

    second = await make_runtime(database_url=database_url, jobs={"poll_seconds": 60})
    pending = await second.jobs.pending(job_key_prefix("fu-restart"))
    assert len(pending) == 7
    assert await second.jobs.run_due(pending[0].due_at + dt.timedelta(minutes=1)) == 1
    await finished(second, job_key_prefix("fu-restart"))
    assert (await second.engine.state("fu-restart")).active_flow == "followup_checkin"


async def test_a_typed_checkin_answer_is_clarified_with_yes_no_questions(patient, runtime) -> None:
    p: Patient = patient("fu-typed")
    await agree_to_followup(p)
    await run_checkin(runtime, {"conversation_id": "fu-typed"})
    await p.say("好多了，就是还有点咳嗽")
    assert p.asked == ["utter_ask_followup_recovered"]
    await p.say("还没有")
    assert p.asked == ["utter_ask_followup_worse"]
    await p.say("没有")
    assert p.asked == ["utter_ask_fever_today"]
    assert (await p.slots())["followup_status"] == "same"


async def test_a_typed_recovered_ends_the_checkins(patient, runtime) -> None:
    p: Patient = patient("fu-typed-ok")
    await agree_to_followup(p)
    await run_checkin(runtime, {"conversation_id": "fu-typed-ok"})
    await p.answers("都好了", "是的")
    assert p.asked == ["utter_followup_recovered"]
    assert await runtime.jobs.pending(job_key_prefix("fu-typed-ok")) == []
