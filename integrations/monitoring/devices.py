"""`POST /api/readings`: home devices (oximeters, BP cuffs) post readings with their own token.

    POST /api/readings
    Authorization: Bearer wzd_…            (one token per device: `wenzhen monitoring device add`)
    {"readings": [{"id": "ox-1-000123", "measure": "spo2", "value": 95, "taken_at": "2026-12-07T08:01:00+08:00"},
                  {"id": "cuff-7-88", "measure": "sbp", "value": 150}, ...]}

`id` is the device's own reading id: a reading posted again (a retry) is stored once. Measures and
units are those of bot/monitoring/measures.py; `unit` may be given and must then match. Answers:
200 `{"accepted": n, "duplicates": m, "level": "...", "flags": [...]}`; 401 without a valid token;
422 for a bad body (nothing of it is stored); never a 5xx for bad input.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.exc import IntegrityError

from bot.db import utcnow
from bot.engine import UnknownConversation
from bot.messages import BotMessage
from bot.monitoring import MEASURES, Monitoring, Reading, ReadingError, rank
from bot.monitoring.models import MonitoredPatient
from bot.runtime import Runtime

MAX_READINGS = 500


def _words() -> dict[str, Any]:
    from integrations.monitoring.console import WORDS  # labels.yml, read once

    return WORDS

MAX_BODY = 256 * 1024


class DeviceReading(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=128)
    measure: str
    value: float
    unit: str | None = None
    taken_at: dt.datetime | None = None
    context: str = Field("", max_length=16)


class ReadingsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    readings: list[DeviceReading] = Field(min_length=1, max_length=MAX_READINGS)


def _checked(item: DeviceReading, now: dt.datetime) -> Reading:
    if item.measure not in MEASURES:
        raise ReadingError(f"unknown measure {item.measure!r}; known: {', '.join(MEASURES)}")
    if item.unit is not None and item.unit != MEASURES[item.measure].unit:
        raise ReadingError(f"{item.measure} is in {MEASURES[item.measure].unit}, not {item.unit!r}")
    taken = item.taken_at
    if taken is not None:
        if taken.tzinfo is None:
            raise ReadingError("taken_at needs a time zone (e.g. +08:00)")
        taken = taken.astimezone(dt.timezone.utc)
        if taken > now + dt.timedelta(minutes=10):
            raise ReadingError("taken_at is in the future")
    if any(ch in item.id for ch in "\x00\r\n"):
        raise ReadingError("id has a control character")
    return Reading(item.measure, item.value, "device", taken, item.context, item.id).checked()


def devices_api(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["home monitoring"])

    @router.post("/api/readings")
    async def post_readings(request: Request) -> dict[str, Any]:
        """Readings from one home device (see the module's docstring for the payload)."""
        monitoring = runtime.services.get(Monitoring)
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else ""
        device = await monitoring.device_for(token) if token and len(token) < 200 else None
        if device is None:
            raise HTTPException(401, "a valid device token is needed (Authorization: Bearer …)")
        raw = await request.body()
        if len(raw) > MAX_BODY:
            raise HTTPException(413, "body too large")
        try:
            body = ReadingsBody.model_validate_json(raw)
        except ValidationError as exc:
            raise HTTPException(422, [{"loc": e["loc"], "msg": e["msg"]} for e in exc.errors(include_url=False, include_input=False)]) from None
        now = utcnow()
        try:
            readings = [_checked(item, now) for item in body.readings]
        except ReadingError as exc:
            raise HTTPException(422, str(exc)) from None
        for attempt in range(2):
            try:
                async with monitoring.db.transaction() as session:
                    patient = await session.get(MonitoredPatient, device.patient_id)
                    if patient is None:
                        raise HTTPException(404, "the device's patient is gone")
                    assessment = await monitoring.record(session, patient, readings, now, device_id=device.id)
                    flags = monitoring.view(patient, now).flags
                break
            except IntegrityError:
                if attempt:  # the same reading ids posted twice at once: the second sees the first's rows
                    raise HTTPException(409, "the same readings are being posted at once; retry") from None
        await monitoring.alert(assessment, str(_words()["device_alert"]).format(name=device.name))
        if rank(assessment.level) >= rank("urgent"):
            await _tell_patient(runtime, assessment.conversation_id, assessment.level, assessment.reasons())
        return {"accepted": len(assessment.readings), "duplicates": assessment.duplicates,
                "level": assessment.level, "flags": flags}

    return router


async def _tell_patient(runtime: Runtime, conversation_id: str, level: str, reasons: list[str]) -> None:
    """A device reading past a threshold: the patient hears it too (120 first for an emergency)."""
    engine = runtime.engine
    state = await engine.state(conversation_id)
    keys = ["utter_emergency_call"] if level == "emergency" else []
    messages = [m for key in keys for m in engine.responses.render(key, state, {})]
    template = engine.responses.render("triage_decision_emergency" if level == "emergency" else "triage_decision", state,
                                       {"level_name": engine.responses.text(f"triage_level_{level}", state, {}),
                                        "reasons": "\n".join(reasons)})[0]
    messages.append(BotMessage(text=template.text, buttons=template.buttons))
    try:
        await engine.push(conversation_id, messages, actor="system")
    except UnknownConversation:
        pass
