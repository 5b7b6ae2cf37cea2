"""The doctors' view of home monitoring: `/console/monitoring/patients` (the monitored patients) and
`/console/monitoring/patients/<id>` (trend charts with the thresholds, readings, alerts, remote ward-round
notes), and their JSON API under `/api/console/monitoring`.

The pages are drawn on the server (the charts are SVG, see charts.py), behind the console's sign-in:
a doctor sees the patients of their departments, an administrator every patient. Every page and API
call that opens a patient's readings, and every change, is recorded in the audit trail with the
patient's conversation as its subject; a record sealed on the patient's erasure request is refused.
"""
from __future__ import annotations

import datetime as dt
import re
from html import escape
from pathlib import Path
from typing import Any

from nlu.yaml_files import load_yaml
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from actions.monitoring.readings import job_key_prefix, patient_job_prefix
from actions.monitoring.schedule import reminder_times, schedule_next
from bot.consultations import Staff
from bot.db import utcnow
from bot.http_input import unsafe_text
from bot.jobs import Jobs
from bot.monitoring import MEASURES, Monitoring, PatientView, ReadingError, rank
from bot.monitoring.service import CardFacts
from bot.monitoring.models import MonitoredPatient
from bot.monitoring.thresholds import validate_override
from bot.prescriptions import Prescriptions
from bot.prescriptions.reminders import medication_reminders
from bot.runtime import Runtime
from bot.supervision import AuditEntry
from bot.supervision.models import is_sealed
from integrations.console.auth import ConsoleAuth, ConsoleSession
from integrations.console.pages import SECURITY_HEADERS
from integrations.console.presenters import labels
from integrations.console.shell import head, hospital_timezone
from bot.monitoring.people import sex_of_key

STATIC = Path(__file__).with_name("static")
ASSETS = {"monitoring.js": "text/javascript", "monitoring.css": "text/css"}
# Every word the pages and the API's answers show is in labels.yml; the code keeps the codes.
WORDS: dict[str, Any] = load_yaml(Path(__file__).with_name("labels.yml").read_text(encoding="utf-8"))
FLAG_NAMES: dict[str, str] = WORDS["flags"]
LEVEL_NAMES: dict[str, str] = WORDS["levels"]
SOURCE_NAMES: dict[str, str] = WORDS["sources"]
REASON_NAMES: dict[str, str] = WORDS["reasons"]
_HHMM = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")


class NoteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=2000)


class ThresholdBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    measure: str
    side: str
    value: float | None = None  # None: back to the default


class Medication(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=40)
    dose: str = Field("", max_length=40)
    times: list[str] = Field(min_length=1, max_length=6)


class ScheduleBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    morning: str | None = None
    evening: str | None = None
    medications: list[Medication] = Field(default_factory=list, max_length=10)


def _when(moment: dt.datetime | None, zone: Any) -> str:
    if moment is None:
        return "—"
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)
    return aware.astimezone(zone).strftime("%m-%d %H:%M")


def _latest(latest: dict[str, Any]) -> str:
    parts = []
    for code, m in MEASURES.items():
        if code in latest:
            parts.append(f"{m.name.split('（')[0]} {m.show(float(latest[code]['value']))}{m.unit}")
    return "，".join(parts) or "—"


def _page(title: str, body: str, timezone: str) -> HTMLResponse:
    html = f"""<!doctype html>
<html lang="zh-CN"><head>
{head(timezone)}
<title>{escape(title)} · {escape(WORDS["section"])}</title>
<link rel="stylesheet" href="/console/monitoring/static/monitoring.css">
<script src="/console/monitoring/static/monitoring.js" defer></script>
</head><body>
<header class="topbar"><strong>{escape(WORDS["brand"])}</strong><a href="/console/monitoring/patients">{escape(WORDS["list_link"])}</a><a href="/console">{escape(WORDS["back"])}</a></header>
<main class="monitoring">{body}<p id="toast" class="toast" hidden></p></main></body></html>"""
    return HTMLResponse(html, headers=SECURITY_HEADERS)


def monitoring_console(runtime: Runtime) -> APIRouter:
    auth = ConsoleAuth(runtime)
    router = APIRouter(tags=["home monitoring"])
    page_zone = hospital_timezone(runtime)  # the shared head: common.js shows times in the hospital's zone

    def service() -> Monitoring:
        return runtime.services.get(Monitoring)

    def may_see(staff: Staff, row: MonitoredPatient) -> bool:
        return staff.is_admin or row.department in staff.departments

    async def audit(staff: Staff, action: str, row: MonitoredPatient | None, detail: dict[str, Any] | None = None) -> None:
        await runtime.audit.record(AuditEntry(
            actor=staff.actor, action=action, object_type="monitoring_patient",
            object_id=str(row.id) if row else "", subject=row.conversation_id if row else None, detail=detail or {}))

    async def patient(staff: Staff, patient_id: int) -> MonitoredPatient:
        row = await service().get(patient_id) if 0 < patient_id < 2**31 else None  # beyond: no row, and no SQL error
        if row is None:
            raise HTTPException(404, "no such monitored patient")
        if not may_see(staff, row):
            raise HTTPException(403, "this patient belongs to another department")
        if await is_sealed(runtime.db, row.conversation_id):
            raise HTTPException(403, "this record was sealed on the patient's request")
        return row

    def department(code: str) -> str:
        departments = service().consultations.departments
        return departments.get(code).name if code in departments else code

    def display_name(row: MonitoredPatient, card: CardFacts | None) -> str:
        """The masked name on the person's card, else 患者 and the last 4 characters of the conversation."""
        return labels().display_name(card.name if card else None, row.conversation_id)

    def relation_words(row: MonitoredPatient) -> str:
        """父母, or 父母（母亲） for a parent without a card named as 我妈 (their own series)."""
        sex = sex_of_key(row.patient_key) if row.card_id is None else None
        if sex:
            return str(WORDS["parent_sexes"][sex])
        return str(WORDS["relations"].get(row.relation, WORDS["unknown"]))

    def person(row: MonitoredPatient, card: CardFacts | None) -> dict[str, Any]:
        """Who, for the API: the masked name and card number (no key, no conversation id)."""
        return {"name": display_name(row, card), "card_number": card.id_number if card else None}

    def about(row: MonitoredPatient, card: CardFacts | None) -> str:
        """Who the person is, in the console's words: 父母 · 1101**********002X · 72岁 · 女."""
        unknown = WORDS["unknown"]
        return str(WORDS["who"]).format(
            relation=relation_words(row),
            card=card.id_number if card else WORDS["no_card"],
            age=WORDS["age_years"].format(n=int(age)) if (age := age_of(row, card)) is not None else unknown,
            sex=WORDS["sexes"].get(card.sex or "", unknown) if card else unknown)

    def age_of(row: MonitoredPatient, card: CardFacts | None) -> float | None:
        """The card's age, else the age the intake was told about the person (their row's `born`)."""
        return card.age if card and card.age is not None else service().age_years(row)

    def status(row: MonitoredPatient) -> str:
        """监测中, 已停止, or 未加入随访 for a person who only sent readings (never enrolled)."""
        return str(WORDS["enrolled"] if row.enrolled else WORDS["stopped"] if row.enrolled_at else WORDS["not_enrolled"])

    async def listed(staff: Staff) -> list[PatientView]:
        return await service().patients(None if staff.is_admin else list(staff.departments))

    async def signed_in_page(request: Request) -> Staff | RedirectResponse:
        try:
            return (await auth.current(request)).staff
        except HTTPException:
            return RedirectResponse("/console/login", status_code=303)

    # ---- pages -------------------------------------------------------------------------------

    @router.get("/console/monitoring/static/{name}", include_in_schema=False)
    async def asset(name: str) -> FileResponse:
        if name not in ASSETS:
            raise HTTPException(404, "no such file")
        return FileResponse(STATIC / name, media_type=ASSETS[name], headers=SECURITY_HEADERS)

    @router.get("/console/monitoring/patients", include_in_schema=False, response_model=None)
    async def list_page(request: Request) -> Response:
        staff = await signed_in_page(request)
        if isinstance(staff, RedirectResponse):
            return staff
        views = await listed(staff)
        await audit(staff, "monitoring.list", None, {"count": len(views)})
        zone = service().settings.timezone
        cards = await service().cards(v.row for v in views)
        rows = []
        for v in views:
            r, card = v.row, cards.get(v.row.id)
            flags = "".join(f'<span class="flag flag-{f}">{FLAG_NAMES[f]}</span>' for f in v.flags) or "—"
            level = f'<span class="level level-{escape(r.level)}">{LEVEL_NAMES.get(r.level, "")}</span>' if r.level else ""
            hours = v.to_dict(utcnow())["hours_since_reading"]
            rows.append(
                f'<tr data-patient="{r.id}"><td><a href="/console/monitoring/patients/{r.id}">{escape(display_name(r, card))}</a>'
                f' <span class="muted">#{r.id}</span></td>'
                f'<td class="relation">{escape(relation_words(r))}</td>'
                f'<td class="card-number">{escape(card.id_number if card else WORDS["no_card"])}</td>'
                f'<td>{escape(department(r.department))}</td><td class="status">{escape(status(r))}</td>'
                f'<td>{escape(_latest(r.latest or {}))}</td><td>{level} {flags}</td>'
                f'<td>{"—" if hours is None else WORDS["hours_ago"].format(hours=f"{hours:g}")}</td>'
                f'<td>{_when(r.last_reading_at, zone)}</td></tr>')
        columns = WORDS["list_columns"]
        body = (f'<section class="card"><h2>{escape(WORDS["list_title"])}</h2><table id="monitored"><thead><tr>'
                + "".join(f"<th>{escape(c)}</th>" for c in columns) + "</tr></thead><tbody>"
                + ("".join(rows) or f'<tr><td colspan="{len(columns)}" class="muted">{escape(WORDS["list_empty"])}</td></tr>')
                + "</tbody></table></section>")
        return _page(WORDS["list_link"], body, page_zone)

    @router.get("/console/monitoring/patients/{patient_id}", include_in_schema=False, response_model=None)
    async def patient_page(patient_id: int, request: Request) -> Response:
        from integrations.monitoring.charts import chart

        staff = await signed_in_page(request)
        if isinstance(staff, RedirectResponse):
            return staff
        row = await patient(staff, patient_id)
        monitoring = service()
        zone = monitoring.settings.timezone
        readings = await monitoring.series(row.id, since=utcnow() - dt.timedelta(days=30))
        alerts = await monitoring.alerts(row.id)
        notes = await monitoring.notes(row.id)
        await audit(staff, "monitoring.open", row)
        view = monitoring.view(row, utcnow())
        card = (await monitoring.cards([row])).get(row.id)
        who = about(row, card)
        name = display_name(row, card)
        limits = monitoring.thresholds.for_patient(row.thresholds, age_of(row, card))
        charts = []
        for code in MEASURES:
            points = [(r.taken_at, r.value) for r in readings if r.measure == code]
            if points:
                charts.append(chart(code, points, [lim for (c, _), lim in limits.items() if c == code], zone))
        table = "".join(
            f"<tr><td>{_when(r.taken_at, zone)}</td><td>{MEASURES[r.measure].name}</td>"
            f"<td>{MEASURES[r.measure].show(r.value)} {escape(r.unit)}</td><td>{escape(r.context)}</td>"
            f"<td>{SOURCE_NAMES.get(r.source, escape(r.source))}</td></tr>" for r in reversed(readings[-200:]))
        P = {key: escape(str(text)) for key, text in WORDS["page"].items()}
        enrolment = (f'{P["enrolled_at"]}{_when(row.enrolled_at, zone)}（{escape(REASON_NAMES.get(row.reason, row.reason))}）'
                     if row.enrolled_at else f'<span class="status">{escape(status(row))}</span>')
        if alerts and not row.enrolled:  # not followed, and yet a reading past a limit: said at the top
            newest = alerts[0]
            enrolment += (f' · <span class="alert-{escape(newest.kind)}">{P["latest_alert"]}{_when(newest.created_at, zone)} · '
                          f'{LEVEL_NAMES.get(newest.level, escape(newest.level))} · {escape(newest.reason)}</span>')
        alert_items = "".join(
            f'<li class="alert-{escape(a.kind)}">{_when(a.created_at, zone)} · {LEVEL_NAMES.get(a.level, escape(a.level))} · '
            f"{escape(a.reason)}</li>" for a in alerts)
        note_items = "".join(f"<li><span class=\"muted\">{escape(n['at'][5:16].replace('T', ' '))} {escape(n['author'])}</span>"
                             f"<br>{escape(n['text'])}</li>" for n in notes)
        own = "；".join(f"{MEASURES[c].name}{P['low'] if s == 'low' else P['high']} {v}" for c, sides in (row.thresholds or {}).items()
                       for s, v in sides.items()) or P["defaults"]
        medicines = "；".join(f"{escape(m.get('name', ''))} {escape(m.get('dose', ''))} {'、'.join(m.get('times') or [])}"
                             for m in (row.schedule or {}).get("medications") or []) or P["nothing"]
        options = "".join(f'<option value="{c}">{m.name}</option>' for c, m in MEASURES.items())
        flags = "".join(f'<span class="flag flag-{f}">{FLAG_NAMES[f]}</span>' for f in view.flags) or P["nothing"]
        body = f"""
<section class="card" id="summary" data-patient="{row.id}">
  <h2>{escape(name)} <span class="muted">#{row.id}</span> · {escape(department(row.department))} · {WORDS["enrolled"] if row.enrolled else WORDS["stopped"]}</h2>
  <p id="who">{escape(who)}</p>
  <p class="muted">{escape(WORDS["conversations"].format(conversation=labels().display_name(None, row.conversation_id)))}</p>
  <p>{enrolment} · {P["latest_readings"]}{escape(_latest(row.latest or {}))}
  · {P["last_reading"]}{_when(row.last_reading_at, zone)} · {P["flags"]}{flags}</p>
  <p>{P["own_limits"]}{escape(own)} · {P["reminders_morning"]}{escape(str((row.schedule or {}).get("morning") or "—"))} /
  {P["reminders_evening"]}{escape(str((row.schedule or {}).get("evening") or "—"))} · {P["medication_reminders"]}{medicines}</p>
</section>
<section class="card"><h2>{P["charts_title"]}</h2><div class="charts">{"".join(charts) or f'<p class="muted">{P["no_readings"]}</p>'}</div></section>
<section class="card"><h2>{P["notes_title"]}</h2>
  <form data-api="/api/console/monitoring/patients/{row.id}/notes" data-kind="note">
    <textarea name="text" maxlength="2000" required placeholder="{P["note_placeholder"]}"></textarea><button type="submit">{P["save_note"]}</button>
  </form><ul id="notes">{note_items or f'<li class="muted">{P["none_yet"]}</li>'}</ul></section>
<section class="card"><h2>{P["limits_title"]}</h2>
  <form data-api="/api/console/monitoring/patients/{row.id}/thresholds" data-kind="threshold">
    <select name="measure">{options}</select><select name="side"><option value="low">{P["side_low"]}</option><option value="high">{P["side_high"]}</option></select>
    <input name="value" type="number" step="0.1" placeholder="{P["value_placeholder"]}"><button type="submit">{P["set"]}</button>
  </form></section>
<section class="card"><h2>{P["schedule_title"]}</h2>
  <form data-api="/api/console/monitoring/patients/{row.id}/schedule" data-kind="schedule">
    <label>{P["morning"]} <input name="morning" type="time" value="{escape(str((row.schedule or {}).get("morning") or ""))}"></label>
    <label>{P["evening"]} <input name="evening" type="time" value="{escape(str((row.schedule or {}).get("evening") or ""))}"></label>
    <label>{P["medicine"]} <input name="medicine" maxlength="40" placeholder="{P["medicine_placeholder"]}"></label>
    <label>{P["dose"]} <input name="dose" maxlength="40" placeholder="{P["dose_placeholder"]}"></label>
    <label>{P["times"]} <input name="times" placeholder="08:00,20:00"></label><button type="submit">{P["save"]}</button>
  </form>
  <form data-api="/api/console/monitoring/patients/{row.id}/medications/from-prescriptions" data-kind="plain">
    <button type="submit" class="secondary">{escape(WORDS["button_medications_from_prescriptions"])}</button></form>
  <form data-api="/api/console/monitoring/patients/{row.id}/{"stop" if row.enrolled else "enrol"}" data-kind="plain">
    <button type="submit">{escape(WORDS["button_stop"] if row.enrolled else WORDS["button_enrol"])}</button></form></section>
<section class="card"><h2>{P["alerts_title"]}</h2><ul id="alerts">{alert_items or f'<li class="muted">{P["none_yet"]}</li>'}</ul></section>
<section class="card"><h2>{P["readings_title"]}</h2><table id="readings"><thead><tr><th>{P["col_time"]}</th><th>{P["col_measure"]}</th><th>{P["col_value"]}</th>
  <th>{P["col_context"]}</th><th>{P["col_source"]}</th></tr></thead><tbody>{table or f'<tr><td colspan="5" class="muted">{P["none_yet"]}</td></tr>'}</tbody></table></section>"""
        return _page(name, body, page_zone)

    # ---- the JSON API ------------------------------------------------------------------------

    signed_in = Depends(auth.current)
    changing = Depends(auth.changing)

    @router.get("/api/console/monitoring/patients")
    async def api_list(session: ConsoleSession = signed_in) -> list[dict[str, Any]]:
        """Monitored patients of the caller's departments, most worrying first."""
        views = await listed(session.staff)
        await audit(session.staff, "monitoring.list", None, {"count": len(views)})
        now = utcnow()
        cards = await service().cards(v.row for v in views)
        return [{**v.to_dict(now), **person(v.row, cards.get(v.row.id))} for v in views]

    @router.get("/api/console/monitoring/patients/{patient_id}")
    async def api_patient(patient_id: int, session: ConsoleSession = signed_in) -> dict[str, Any]:
        """One patient: the summary, the last 30 days of readings, alerts and notes."""
        row = await patient(session.staff, patient_id)
        monitoring = service()
        readings = await monitoring.series(row.id, since=utcnow() - dt.timedelta(days=30))
        await audit(session.staff, "monitoring.open", row)
        return {
            **monitoring.view(row, utcnow()).to_dict(utcnow()), **person(row, (await monitoring.cards([row])).get(row.id)),
            "readings": [{"measure": r.measure, "value": r.value, "unit": r.unit, "context": r.context, "source": r.source,
                          "taken_at": (r.taken_at if r.taken_at.tzinfo else r.taken_at.replace(tzinfo=dt.timezone.utc)).isoformat()}
                         for r in readings],
            "alerts": [{"kind": a.kind, "measure": a.measure, "value": a.value, "level": a.level, "reason": a.reason}
                       for a in await monitoring.alerts(row.id)],
            "notes": await monitoring.notes(row.id),
            "limits": [lim.to_dict() for lim in monitoring.thresholds.for_patient(
                row.thresholds, age_of(row, (await monitoring.cards([row])).get(row.id))).values()],
            "status": status(row),
        }

    @router.post("/api/console/monitoring/patients/{patient_id}/notes", status_code=201)
    async def api_note(patient_id: int, body: NoteBody, session: ConsoleSession = changing) -> dict[str, Any]:
        """A remote ward-round note (encrypted at rest)."""
        row = await patient(session.staff, patient_id)
        if unsafe_text(body.text) or not body.text.strip():
            raise HTTPException(422, "the note is empty or has characters that cannot be stored")
        note = await service().add_note(row.id, session.staff.actor, session.staff.display_name, body.text.strip())
        await audit(session.staff, "monitoring.note", row, {"note": note.id})
        return {"id": note.id}

    @router.put("/api/console/monitoring/patients/{patient_id}/thresholds")
    async def api_threshold(patient_id: int, body: ThresholdBody, session: ConsoleSession = changing) -> dict[str, Any]:
        """Set (or, with value null, reset) one of the patient's own thresholds."""
        row = await patient(session.staff, patient_id)
        try:
            value = None if body.value is None else validate_override(body.measure, body.side, body.value)
            if body.value is None:
                validate_override(body.measure, body.side, MEASURES[body.measure].low if body.measure in MEASURES else 0)
            changed = await service().set_threshold(row.id, body.measure, body.side, value)
        except (ValueError, ReadingError) as exc:
            raise HTTPException(422, str(exc)) from None
        await audit(session.staff, "monitoring.threshold", row, {"measure": body.measure, "side": body.side, "value": value})
        return {"thresholds": changed.thresholds}

    @router.put("/api/console/monitoring/patients/{patient_id}/schedule")
    async def api_schedule(patient_id: int, body: ScheduleBody, session: ConsoleSession = changing) -> dict[str, Any]:
        """Reading reminder times and medication reminders; the pending reminders are planned again."""
        row = await patient(session.staff, patient_id)
        times = [t for t in (body.morning, body.evening) if t] + [t for m in body.medications for t in m.times]
        bad = [t for t in times if not _HHMM.match(t)]
        if bad or any(unsafe_text(m.name + m.dose) for m in body.medications):
            raise HTTPException(422, f"times must be HH:MM ({', '.join(bad)})" if bad else "unstorable characters")
        schedule = {"morning": body.morning or "", "evening": body.evening or "",
                    "medications": [m.model_dump() for m in body.medications]}
        if "measures" in (row.schedule or {}):  # the readings asked for at sign-up (by complaint) are kept
            schedule["measures"] = (row.schedule or {})["measures"]
        jobs = runtime.services.get(Jobs)
        async with runtime.db.transaction() as db_session:
            stored = await db_session.get(MonitoredPatient, row.id)
            assert stored is not None
            stored.schedule = schedule
            for kind in ("morning", "evening", "medication"):
                await jobs.cancel(f"{patient_job_prefix(row.id)}{kind}:", session=db_session)
                await jobs.cancel(f"{job_key_prefix(row.conversation_id)}{kind}:", session=db_session)  # before 0030
        fresh = await service().get(row.id)
        made = await schedule_next(jobs, service(), fresh) if fresh is not None and fresh.enrolled else 0
        await audit(session.staff, "monitoring.schedule", row, {"reminders": made})
        return {"schedule": schedule, "scheduled": made}

    @router.post("/api/console/monitoring/patients/{patient_id}/medications/from-prescriptions")
    async def api_medications_from_prescriptions(patient_id: int, session: ConsoleSession = changing) -> dict[str, Any]:
        """Medication reminders from the patient's approved online prescriptions (times by frequency; 必要时
        medicines get none); the reading reminders stay. 404 when prescriptions are not on, 409 when none approved."""
        row = await patient(session.staff, patient_id)
        prescriptions = runtime.services.find(Prescriptions)
        if prescriptions is None:
            raise HTTPException(404, "online prescriptions are not on in this deployment")
        approved = [p for p in await prescriptions.for_conversation(row.conversation_id) if p.status == "approved"]
        medications = medication_reminders(prescriptions.formulary, approved)
        if not medications:
            raise HTTPException(409, {"code": "no_approved_prescriptions",
                                      "message": WORDS["errors"]["no_approved_prescriptions"]})
        schedule = {**(row.schedule or {}), "medications": medications}
        jobs = runtime.services.get(Jobs)
        async with runtime.db.transaction() as db_session:
            stored = await db_session.get(MonitoredPatient, row.id)
            assert stored is not None
            stored.schedule = schedule
            await jobs.cancel(f"{patient_job_prefix(row.id)}medication:", session=db_session)
            await jobs.cancel(f"{job_key_prefix(row.conversation_id)}medication:", session=db_session)  # before 0030
        fresh = await service().get(row.id)
        made = await schedule_next(jobs, service(), fresh, kinds=[k for k in reminder_times(fresh) if k.startswith("medication:")]) \
            if fresh is not None and fresh.enrolled else 0
        await audit(session.staff, "monitoring.schedule", row, {"reminders": made, "from": "prescriptions"})
        return {"schedule": schedule, "scheduled": made}

    @router.post("/api/console/monitoring/patients/{patient_id}/stop")
    async def api_stop(patient_id: int, session: ConsoleSession = changing) -> dict[str, Any]:
        """Stop monitoring: no more reminders (the readings stay)."""
        row = await patient(session.staff, patient_id)
        jobs = runtime.services.get(Jobs)
        async with runtime.db.transaction() as db_session:
            stored = await db_session.get(MonitoredPatient, row.id)
            assert stored is not None
            await service().stop(db_session, stored, by=session.staff.actor)
            cancelled = await jobs.cancel(patient_job_prefix(row.id), session=db_session)
            if len(await service().enrolled(row.conversation_id)) <= 1:  # jobs of before 0030 were the conversation's
                cancelled += await jobs.cancel(job_key_prefix(row.conversation_id), session=db_session)
        await audit(session.staff, "monitoring.stop", row, {"cancelled": cancelled})
        return {"enrolled": False, "cancelled": cancelled}

    @router.post("/api/console/monitoring/patients/{patient_id}/enrol")
    async def api_enrol(patient_id: int, session: ConsoleSession = changing) -> dict[str, Any]:
        """Start (or restart) monitoring a patient: reminders for the configured number of days."""
        row = await patient(session.staff, patient_id)
        now = utcnow()
        async with runtime.db.transaction() as db_session:
            stored = await db_session.get(MonitoredPatient, row.id)
            assert stored is not None
            stored.enrolled, stored.reason, stored.enrolled_at = True, "doctor", now
            stored.until, stored.stopped_at, stored.stopped_by = now + dt.timedelta(days=service().settings.days), None, None
            if not stored.schedule:
                settings = service().settings
                stored.schedule = {"morning": settings.morning.strftime("%H:%M"), "evening": settings.evening.strftime("%H:%M"),
                                   "medications": []}
        fresh = await service().get(row.id)
        made = await schedule_next(runtime.services.get(Jobs), service(), fresh) if fresh is not None else 0
        await audit(session.staff, "monitoring.enrol", row, {"reminders": made})
        return {"enrolled": True, "scheduled": made}

    return router


__all__ = ["monitoring_console", "rank"]
