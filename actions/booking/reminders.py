"""Appointment reminders: the evening before (`hospital.reminder_time`) and the waiting reminder when
the patient's number is near (`hospital.waiting_minutes` before the booked hour, with how many are
still ahead when the hospital system knows). Durable jobs (bot/jobs.py), written in the turn's
transaction with the booking's record; cancelling or moving the appointment cancels them, and a
reminder whose appointment is no longer booked at that hour sends nothing.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from actions.booking.settings import BookingSettings
from bot.db import utcnow
from bot.engine import Engine, UnknownConversation
from bot.hospital import Appointment, HospitalSystem
from bot.jobs import Jobs, job
from bot.messages import BotMessage, Button
from bot.responses import Responses

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

log = logging.getLogger("wenzhen.booking")
JOB_KIND = "booking_reminder"
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class BookingReminder:
    """Job payload: one reminder of one appointment."""

    conversation_id: str
    appointment: str
    kind: str  # day_before | waiting
    start: str  # the booked hour (ISO): a reminder of an hour since moved sends nothing


def key_prefix(appointment_id: str) -> str:
    return f"{JOB_KIND}:{appointment_id}:"


def reminder_times(start: dt.datetime, settings: BookingSettings) -> dict[str, dt.datetime]:
    local = start.astimezone(settings.timezone)
    return {
        "day_before": dt.datetime.combine(local.date() - dt.timedelta(days=1), settings.reminder_time,
                                          tzinfo=settings.timezone),
        "waiting": start - dt.timedelta(minutes=settings.waiting_minutes),
    }


async def schedule_reminders(jobs: Jobs, session: "AsyncSession", conversation_id: str, appointment: Appointment,
                             settings: BookingSettings) -> list[str]:
    """Schedule the reminders still in the future; returns their kinds."""
    now = utcnow()
    scheduled = []
    for kind, due in reminder_times(appointment.start, settings).items():
        if due <= now:
            continue
        payload = BookingReminder(conversation_id, appointment.id, kind, appointment.start.isoformat())
        key = f"{key_prefix(appointment.id)}{kind}:{appointment.start.astimezone(dt.timezone.utc):%Y%m%dT%H%M}"
        await jobs.schedule(JOB_KIND, payload, due_at=due, key=key, session=session)
        scheduled.append(kind)
    return scheduled


async def cancel_reminders(jobs: Jobs, session: "AsyncSession", appointment_id: str) -> int:
    return await jobs.cancel(key_prefix(appointment_id), session=session)


@job(JOB_KIND)
async def run_booking_reminder(payload: BookingReminder, engine: Engine, hospital: HospitalSystem,
                               responses: Responses, settings: BookingSettings) -> None:
    """Send the reminder through the patient's channel, if the appointment still stands at that hour.

    A hospital system that does not answer raises: the job is tried again (bot/jobs.py)."""
    digest = hashlib.sha256(payload.conversation_id.encode()).hexdigest()[:12]
    appointment = await hospital.appointment(payload.appointment)
    if appointment is None or appointment.status != "booked" or \
            appointment.start != dt.datetime.fromisoformat(payload.start):
        log.info("booking reminder for conversation %s dropped: the appointment was cancelled or moved", digest)
        return
    try:
        state = await engine.state(payload.conversation_id)
    except UnknownConversation:
        return
    if not state.channel:
        log.warning("booking reminder for unknown conversation %s dropped", digest)
        return
    departments = {d.code: d.name for d in await hospital.departments()}
    local = appointment.start.astimezone(settings.timezone)
    variables = {
        "department": departments.get(appointment.department, appointment.department),
        "doctor": f" {appointment.doctor.name} {appointment.doctor.title}".rstrip() if appointment.doctor else "",
        "date": f"{local.month}月{local.day}日（周{WEEKDAYS[local.weekday()]}）",
        "hours": f"{local:%H:%M}–{appointment.end.astimezone(settings.timezone):%H:%M}",
        "number": responses.text("booking_number", state, {"number": appointment.number}) if appointment.number else "",
    }
    if payload.kind == "waiting":
        ahead = await hospital.waiting_ahead(appointment.id)
        variables["ahead"] = (responses.text("booking_waiting_ahead", state, {"ahead": ahead})
                              if ahead is not None else "")
        text = responses.text("utter_booking_waiting_reminder", state, variables)
    else:
        text = responses.text("utter_booking_day_before_reminder", state, variables)
    buttons = (Button(responses.text("booking_cancel_button", state), "/booking_cancel"),)
    notice = reminder_notice(payload.kind, variables, local, appointment.number)
    await engine.push(payload.conversation_id, [BotMessage(text=text, buttons=buttons, custom={"notice": notice})],
                      actor="system")


NOTICES = {"day_before": "booking_day_before", "waiting": "booking_waiting"}


def reminder_notice(kind: str, variables: dict[str, str], local: dt.datetime, number: int | None) -> dict[str, object]:
    """The channel's notice for a reminder (`custom.notice`): on WeChat, once the 48-hour customer-service
    window has closed, it goes as the template message configured under `wechat.templates` for its name
    (docs/wechat.md). Fields as WeChat's 就诊提醒 templates name them; `thing` values are at most 20 characters,
    `character_string` only digits and letters (the queue number; 0 when the system gives none)."""
    where = f"{variables['department']}{variables['doctor']}"
    remark = "明天请按时到院，不能来请回复取消预约" if kind == "day_before" else "即将到号，请到诊区候诊"
    return {"name": NOTICES[kind], "data": {
        "thing1": where[:20],
        "time2": f"{local:%Y-%m-%d %H:%M}",
        "character_string3": str(number) if number else "0",
        "thing4": remark[:20],
    }}
