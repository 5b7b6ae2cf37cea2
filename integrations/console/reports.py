"""Reports uploaded by staff from the console (the page `/console/hospital/reports`, the API
`POST /api/console/reports`): the console's form of `wenzhen hospital report-add`.

Doctors and administrators may upload (a pharmacist gets 403, nobody signed out anything but 401); a
state-changing request needs the session's CSRF token. Every upload is an audit entry
`hospital.report_add` by the signed-in staff member (`doctor:7`), naming the report's id and its number
of results — never the patient's ID number, which is read from the request body only, turned into the
keyed hash the hospital system matches cards by, and never stored, logged or echoed in clear (the
answer shows it masked). Only the embedded hospital system stores reports here (409 with a FHIR one).

Named under `plugins:`; docs/services.md, "Reports".
"""
from __future__ import annotations

import datetime as dt
import math
from typing import Any

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field

from bot.hospital import HospitalSystem, Observation
from bot.hospital.embedded import EmbeddedHospital
from bot.http_input import unsafe_text
from bot.patients import mask_id_number, valid_id_number
from bot.plugins import Plugin
from bot.runtime import Runtime
from bot.supervision import AuditEntry
from integrations.console.auth import ConsoleAuth, ConsoleSession
from integrations.console.pages import SECURITY_HEADERS, STATIC
from integrations.console.shell import hospital_timezone
from integrations.console.shell import page as shell_page

UPLOADERS = ("doctor", "admin")
MAX_RESULTS = 100
CLOCK_SKEW = dt.timedelta(minutes=5)


class ResultIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    value: float | None = None
    unit: str = Field(default="", max_length=32)
    low: float | None = None
    high: float | None = None
    text: str = Field(default="", max_length=64)  # a worded result (阴性)
    reference_text: str = Field(default="", max_length=64)


class ReportIn(BaseModel):
    id_number: str = Field(min_length=15, max_length=18)
    title: str = Field(min_length=1, max_length=128)
    issued: dt.datetime
    observations: list[ResultIn] = Field(min_length=1, max_length=MAX_RESULTS)


def _checked(report: ReportIn) -> list[Observation]:
    """What pydantic cannot say: the ID number's check digit, the time zone, each result's value; 422 otherwise."""
    problems = []
    strings = [report.id_number, report.title] + [s for o in report.observations
                                                  for s in (o.name, o.unit, o.text, o.reference_text)]
    if any(unsafe_text(s) for s in strings):
        problems.append("text with control characters")
    if not valid_id_number(report.id_number.strip()):
        problems.append("id_number is not a valid resident ID number")
    if report.issued.tzinfo is None:
        problems.append("issued needs a time zone, e.g. 2026-12-05T10:30:00+08:00")
    elif report.issued > dt.datetime.now(dt.timezone.utc) + CLOCK_SKEW:
        problems.append("issued is in the future")
    for index, o in enumerate(report.observations, 1):
        numbers = [n for n in (o.value, o.low, o.high) if n is not None]
        if any(not math.isfinite(n) for n in numbers):
            problems.append(f"result {index}: numbers must be finite")
        if o.value is None and not o.text.strip():
            problems.append(f"result {index} ({o.name}): needs a value or a worded result")
        if o.low is not None and o.high is not None and o.low > o.high:
            problems.append(f"result {index} ({o.name}): low is above high")
    if problems:
        raise HTTPException(422, "; ".join(problems))
    return [Observation(name=o.name.strip(), value=o.value, unit=o.unit.strip(), low=o.low, high=o.high,
                        text=o.text.strip(), reference_text=o.reference_text.strip()) for o in report.observations]


def reports_api(runtime: Runtime) -> APIRouter:
    auth = ConsoleAuth(runtime)
    router = APIRouter(prefix="/api/console/reports", tags=["hospital"])

    async def uploader(session: ConsoleSession = Depends(auth.changing)) -> ConsoleSession:
        if session.staff.role not in UPLOADERS:
            raise HTTPException(403, "only doctors and administrators upload reports")
        return session

    @router.post("", status_code=201)
    async def upload(report: ReportIn, session: ConsoleSession = Depends(uploader)) -> dict[str, Any]:
        """Store a report for the patient of the ID number (encrypted), as `wenzhen hospital report-add` does."""
        observations = _checked(report)
        system = runtime.services.find(HospitalSystem)  # type: ignore[type-abstract]
        if not isinstance(system, EmbeddedHospital):
            raise HTTPException(409, "reports are uploaded here only with hospital.system: embedded "
                                     "(a FHIR hospital system keeps its own)")
        staff = session.staff
        # The report and its audit entry in one transaction.
        report_id = int(await system.add_report(
            report.id_number.strip().upper(), report.title.strip(), report.issued, observations,
            uploaded_by=staff.username, audit=runtime.audit,
            entry=AuditEntry(actor=staff.actor, action="hospital.report_add", object_type="hospital_report",
                             object_id="", detail={"results": len(observations), "channel": "console"})))
        return {"id": report_id, "results": len(observations), "patient": mask_id_number(report.id_number.strip().upper())}

    return router


def reports_page(runtime: Runtime) -> APIRouter:
    """The page and its script: a public shell like the console's other pages; the API checks the role."""
    router = APIRouter(include_in_schema=False)
    zone = hospital_timezone(runtime)

    @router.get("/console/hospital/reports")
    async def page() -> Response:
        return shell_page("reports.html", zone, SECURITY_HEADERS)

    @router.get("/console/hospital/reports.js")
    async def script() -> FileResponse:
        return FileResponse(STATIC / "reports.js", media_type="text/javascript", headers=SECURITY_HEADERS)

    return router


plugin = Plugin(name="console-reports", routers=[reports_api, reports_page])
