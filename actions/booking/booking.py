"""Booking actions for flows/booking.yml: book by department, doctor, day and hour with the bound card,
confirm, cancel, reschedule; the nucleic-acid test is booked the same way (its own "department").

Each step answers with buttons whose payloads carry the choice (`/booking_pick{"booking_slot": "12"}`),
so a typed button number works as well as a tap. The hospital system is asked first and the
conversation's record (events, reminder jobs) is written in the turn's transaction after it: the
hospital system is the record of the appointment, as a remote one would be. A system that does not
answer gets an honest reply with the hospital's phone, never an error.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Awaitable, Callable, TypeVar

from sqlalchemy import select

from actions.booking.settings import BookingSettings
from actions.booking.reminders import cancel_reminders, schedule_reminders
from actions.booking.when import Request, in_half, read_request
from actions.services.offers import HospitalOffers, contact_variables
from bot.action_api import ActionContext, action
from bot.crypto import FieldCipher
from bot.db import Database
from bot.hospital import (
    NUCLEIC_ACID,
    Appointment,
    BookingError,
    CardIdentity,
    Department,
    HospitalSystem,
    HospitalUnavailable,
    PatientRef,
    Slot,
)
from bot.jobs import Jobs
from bot.messages import BotMessage, Button
from bot.patients import CardHolder, MedicalCard, Patient, Patients, mask_name

log = logging.getLogger("wenzhen.booking")
T = TypeVar("T")
SLOTS = ("booking_department", "booking_doctor", "booking_day", "booking_half", "booking_hour", "booking_slot",
         "booking_appointment", "booking_mode", "booking_summary", "booking_cancel_summary", "booking_confirmed")
WEEKDAYS = "一二三四五六日"
MAX_SLOT_BUTTONS = 10


async def current_card(db: Database, cipher: FieldCipher, channel: str, sender: str) -> CardHolder | None:
    """The patient's current card, read without writing (the hospital system is asked before the
    turn's transaction opens: on embedded SQLite the turn is then the one writer)."""
    async with db.session() as session:
        patient = await session.scalar(
            select(Patient).where(Patient.channel == channel, Patient.external_id == sender)
        )
        if patient is None or patient.active_card_id is None:
            return None
        row = await session.get(MedicalCard, patient.active_card_id)
        if row is None or row.removed_at is not None:
            return None
        return await Patients(session, cipher).current_holder(patient)


def _clear(ctx: ActionContext) -> None:
    for slot in SLOTS:
        ctx.set_slot(slot, None)


def day_label(day: dt.date, today: dt.date) -> str:
    names = {0: "今天", 1: "明天", 2: "后天"}
    prefix = names.get((day - today).days, "")
    return f"{prefix}{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）" if prefix else \
        f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


def _hours(slot: Slot | Appointment, zone: dt.tzinfo) -> str:
    return f"{slot.start.astimezone(zone):%H:%M}–{slot.end.astimezone(zone):%H:%M}"


def _doctor(slot: Slot | Appointment) -> str:
    return f"{slot.doctor.name} {slot.doctor.title}".strip() if slot.doctor else ""


def describe(ctx: ActionContext, item: Slot | Appointment, departments: dict[str, Department], zone: dt.tzinfo,
             today: dt.date) -> str:
    """儿科 陈静 主任医师 明天12月8日（周二）09:00–10:00."""
    department = departments.get(item.department)
    parts = [department.name if department else item.department, _doctor(item),
             day_label(item.start.astimezone(zone).date(), today) + " " + _hours(item, zone)]
    return " ".join(p for p in parts if p)


def went_unreachable(ctx: ActionContext) -> bool:
    """The hospital system did not answer during this turn (the patient has been told)."""
    return any(e.type == "hospital_unreachable" for e in ctx.events)


async def _unavailable(ctx: ActionContext, offers: HospitalOffers, what: str) -> None:
    ctx.utter(f"utter_hospital_unreachable_{what}", **contact_variables(ctx, offers))


async def _ask(ctx: ActionContext, offers: HospitalOffers, what: str, call: Callable[[], Awaitable[T]]) -> T | None:
    """Ask the hospital system; when it does not answer, say so honestly and return None."""
    try:
        return await call()
    except HospitalUnavailable as exc:
        log.warning("hospital system unreachable (%s): %s", what, type(exc.__cause__ or exc).__name__)
        ctx.emit("hospital_unreachable", {"during": what})
        await _unavailable(ctx, offers, "booking" if what != "report" else "report")
        return None


async def patient_for(ctx: ActionContext, hospital: HospitalSystem, db: Database, cipher: FieldCipher,
                      offers: HospitalOffers, purpose: str) -> tuple[CardHolder, PatientRef] | None:
    """The hospital's patient for the current card; without a card, the way to bind one."""
    holder = await current_card(db, cipher, ctx.channel, ctx.sender)
    if holder is None:
        ctx.send(BotMessage(text=ctx.text(f"utter_{purpose}_needs_card"),
                            buttons=(Button(ctx.text("booking_bind_card_button"), "/bind_card"),
                                     Button(ctx.text("booking_request_doctor_button"), "/request_doctor"))))
        return None
    card = CardIdentity(holder.name, holder.id_number, holder.phone)
    found = await _ask(ctx, offers, purpose, lambda: hospital.match_patient(card))
    if found is None:
        if went_unreachable(ctx):
            return None
        ctx.utter("utter_hospital_no_patient", card=mask_name(holder.name), **contact_variables(ctx, offers))
        return None
    return holder, found


# -- booking -----------------------------------------------------------------------------------------


@action("booking_start")
async def booking_start(ctx: ActionContext, hospital: HospitalSystem, db: Database, cipher: FieldCipher,
                        offers: HospitalOffers, settings: BookingSettings) -> None:
    """Read the request (cancel, change, or book: department, doctor, day, hour) and take the next step."""
    service = ctx.slot("booking_service")
    ctx.set_slot("booking_service", None)
    _clear(ctx)
    departments = await _ask(ctx, offers, "booking", hospital.departments)
    if departments is None:
        return
    doctors = []
    for department in departments:
        listed = await _ask(ctx, offers, "booking", lambda d=department: hospital.doctors(d.code))  # type: ignore[misc]
        if listed is None:
            return
        doctors.extend(listed)
    today = dt.datetime.now(settings.timezone).date()
    text = ctx.message.text if ctx.message is not None and ctx.message.text else ""
    request = read_request(text, departments, doctors, today) if not text.startswith("/") else Request()
    if service == NUCLEIC_ACID:
        request = Request("book", NUCLEIC_ACID, None, request.day, request.half, request.hour)
    if request.mode in ("cancel", "reschedule", "list"):
        await _list_appointments(ctx, hospital, db, cipher, offers, settings, request.mode)
        return
    ctx.set_slot("booking_mode", "book")
    ctx.set_slot("booking_department", request.department)
    ctx.set_slot("booking_doctor", request.doctor)
    ctx.set_slot("booking_day", request.day.isoformat() if request.day else None)
    ctx.set_slot("booking_half", request.half)
    ctx.set_slot("booking_hour", request.hour)
    await booking_next(ctx, hospital, db, cipher, offers, settings)


@action("booking_next")
async def booking_next(ctx: ActionContext, hospital: HospitalSystem, db: Database, cipher: FieldCipher,
                       offers: HospitalOffers, settings: BookingSettings) -> None:
    """The next question: which card is missing, then department, day, hour."""
    zone = settings.timezone
    if await patient_for(ctx, hospital, db, cipher, offers, "booking") is None:
        return
    # Newcomer trial 12: a sample roster says so once, in a plain note — never "（示例）" in a doctor's name.
    # Only the embedded system has a roster file (a hospital's own system is real data).
    note = getattr(getattr(hospital, "roster", None), "sample_note", "")
    if note and not ctx.slot("booking_sample_noted"):
        ctx.send(BotMessage(text=note))
        ctx.set_slot("booking_sample_noted", True)
    departments = await _ask(ctx, offers, "booking", hospital.departments)
    if departments is None:
        return
    by_code = {d.code: d for d in departments}
    department = ctx.slot("booking_department")
    if department not in by_code:
        buttons = tuple(Button(d.name, f'/booking_choose{{"booking_department": "{d.code}"}}') for d in departments)
        ctx.send(BotMessage(text=ctx.text("utter_booking_which_department"), buttons=buttons))
        return
    today = dt.datetime.now(zone).date()
    day_text = ctx.slot("booking_day")
    doctor = ctx.slot("booking_doctor")
    if not day_text:
        days = []
        for n in range(settings.booking_days + 1):
            day = today + dt.timedelta(days=n)
            free = await _ask(ctx, offers, "booking", lambda day=day: hospital.slots(department, day, doctor))  # type: ignore[misc]
            if free is None:
                return
            if free:
                days.append(day)
        if not days:
            ctx.utter("utter_booking_no_days", department=by_code[department].name, **contact_variables(ctx, offers))
            return
        buttons = tuple(Button(day_label(d, today), f'/booking_choose{{"booking_day": "{d.isoformat()}"}}') for d in days)
        ctx.send(BotMessage(text=ctx.text("utter_booking_which_day", department=by_code[department].name), buttons=buttons))
        return
    day = dt.date.fromisoformat(str(day_text))
    free = await _ask(ctx, offers, "booking", lambda: hospital.slots(department, day, doctor))
    if free is None:
        return
    half, hour = ctx.slot("booking_half"), ctx.slot("booking_hour")
    at = dt.datetime.combine(day, dt.time(int(hour)), tzinfo=zone) if hour is not None else None
    # "3点" is the hour that holds 15:00 (14:30–15:30) or starts in that hour (15:00, 15:30).
    fitting = [s for s in free if in_half(s.start.astimezone(zone).hour, half)
               and (at is None or s.start <= at < s.end or s.start.astimezone(zone).hour == at.hour)]
    if not fitting:
        ctx.set_slot("booking_day", None)
        ctx.set_slot("booking_half", None)
        ctx.set_slot("booking_hour", None)
        ctx.utter("utter_booking_day_full", day=day_label(day, today), department=by_code[department].name)
        await booking_next(ctx, hospital, db, cipher, offers, settings)
        return
    buttons = tuple(
        Button(f"{_hours(s, zone)} {_doctor(s) or by_code[department].name}（余{s.free}）",
               f'/booking_pick{{"booking_slot": "{s.id}"}}')
        for s in fitting[:MAX_SLOT_BUTTONS]
    )
    ctx.send(BotMessage(text=ctx.text("utter_booking_which_hour", day=day_label(day, today),
                                      department=by_code[department].name), buttons=buttons))


@action("booking_choose")
async def booking_choose(ctx: ActionContext, hospital: HospitalSystem, db: Database, cipher: FieldCipher,
                         offers: HospitalOffers, settings: BookingSettings) -> None:
    """A department or day chosen from the buttons: the next step."""
    if not ctx.slot("booking_mode"):
        ctx.set_slot("booking_mode", "book")
    await booking_next(ctx, hospital, db, cipher, offers, settings)


async def _slot_of(hospital: HospitalSystem, slot_id: str, appointment_department: str | None,
                   department: str | None, day_text: str | None) -> Slot | None:
    if not department or not day_text:
        return None
    for slot in await hospital.slots(department, dt.date.fromisoformat(day_text)):
        if slot.id == slot_id:
            return slot
    return None


@action("booking_pick")
async def booking_pick(ctx: ActionContext, hospital: HospitalSystem, db: Database, cipher: FieldCipher,
                       offers: HospitalOffers, settings: BookingSettings) -> None:
    """An hour chosen: what will be booked, for whom (`booking_summary`); the flow then asks to confirm."""
    zone = settings.timezone
    ctx.set_slot("booking_summary", None)
    ctx.set_slot("booking_confirmed", None)
    found = await patient_for(ctx, hospital, db, cipher, offers, "booking")
    if found is None:
        return
    holder, _ = found
    slot_id = str(ctx.slot("booking_slot") or "")
    slot = await _ask(ctx, offers, "booking", lambda: _slot_of(hospital, slot_id, None, ctx.slot("booking_department"),
                                                                ctx.slot("booking_day")))
    if went_unreachable(ctx):
        return
    if slot is None:
        ctx.utter("utter_booking_error_slot_taken")
        ctx.set_slot("booking_slot", None)
        await booking_next(ctx, hospital, db, cipher, offers, settings)
        return
    departments = {d.code: d for d in await hospital.departments()}
    today = dt.datetime.now(zone).date()
    key = "booking_summary_change" if ctx.slot("booking_mode") == "reschedule" else "booking_summary_book"
    ctx.set_slot("booking_summary", ctx.text(key, what=describe(ctx, slot, departments, zone, today),
                                             card=mask_name(holder.name)))


@action("booking_rechoose")
async def booking_rechoose(ctx: ActionContext, hospital: HospitalSystem, db: Database, cipher: FieldCipher,
                           offers: HospitalOffers, settings: BookingSettings) -> None:
    """Not confirmed: choose the day and hour again (department and mode stay)."""
    for slot in ("booking_slot", "booking_summary", "booking_confirmed", "booking_day", "booking_half", "booking_hour"):
        ctx.set_slot(slot, None)
    await booking_next(ctx, hospital, db, cipher, offers, settings)


async def _change_appointment(ctx: ActionContext, hospital: HospitalSystem, db: Database, cipher: FieldCipher,
                             offers: HospitalOffers, during: str,
                             change: Callable[[PatientRef], Awaitable[Appointment]]) -> tuple[CardHolder, Appointment | BookingError] | None:
    """Book, move or cancel in the hospital system for the current card: the card's holder and the appointment,
    or the hospital's refusal; None once the patient was told (no card, or the system is unreachable)."""
    found = await patient_for(ctx, hospital, db, cipher, offers, "booking")
    if found is None:
        return None
    holder, patient = found
    try:
        return holder, await change(patient)
    except HospitalUnavailable:
        ctx.emit("hospital_unreachable", {"during": during})
        await _unavailable(ctx, offers, "booking")
        return None
    except BookingError as exc:
        return holder, exc


async def _record_change(ctx: ActionContext, hospital: HospitalSystem, jobs: Jobs, settings: BookingSettings,
                         done: Appointment, event: dict[str, str], replaced: str | None, booked: bool) -> str:
    """In the turn's transaction: the replaced (or cancelled) appointment's reminders go, a booked one's are
    scheduled; the `appointment` event; the booking slots cleared. Returns the appointment in words."""
    # The hospital system first: the turn's transaction, once open, holds embedded SQLite's one writer.
    departments = {d.code: d for d in await hospital.departments()}
    session = await ctx.transaction()
    if replaced:
        await cancel_reminders(jobs, session, replaced)
    if booked:
        await schedule_reminders(jobs, session, ctx.conversation_id, done, settings)
    ctx.emit("appointment", event, actor="patient")
    _clear(ctx)
    return describe(ctx, done, departments, settings.timezone, dt.datetime.now(settings.timezone).date())


@action("booking_confirm")
async def booking_confirm(ctx: ActionContext, hospital: HospitalSystem, db: Database, cipher: FieldCipher,
                          offers: HospitalOffers, settings: BookingSettings, jobs: Jobs) -> None:
    """Book (or move) the appointment in the hospital system, then record it and schedule its reminders."""
    slot_id = str(ctx.slot("booking_slot") or "")
    moving = bool(ctx.slot("booking_mode") == "reschedule" and ctx.slot("booking_appointment"))
    old = str(ctx.slot("booking_appointment") or "")

    async def change(patient: PatientRef) -> Appointment:
        if not slot_id:
            raise BookingError("unknown_slot")
        return await (hospital.reschedule(patient, old, slot_id) if moving else hospital.book(patient, slot_id))

    outcome = await _change_appointment(ctx, hospital, db, cipher, offers, "booking", change)
    if outcome is None:
        return
    holder, done = outcome
    if isinstance(done, BookingError):
        ctx.utter(f"utter_booking_error_{done.code}")
        ctx.set_slot("booking_slot", None)
        if done.code == "slot_taken":
            await booking_next(ctx, hospital, db, cipher, offers, settings)
        return
    what = await _record_change(
        ctx, hospital, jobs, settings, done,
        {"status": "rescheduled" if moving else "booked", "appointment": done.id, "department": done.department,
         "start": done.start.isoformat(), **({"replaces": old} if moving else {})},
        replaced=old if moving else None, booked=True)
    number = ctx.text("booking_number", number=done.number) if done.number else ""
    ctx.utter("utter_booking_changed" if moving else "utter_booking_done", what=what, card=mask_name(holder.name),
              number=number, reminder=settings.reminder_time.strftime("%H:%M"))


# -- the patient's appointments: list, cancel, reschedule --------------------------------------------


async def _list_appointments(ctx: ActionContext, hospital: HospitalSystem, db: Database, cipher: FieldCipher,
                             offers: HospitalOffers, settings: BookingSettings, mode: str) -> None:
    zone = settings.timezone
    found = await patient_for(ctx, hospital, db, cipher, offers, "booking")
    if found is None:
        return
    _, patient = found
    listed = await _ask(ctx, offers, "booking", lambda: hospital.appointments(patient))
    if listed is None:
        return
    if not listed:
        ctx.send(BotMessage(text=ctx.text("utter_booking_none"),
                            buttons=(Button(ctx.text("booking_book_button"), "/booking_choose"),)))
        return
    departments = {d.code: d for d in await hospital.departments()}
    today = dt.datetime.now(zone).date()
    lines = [f"{n}. {describe(ctx, a, departments, zone, today)}" for n, a in enumerate(listed, start=1)]
    if mode == "cancel" and len(listed) == 1:
        ctx.set_slot("booking_appointment", listed[0].id)
        await _confirm_cancel(ctx, describe(ctx, listed[0], departments, zone, today), listed[0].id)
        return
    intent = {"cancel": "booking_cancel", "reschedule": "booking_reschedule"}.get(mode)
    if intent is None:
        buttons = [Button(ctx.text("booking_cancel_button"), "/booking_cancel"),
                   Button(ctx.text("booking_change_button"), "/booking_reschedule")]
    else:
        buttons = [Button(f"{n}. {describe(ctx, a, departments, zone, today)}",
                          f'/{intent}{{"booking_appointment": "{a.id}"}}') for n, a in enumerate(listed, start=1)]
    ctx.send(BotMessage(text=ctx.text(f"utter_booking_list_{mode}", appointments="\n".join(lines)),
                        buttons=tuple(buttons)))


async def _confirm_cancel(ctx: ActionContext, what: str, appointment_id: str) -> None:
    """The appointment to cancel; the flow then asks to confirm (`booking_cancel_summary`)."""
    ctx.set_slot("booking_appointment", appointment_id)
    ctx.set_slot("booking_cancel_summary", what)
    ctx.set_slot("booking_confirmed", None)


async def _chosen_appointment(ctx: ActionContext, hospital: HospitalSystem, db: Database, cipher: FieldCipher,
                              offers: HospitalOffers, settings: BookingSettings, mode: str) -> Appointment | None:
    """The appointment chosen (`booking_appointment`), found among the card's: none chosen yet, the list to
    choose from (for `mode`); no longer the patient's, said so. None when there is nothing to act on yet."""
    chosen = ctx.slot("booking_appointment")
    if not chosen:
        await _list_appointments(ctx, hospital, db, cipher, offers, settings, mode)
        return None
    found = await patient_for(ctx, hospital, db, cipher, offers, "booking")
    if found is None:
        return None
    listed = await _ask(ctx, offers, "booking", lambda: hospital.appointments(found[1]))
    mine = next((a for a in listed or () if a.id == str(chosen)), None)
    if listed is not None and mine is None:
        if mode == "cancel":
            ctx.set_slot("booking_appointment", None)
        else:
            _clear(ctx)
        ctx.utter("utter_booking_error_unknown_appointment")
    return mine


@action("booking_cancel_pick")
async def booking_cancel_pick(ctx: ActionContext, hospital: HospitalSystem, db: Database, cipher: FieldCipher,
                              offers: HospitalOffers, settings: BookingSettings) -> None:
    """Which appointment to cancel (listed when none is chosen yet), then ask to confirm."""
    ctx.set_slot("booking_cancel_summary", None)
    mine = await _chosen_appointment(ctx, hospital, db, cipher, offers, settings, "cancel")
    if mine is None:
        return
    zone = settings.timezone
    departments = {d.code: d for d in await hospital.departments()}
    await _confirm_cancel(ctx, describe(ctx, mine, departments, zone, dt.datetime.now(zone).date()), mine.id)


@action("booking_cancel_confirm")
async def booking_cancel_confirm(ctx: ActionContext, hospital: HospitalSystem, db: Database, cipher: FieldCipher,
                                 offers: HospitalOffers, settings: BookingSettings, jobs: Jobs) -> None:
    """Cancel the chosen appointment in the hospital system, then its reminders."""
    chosen = str(ctx.slot("booking_appointment") or "")
    outcome = await _change_appointment(ctx, hospital, db, cipher, offers, "cancel",
                                        lambda patient: hospital.cancel(patient, chosen))
    if outcome is None:
        return
    cancelled = outcome[1]
    if isinstance(cancelled, BookingError):
        _clear(ctx)
        ctx.utter(f"utter_booking_error_{cancelled.code}")
        return
    what = await _record_change(ctx, hospital, jobs, settings, cancelled,
                                {"status": "cancelled", "appointment": cancelled.id}, replaced=cancelled.id, booked=False)
    ctx.utter("utter_booking_cancelled", what=what)


@action("booking_keep")
async def booking_keep(ctx: ActionContext) -> None:
    """Not cancelled ("不取消了", the button, or a plain no): the appointment stays, named again."""
    what = ctx.slot("booking_cancel_summary")
    _clear(ctx)
    if what:
        ctx.utter("utter_booking_kept_summary", what=what)
    else:
        ctx.utter("utter_booking_kept")


@action("booking_reschedule_pick")
async def booking_reschedule_pick(ctx: ActionContext, hospital: HospitalSystem, db: Database, cipher: FieldCipher,
                                  offers: HospitalOffers, settings: BookingSettings) -> None:
    """Which appointment to move (listed when none is chosen yet); then the new day and hour."""
    mine = await _chosen_appointment(ctx, hospital, db, cipher, offers, settings, "reschedule")
    if mine is None:
        return
    ctx.set_slot("booking_mode", "reschedule")
    ctx.set_slot("booking_department", mine.department)
    ctx.set_slot("booking_doctor", None)
    ctx.set_slot("booking_day", None)
    await booking_next(ctx, hospital, db, cipher, offers, settings)
