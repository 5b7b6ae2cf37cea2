"""Enrolment and the reminders: morning and evening readings, medicines, and the check after an `urgent` outcome.

Enrolment (`monitoring_enrol`, after a `consult` or `urgent` outcome) writes the patient's row in the
turn's transaction and, once the turn is stored, schedules the first reminders. Each reminder is one
durable job (bot.jobs) that, when it runs, sends its message and schedules the next one — so a
doctor's change of times or medicines, 退订, or the end of the enrolment takes effect at the next
one. No reminder is sent in the quiet hours (config.yml `monitoring.quiet_hours`): it waits for
their end. Keys make scheduling idempotent: a job scheduled twice runs once.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass

from functools import lru_cache
from pathlib import Path
from typing import Any

from nlu.yaml_files import load_yaml

from bot.action_api import ActionContext, action
from bot.expressions import evaluate
from bot.consultations.lifecycle import ACTIVE
from bot.db import utcnow
from bot.engine import Engine, UnknownConversation
from bot.jobs import Jobs, job
from bot.messages import BotMessage
from bot.monitoring import Monitoring
from bot.monitoring.models import MonitoredPatient

from actions.monitoring.readings import patient_job_prefix, who_label

log = logging.getLogger("wenzhen.monitoring")

REMINDER = "monitoring_reminder"
URGENT_CHECK = "monitoring_urgent_check"
URGENT_PAYLOAD = "/monitoring_urgent_checkin"
ENROLLED_EVENT = "monitoring_enrolled"


@dataclass(frozen=True)
class Reminder:
    """Job payload: one reminder. `kind` is morning, evening, or medication:<n> (the n-th medicine)."""

    conversation_id: str
    kind: str
    at: str = ""  # when it was due (ISO): the next one is the day after, even when this one runs late or early
    patient_id: int = 0  # the person (0: a job of before migration 0030, for the conversation's first person)


@dataclass(frozen=True)
class UrgentCheck:
    """Job payload: "did you go to hospital? how are you now?" some hours after an `urgent` outcome."""

    conversation_id: str
    patient_id: int = 0


# Which readings to ask for, by complaint and conditions (session seven, talk7b): a data file with its sources.
READINGS_FILE = Path(__file__).with_name("readings_to_ask.yml")


@lru_cache(maxsize=1)
def _readings_table(path: Path = READINGS_FILE) -> tuple[dict[str, dict[str, str]], list[tuple[str, tuple[str, ...]]]]:
    raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    sources = raw.get("sources") or {}
    names = {str(k): {str(a): str(b) for a, b in (v or {}).items()} for k, v in (raw.get("measures") or {}).items()}
    rules: list[tuple[str, tuple[str, ...]]] = []
    for entry in raw.get("ask") or ():
        if entry.get("source") not in sources:
            raise ValueError(f"{path.name}: an entry without a known source: {entry!r}")
        measures = tuple(str(m) for m in entry.get("measures") or ())
        if not set(measures) <= set(names):
            raise ValueError(f"{path.name}: unknown measures in {entry!r}")
        rules.append((str(entry["when"]), measures))
    return names, rules


def measures_for(slots: dict[str, Any]) -> list[str]:
    """The readings that fit this patient's complaint and conditions (maybe none), in the file's order."""
    _, rules = _readings_table()
    found: list[str] = []
    for when, measures in rules:
        if evaluate(when, slots):
            found.extend(m for m in measures if m not in found)
    return found


def measures_said(measures: list[str], language: str) -> tuple[str, str]:
    """The measures named ("血压、血糖") and an example of each ("“血压150/95”“空腹血糖8.6”")."""
    names, _ = _readings_table()
    zh = language.startswith("zh")
    named = [names[m]["zh" if zh else "en"] for m in measures]
    last = "和" if zh else " and "
    said = ("、" if zh else ", ").join(named[:-1]) + last + named[-1] if len(named) > 1 else "".join(named)
    examples = ("" if zh else ", ").join((f"“{names[m]['example_zh']}”" if zh else f'"{names[m]["example_en"]}"') for m in measures)
    return said, examples


def _digest(conversation_id: str) -> str:
    return hashlib.sha256(conversation_id.encode()).hexdigest()[:12]


def reminder_times(row: MonitoredPatient) -> dict[str, dt.time]:
    """Every reminder of a patient by kind, at its local time of day."""
    schedule = row.schedule or {}
    times: dict[str, dt.time] = {}
    for kind in ("morning", "evening"):
        if schedule.get(kind):
            times[kind] = dt.time.fromisoformat(str(schedule[kind]))
    for n, medicine in enumerate(schedule.get("medications") or ()):
        for m, at in enumerate(medicine.get("times") or ()):
            times[f"medication:{n}:{m}"] = dt.time.fromisoformat(str(at))
    return times


async def schedule_next(jobs: Jobs, monitoring: Monitoring, row: MonitoredPatient, kinds: list[str] | None = None,
                        after: dt.datetime | None = None) -> int:
    """Schedule the next of each reminder (all, or `kinds`) still inside the enrolment; returns how many."""
    after = after or utcnow()
    made = 0
    until = row.until if row.until is None or row.until.tzinfo else row.until.replace(tzinfo=dt.timezone.utc)
    for kind, at in reminder_times(row).items():
        if kinds is not None and kind not in kinds:
            continue
        due = monitoring.settings.next_at(at, after)
        if until is not None and due > until:
            continue
        key = f"{patient_job_prefix(row.id)}{kind}:{due.isoformat()}"
        if await jobs.schedule(REMINDER, Reminder(row.conversation_id, kind, due.isoformat(), row.id), due_at=due, key=key) is not None:
            made += 1
    return made


@action("monitoring_enrol")
async def monitoring_enrol(ctx: ActionContext, monitoring: Monitoring, jobs: Jobs) -> None:
    """Enrol the patient in home monitoring after a consult or urgent outcome; say when the reminders come."""
    level = str(ctx.slot("triage_level", ""))
    session = await ctx.transaction()
    row = await monitoring.enrol(session, ctx.conversation_id, ctx.channel, dict(ctx.slots), reason=level or "consult")
    now = utcnow()
    urgent_at = monitoring.settings.out_of_quiet(now + dt.timedelta(hours=monitoring.settings.urgent_followup_hours)) \
        if level == "urgent" else None
    cid, patient_id = ctx.conversation_id, row.id

    async def schedule() -> None:
        async with monitoring.db.session() as s:
            stored = await s.get(MonitoredPatient, patient_id)
        if stored is not None:
            await schedule_next(jobs, monitoring, stored, after=now)
        if urgent_at is not None:
            await jobs.schedule(URGENT_CHECK, UrgentCheck(cid, patient_id), due_at=urgent_at,
                                key=f"{patient_job_prefix(patient_id)}urgent:{urgent_at.isoformat()}")

    ctx.after_commit(schedule)
    ctx.set_slot("monitoring_active", True)
    ctx.emit(ENROLLED_EVENT, {"reason": row.reason, "days": monitoring.settings.days,
                            "measures": measures_for(dict(ctx.slots))})
    measures = measures_for(dict(ctx.slots))
    row.schedule = {**(row.schedule or {}), "measures": measures}
    said, examples = measures_said(measures, ctx.state.language)
    ctx.utter("utter_monitoring_enrolled" if measures else "utter_monitoring_enrolled_no_readings",
              morning=row.schedule.get("morning", ""), evening=row.schedule.get("evening", ""),
              days=monitoring.settings.days, measures=said, examples=examples)


def _text_for(kind: str, row: MonitoredPatient, language: str = "zh") -> tuple[str, dict[str, str]]:
    if kind.startswith("medication:"):
        n = int(kind.split(":")[1])
        medicines = (row.schedule or {}).get("medications") or []
        medicine = medicines[n] if n < len(medicines) else {}
        return "utter_monitoring_medication", {"medicine": str(medicine.get("name", "")), "dose": str(medicine.get("dose", ""))}
    measures = (row.schedule or {}).get("measures")
    if isinstance(measures, list):
        # The readings asked for at sign-up (none: how they feel); a row of before session seven keeps the old text.
        said, examples = measures_said([str(m) for m in measures if str(m) in _readings_table()[0]], language)
        key = f"utter_monitoring_reminder_{kind}_measures" if said else f"utter_monitoring_reminder_{kind}_no_readings"
        return key, {"measures": said, "examples": examples}
    return f"utter_monitoring_reminder_{kind}", {}


async def _person(monitoring: Monitoring, conversation_id: str, patient_id: int) -> MonitoredPatient | None:
    """The enrolled person a job is for (a job of before migration 0030 names only the conversation)."""
    if patient_id:
        row = await monitoring.get(patient_id)
        return row if row is not None and row.enrolled else None
    rows = await monitoring.enrolled(conversation_id)
    return rows[0] if rows else None


@job(REMINDER)
async def run_reminder(payload: Reminder, engine: Engine, monitoring: Monitoring, jobs: Jobs) -> None:
    """Send one reminder (unless stopped, or a doctor is talking with the patient), then schedule the next."""
    row = await _person(monitoring, payload.conversation_id, payload.patient_id)
    if row is None:
        return  # stopped by 退订 or by a doctor: nothing more
    now = utcnow()
    if monitoring.settings.quiet(now):
        # Late (the worker was down): the reminder waits for the end of the quiet hours.
        due = monitoring.settings.out_of_quiet(now)
        await jobs.schedule(REMINDER, Reminder(row.conversation_id, payload.kind, payload.at, row.id), due_at=due,
                            key=f"{patient_job_prefix(row.id)}{payload.kind}:{due.isoformat()}")
        return
    if payload.kind in reminder_times(row):
        cid = row.conversation_id  # the conversation the person was last heard from
        state = await engine.state(cid)
        if (state.handoff or {}).get("status") != ACTIVE:
            key, variables = _text_for(payload.kind, row, state.language)
            text = engine.responses.text(key, state, variables)
            if len(await monitoring.enrolled(cid)) > 1:  # several people followed from one account: say whose
                text = engine.responses.text("utter_monitoring_reminder_for", state,
                                             {"who": await who_label(lambda k, **v: engine.responses.text(k, state, v), monitoring, row)}) + text
            try:
                await engine.push(cid, [BotMessage(text=text)], actor="system")
            except UnknownConversation:
                log.warning("monitoring reminder for unknown conversation %s dropped", _digest(cid))
                return
            await monitoring.prompted(row.id, now)
        else:
            log.info("monitoring reminder for %s skipped: in a live consultation", _digest(cid))
        was_due = dt.datetime.fromisoformat(payload.at) if payload.at else now
        await schedule_next(jobs, monitoring, row, [payload.kind], after=max(now, was_due) + dt.timedelta(minutes=1))


@job(URGENT_CHECK)
async def run_urgent_check(payload: UrgentCheck, engine: Engine, monitoring: Monitoring, jobs: Jobs) -> None:
    """Ask the patient told to go to hospital whether they went and how they are (flows/monitoring.yml)."""
    row = await _person(monitoring, payload.conversation_id, payload.patient_id)
    if row is None:
        return
    now = utcnow()
    if monitoring.settings.quiet(now):  # late, into the night: it waits for the morning
        due = monitoring.settings.out_of_quiet(now)
        await jobs.schedule(URGENT_CHECK, payload, due_at=due, key=f"{patient_job_prefix(row.id)}urgent:{due.isoformat()}")
        return
    state = await engine.state(payload.conversation_id)
    if (state.handoff or {}).get("status") == ACTIVE:
        return
    try:
        await engine.trigger(payload.conversation_id, URGENT_PAYLOAD)
    except UnknownConversation:
        log.warning("urgent follow-up for unknown conversation %s dropped", _digest(payload.conversation_id))
