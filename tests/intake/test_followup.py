"""Follow-up check-ins in a conversation: scheduling on consent, running, re-triage, stopping."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from actions.followup import Checkin, job_key_prefix, run_checkin
from tests.intake.conftest import MILD_ADULT, Patient, agree_to_followup, finished_jobs

pytestmark = pytest.mark.asyncio(loop_scope="module")

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc


async def test_agreeing_schedules_daily_checkins_on_the_monitoring_schedule(patient, runtime) -> None:
    # Session seven (talk7b): one schedule source — the check-ins come at monitoring.morning (08:00) on each of
    # monitoring.days (14) days, as the reading reminders do (they were 7 days at 09:00, contradicting them).
    p: Patient = patient("fu-agree")
    await agree_to_followup(p)
    assert "utter_outcome_close" in p.asked and "每天08:00" in p.texts and "14天" in p.texts
    pending = await runtime.jobs.pending(job_key_prefix("fu-agree"))
    assert len(pending) == 14
    assert {j.payload["conversation_id"] for j in pending} == {"fu-agree"}
    assert all(j.due_at.astimezone(SHANGHAI).time() == dt.time(8, 0) for j in pending)
    events = (await p.tracker())["events"]
    assert any(e["event"] == "followup" and e.get("status") == "scheduled" for e in events)


async def test_declining_schedules_nothing(patient, runtime) -> None:
    p: Patient = patient("fu-decline")
    await p.answers(*MILD_ADULT, '/inform{"followup_consent": false}')
    assert "utter_followup_declined" in p.asked
    assert await runtime.jobs.pending(job_key_prefix("fu-decline")) == []


async def test_a_due_checkin_runs_through_the_job_queue_into_the_conversation(patient, runtime) -> None:
    p: Patient = patient("fu-due")
    await agree_to_followup(p)
    first = (await runtime.jobs.pending(job_key_prefix("fu-due")))[0]
    # Other patients' first check-ins fall due at the same moment; they run too.
    assert await runtime.jobs.run_due(first.due_at + dt.timedelta(minutes=1)) >= 1
    rows = await finished_jobs(runtime, job_key_prefix("fu-due"))
    assert sorted(r.status for r in rows) == ["done"] + ["pending"] * 13
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
    await run_checkin(Checkin("fu-worse"), runtime.engine)
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
    await run_checkin(Checkin("fu-breath"), runtime.engine)
    await p.answers('/inform{"followup_answer": "same", "followup_status": "same"}', '/inform{"symptoms.fever": false}',
                    '/inform{"symptoms.dyspnea": true, "breathing_severity": "mild"}',
                    '/inform{"can_count_breaths": false}', '/inform{"symptoms.chest_pain": false}',
                    '/inform{"other_symptoms": "none"}')
    assert p.decision["level"] == "urgent" and "resp.dyspnea" in p.decision["rules"]


async def test_feeling_worse_without_red_flags_still_gets_a_doctor_offered(patient, runtime) -> None:
    p: Patient = patient("fu-worse-mild")
    await agree_to_followup(p)
    await run_checkin(Checkin("fu-worse-mild"), runtime.engine)
    await p.answers('/inform{"followup_answer": "worse", "followup_status": "worse"}', '/inform{"symptoms.fever": false}',
                    '/inform{"symptoms.dyspnea": false, "breathing_severity": "none"}', '/inform{"symptoms.chest_pain": false}')
    await p.say('/inform{"other_symptoms": "none", "symptoms.sore_throat": true}')
    assert p.decision["level"] == "selfcare"
    assert p.asked[-1] == "utter_ask_wants_doctor", "no follow-up offer again: it is already running"


async def test_recovered_cancels_the_remaining_checkins(patient, runtime) -> None:
    p: Patient = patient("fu-recovered")
    await agree_to_followup(p)
    await run_checkin(Checkin("fu-recovered"), runtime.engine)
    await p.say('/inform{"followup_answer": "recovered", "followup_status": "recovered"}')
    assert p.asked == ["utter_followup_recovered"]
    assert await runtime.jobs.pending(job_key_prefix("fu-recovered")) == []
    assert (await p.slots())["followup_active"] is False


async def test_unsubscribe_stops_the_checkins(patient, runtime) -> None:
    p: Patient = patient("fu-stop")
    await agree_to_followup(p)
    await patient("fu-other").answers(*MILD_ADULT, '/inform{"followup_consent": true}')
    await p.say("/unsubscribe")
    assert "utter_followup_stopped" in p.asked
    assert await runtime.jobs.pending(job_key_prefix("fu-stop")) == []
    assert len(await runtime.jobs.pending(job_key_prefix("fu-other"))) == 14, "only this patient's check-ins stop"


async def test_a_typed_checkin_answer_is_clarified_with_yes_no_questions(patient, runtime) -> None:
    p: Patient = patient("fu-typed")
    await agree_to_followup(p)
    await run_checkin(Checkin("fu-typed"), runtime.engine)
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
    await run_checkin(Checkin("fu-typed-ok"), runtime.engine)
    await p.answers("都好了", "是的")
    assert p.asked == ["utter_followup_recovered"]
    assert await runtime.jobs.pending(job_key_prefix("fu-typed-ok")) == []


async def test_a_checkin_does_not_interrupt_a_live_consultation(patient, runtime) -> None:
    p: Patient = patient("fu-live")
    await agree_to_followup(p)
    await runtime.engine.record("fu-live", "handoff", {"status": "active"}, actor="doctor:1")
    before = len((await p.tracker())["events"])
    await run_checkin(Checkin("fu-live", 1), runtime.engine)
    assert len((await p.tracker())["events"]) == before


async def test_a_checkin_for_a_conversation_that_is_gone_is_dropped_not_retried(runtime) -> None:
    await run_checkin(Checkin("never-existed", 1), runtime.engine)
    assert (await runtime.engine.state("never-existed")).seq == 0


async def test_unsubscribe_without_checkins_says_nothing_about_them(patient) -> None:
    p: Patient = patient("fu-none")
    await p.say("/unsubscribe")
    assert "utter_followup_stopped" not in p.asked
