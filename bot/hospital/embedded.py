"""The embedded hospital system: the bot's own tables, so booking and reports work out of the box.

Clinic hours come from an outpatient roster file (`content/hospital/clinics.yml`: departments,
doctors and their weekly clinic hours, read with the roster parsers of bot/consultations/roster.py);
each clinic hour becomes an hourly slot with a capacity, written to `hospital_slots` the first time
a day is asked for. Appointments take a place in a slot (one UPDATE that cannot overbook) and get
the next queue number of their slot. Reports are uploaded by staff (`wenzhen hospital report-add`)
and stored encrypted with the field cipher; patients are known only by the keyed hash of their
ID-card number, never in clear.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import yaml

from nlu.yaml_files import load_yaml
from sqlalchemy import DateTime, Integer, String, Text, UniqueConstraint, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from bot.consultations.roster import RosterError, parse_minute, parse_weekdays
from bot.crypto import FieldCipher
from bot.db import Base, Database, utcnow
from bot.hospital import (
    Appointment,
    BookingError,
    CardIdentity,
    Department,
    Doctor,
    Observation,
    PatientRef,
    Report,
    Schedule,
    Slot,
)

if TYPE_CHECKING:
    from bot.supervision.audit import AuditEntry, AuditTrail

BOOKED = "booked"
CANCELLED = "cancelled"


class ClinicFileError(ValueError):
    """The clinic roster file is wrong; the message names the file and the entry."""


class HospitalSlotRow(Base):
    __tablename__ = "hospital_slots"
    __table_args__ = (UniqueConstraint("department", "doctor_id", "start_at", name="uq_hospital_slots_hour"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(String(64), index=True)
    doctor_id: Mapped[str] = mapped_column(String(64), default="")
    start_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    end_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    issued: Mapped[int] = mapped_column(Integer, default=0)  # queue numbers handed out (never reused)


class HospitalAppointmentRow(Base):
    __tablename__ = "hospital_appointments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient: Mapped[str] = mapped_column(String(80), index=True)
    slot_id: Mapped[int] = mapped_column(Integer, index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=BOOKED)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class HospitalReportRow(Base):
    __tablename__ = "hospital_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient: Mapped[str] = mapped_column(String(80), index=True)
    title: Mapped[str] = mapped_column(String(128))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="final")
    body_encrypted: Mapped[str] = mapped_column(Text)  # the observations, JSON, encrypted
    uploaded_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


@dataclass(frozen=True)
class ClinicHours:
    """One line of the outpatient roster: a doctor (or a service) on some weekdays at some hours."""

    department: str
    doctor: str  # a doctor id, or "" for a service without a named doctor (核酸采样)
    weekdays: tuple[int, ...]
    spans: tuple[tuple[int, int], ...]  # (start minute, end minute) of local day
    per_hour: int


@dataclass(frozen=True)
class ClinicRoster:
    timezone: str
    departments: tuple[Department, ...]
    doctors: tuple[Doctor, ...]
    hours: tuple[ClinicHours, ...]
    source: str
    sample_note: str = ""  # said once to patients while the roster is sample data (clinics.yml `sample_note`)


def load_clinics(path: Path) -> ClinicRoster:
    """Read and check the outpatient roster; a wrong entry stops the start, naming file and entry."""
    try:
        raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ClinicFileError(f"{path}: {exc}") from exc
    if not raw.get("source"):
        raise ClinicFileError(f"{path}: `source` is missing (who published this roster)")
    departments = tuple(
        Department(str(d["code"]), str(d["name"]), tuple(str(a) for a in d.get("aliases") or ()))
        for d in raw.get("departments") or ()
    )
    codes = {d.code for d in departments}
    doctors = []
    for d in raw.get("doctors") or ():
        if d.get("department") not in codes:
            raise ClinicFileError(f"{path}: doctor {d.get('id')!r}: unknown department {d.get('department')!r}")
        doctors.append(Doctor(str(d["id"]), str(d["name"]), str(d.get("title") or ""), str(d["department"])))
    known_doctors = {d.id: d for d in doctors}
    hours = []
    for n, entry in enumerate(raw.get("clinics") or (), start=1):
        where = f"{path}: clinics[{n}]"
        department = str(entry.get("department"))
        doctor = str(entry.get("doctor") or "")
        if department not in codes:
            raise ClinicFileError(f"{where}: unknown department {department!r}")
        if doctor and (doctor not in known_doctors or known_doctors[doctor].department != department):
            raise ClinicFileError(f"{where}: unknown doctor {doctor!r} in {department}")
        try:
            weekdays = tuple(parse_weekdays(str(entry.get("days") or "")))
            spans = []
            for span in entry.get("hours") or ():
                start, _, end = str(span).partition("-")
                first, last = parse_minute(start), parse_minute(end)
                if last - first < 60:
                    raise RosterError(f"a clinic span holds at least one hour: {span!r}")
                spans.append((first, last))
        except RosterError as exc:
            raise ClinicFileError(f"{where}: {exc}") from exc
        per_hour = int(entry.get("per_hour") or 0)
        if per_hour < 1 or not spans:
            raise ClinicFileError(f"{where}: needs `hours` and a `per_hour` of at least 1")
        hours.append(ClinicHours(department, doctor, weekdays, tuple(spans), per_hour))
    return ClinicRoster(str(raw.get("timezone") or "Asia/Shanghai"), departments, tuple(doctors), tuple(hours),
                        str(raw["source"]), str(raw.get("sample_note") or "").strip())


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite gives back the stored wall-clock time without its zone: everything is stored in UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)


def observations_to_json(observations: list[Observation] | tuple[Observation, ...]) -> str:
    return json.dumps([o.__dict__ for o in observations], ensure_ascii=False)


def observation_from_dict(raw: dict[str, Any]) -> Observation:
    def number(key: str) -> float | None:
        value = raw.get(key)
        return None if value is None or value == "" else float(value)

    return Observation(
        name=str(raw["name"]), value=number("value"), unit=str(raw.get("unit") or ""), low=number("low"),
        high=number("high"), text=str(raw.get("text") or ""), reference_text=str(raw.get("reference_text") or ""),
        interpretation=str(raw.get("interpretation") or ""),
    )


class EmbeddedHospital:
    """A HospitalSystem on the bot's own database."""

    def __init__(self, db: Database, cipher: FieldCipher, roster: ClinicRoster, booking_days: int = 7) -> None:
        self._db = db
        self._cipher = cipher
        self.roster = roster
        self.zone = ZoneInfo(roster.timezone)
        self.booking_days = booking_days
        self._doctors = {d.id: d for d in roster.doctors}

    # -- directory -------------------------------------------------------------------------------

    async def departments(self) -> list[Department]:
        return list(self.roster.departments)

    async def doctors(self, department: str) -> list[Doctor]:
        return [d for d in self.roster.doctors if d.department == department]

    async def schedules(self, department: str) -> list[Schedule]:
        seen: dict[str, Schedule] = {}
        for hours in self.roster.hours:
            if hours.department == department:
                key = f"{department}:{hours.doctor}"
                seen.setdefault(key, Schedule(key, department, self._doctors.get(hours.doctor)))
        return list(seen.values())

    # -- slots -----------------------------------------------------------------------------------

    def _clinic_hours(self, department: str, day: dt.date) -> list[tuple[str, dt.datetime, dt.datetime, int]]:
        out = []
        for hours in self.roster.hours:
            if hours.department != department or day.weekday() not in hours.weekdays:
                continue
            for first, last in hours.spans:
                minute = first
                while minute + 60 <= last:
                    start = dt.datetime.combine(day, dt.time(), tzinfo=self.zone) + dt.timedelta(minutes=minute)
                    out.append((hours.doctor, start, start + dt.timedelta(hours=1), hours.per_hour))
                    minute += 60
        return out

    async def _materialise(self, department: str, day: dt.date) -> None:
        """Write the day's hourly slots from the roster, once (the unique hour keeps a second writer out)."""
        wanted = self._clinic_hours(department, day)
        if not wanted:
            return
        async with self._db.session() as session:
            have = {
                (doctor, _aware(start))
                for doctor, start in (await session.execute(
                    select(HospitalSlotRow.doctor_id, HospitalSlotRow.start_at).where(
                        HospitalSlotRow.department == department,
                        HospitalSlotRow.start_at >= wanted[0][1].astimezone(dt.timezone.utc) - dt.timedelta(hours=24),
                    )
                )).all()
            }
        missing = [w for w in wanted if (w[0], w[1].astimezone(dt.timezone.utc)) not in have]
        for doctor, start, end, capacity in missing:
            try:
                async with self._db.transaction() as session:
                    session.add(HospitalSlotRow(
                        department=department, doctor_id=doctor, start_at=start.astimezone(dt.timezone.utc),
                        end_at=end.astimezone(dt.timezone.utc), capacity=capacity, booked=0, issued=0,
                    ))
            except IntegrityError:
                pass  # another process wrote it first

    def _slot(self, row: HospitalSlotRow) -> Slot:
        return Slot(str(row.id), row.department, self._doctors.get(row.doctor_id), _aware(row.start_at),
                    _aware(row.end_at), row.capacity - row.booked)

    async def slots(self, department: str, day: dt.date, doctor: str | None = None) -> list[Slot]:
        today = dt.datetime.now(self.zone).date()
        if day < today or day > today + dt.timedelta(days=self.booking_days):
            return []
        await self._materialise(department, day)
        start = dt.datetime.combine(day, dt.time(), tzinfo=self.zone).astimezone(dt.timezone.utc)
        now = utcnow()
        async with self._db.session() as session:
            query = select(HospitalSlotRow).where(
                HospitalSlotRow.department == department,
                HospitalSlotRow.start_at >= max(start, now),
                HospitalSlotRow.start_at < start + dt.timedelta(days=1),
                HospitalSlotRow.booked < HospitalSlotRow.capacity,
            )
            if doctor:
                query = query.where(HospitalSlotRow.doctor_id == doctor)
            rows = (await session.scalars(query.order_by(HospitalSlotRow.start_at, HospitalSlotRow.doctor_id))).all()
        return [self._slot(r) for r in rows]

    # -- patients and appointments ---------------------------------------------------------------

    async def match_patient(self, card: CardIdentity) -> PatientRef | None:
        """Every bound card is a patient here, known by the keyed hash of its ID-card number."""
        return PatientRef(self._cipher.lookup_hash(card.id_number))

    def _appointment(self, row: HospitalAppointmentRow, slot: HospitalSlotRow) -> Appointment:
        return Appointment(str(row.id), row.patient, str(slot.id), slot.department, self._doctors.get(slot.doctor_id),
                           _aware(slot.start_at), _aware(slot.end_at), row.status, row.number)

    async def book(self, patient: PatientRef, slot_id: str) -> Appointment:
        async with self._db.transaction() as session:
            return await self._book(session, patient, slot_id)

    async def _book(self, session: Any, patient: PatientRef, slot_id: str) -> Appointment:
        slot = await session.get(HospitalSlotRow, _int(slot_id))
        if slot is None:
            raise BookingError("unknown_slot")
        if _aware(slot.start_at) <= utcnow():
            raise BookingError("slot_past")
        taken = await session.scalar(
            select(func.count()).select_from(HospitalAppointmentRow).join(
                HospitalSlotRow, HospitalSlotRow.id == HospitalAppointmentRow.slot_id
            ).where(
                HospitalAppointmentRow.patient == patient.id, HospitalAppointmentRow.status == BOOKED,
                HospitalSlotRow.department == slot.department,
                HospitalSlotRow.start_at >= _day_start(_aware(slot.start_at), self.zone),
                HospitalSlotRow.start_at < _day_start(_aware(slot.start_at), self.zone) + dt.timedelta(days=1),
            )
        )
        if taken:
            raise BookingError("already_booked")
        claimed = await session.execute(
            update(HospitalSlotRow)
            .where(HospitalSlotRow.id == slot.id, HospitalSlotRow.booked < HospitalSlotRow.capacity)
            .values(booked=HospitalSlotRow.booked + 1, issued=HospitalSlotRow.issued + 1)
        )
        if not claimed.rowcount:
            raise BookingError("slot_taken")
        await session.refresh(slot)
        row = HospitalAppointmentRow(patient=patient.id, slot_id=slot.id, number=slot.issued, status=BOOKED)
        session.add(row)
        await session.flush()
        return self._appointment(row, slot)

    async def _owned(self, session: Any, patient: PatientRef, appointment_id: str) -> tuple[HospitalAppointmentRow, HospitalSlotRow]:
        row = await session.get(HospitalAppointmentRow, _int(appointment_id))
        if row is None or row.patient != patient.id:
            raise BookingError("unknown_appointment")
        if row.status != BOOKED:
            raise BookingError("already_cancelled")
        slot = await session.get(HospitalSlotRow, row.slot_id)
        assert slot is not None
        return row, slot

    async def _release(self, session: Any, row: HospitalAppointmentRow, slot: HospitalSlotRow) -> None:
        row.status = CANCELLED
        row.cancelled_at = utcnow()
        await session.execute(
            update(HospitalSlotRow).where(HospitalSlotRow.id == slot.id).values(booked=HospitalSlotRow.booked - 1)
        )

    async def cancel(self, patient: PatientRef, appointment_id: str) -> Appointment:
        async with self._db.transaction() as session:
            row, slot = await self._owned(session, patient, appointment_id)
            if _aware(slot.start_at) <= utcnow():
                raise BookingError("too_late")
            await self._release(session, row, slot)
            await session.flush()
            return self._appointment(row, slot)

    async def reschedule(self, patient: PatientRef, appointment_id: str, slot_id: str) -> Appointment:
        """Cancel and book in one transaction: the old place is kept when the new one cannot be had."""
        async with self._db.transaction() as session:
            row, slot = await self._owned(session, patient, appointment_id)
            await self._release(session, row, slot)
            await session.flush()
            return await self._book(session, patient, slot_id)

    async def appointments(self, patient: PatientRef) -> list[Appointment]:
        async with self._db.session() as session:
            rows = (await session.execute(
                select(HospitalAppointmentRow, HospitalSlotRow)
                .join(HospitalSlotRow, HospitalSlotRow.id == HospitalAppointmentRow.slot_id)
                .where(HospitalAppointmentRow.patient == patient.id, HospitalAppointmentRow.status == BOOKED,
                       HospitalSlotRow.end_at > utcnow())
                .order_by(HospitalSlotRow.start_at)
            )).all()
        return [self._appointment(a, s) for a, s in rows]

    async def appointment(self, appointment_id: str) -> Appointment | None:
        async with self._db.session() as session:
            row = await session.get(HospitalAppointmentRow, _int(appointment_id))
            slot = await session.get(HospitalSlotRow, row.slot_id) if row is not None else None
        return self._appointment(row, slot) if row is not None and slot is not None else None

    async def waiting_ahead(self, appointment_id: str) -> int | None:
        """The booked patients of the same hour with a lower number (none has checked in here)."""
        async with self._db.session() as session:
            row = await session.get(HospitalAppointmentRow, _int(appointment_id))
            if row is None:
                return None
            return int(await session.scalar(
                select(func.count()).select_from(HospitalAppointmentRow).where(
                    HospitalAppointmentRow.slot_id == row.slot_id, HospitalAppointmentRow.status == BOOKED,
                    HospitalAppointmentRow.number < row.number,
                )
            ) or 0)

    # -- reports ---------------------------------------------------------------------------------

    async def add_report(self, id_number: str, title: str, issued: dt.datetime, observations: list[Observation],
                         uploaded_by: str = "", status: str = "final", audit: AuditTrail | None = None,
                         entry: AuditEntry | None = None) -> int:
        """A report uploaded by staff (console or CLI `wenzhen hospital report-add`), stored encrypted.

        With `audit` and `entry` (the upload's `hospital.report_add`, its object_id filled with the new
        report's id here), the row and the entry are written in one transaction: no report without
        its entry, no entry for a report that was not stored. A lost race for the chain's next link
        (another worker appending) rolls both back and is tried again, as `AuditTrail.record` does."""
        values = {"patient": self._cipher.lookup_hash(id_number), "title": title,
                  "issued_at": issued.astimezone(dt.timezone.utc), "status": status,
                  "body_encrypted": self._cipher.encrypt(observations_to_json(observations), context="hospital_report"),
                  "uploaded_by": uploaded_by, "created_at": utcnow()}
        if audit is None or entry is None:
            async with self._db.transaction() as session:
                row = HospitalReportRow(**values)
                session.add(row)
                await session.flush()
                return row.id
        if audit.db is not self._db:
            raise ValueError("the audit trail must be on the hospital system's database (one transaction)")
        for attempt in range(5):
            try:
                async with audit.writing() as conn:
                    report_id = int((await conn.execute(
                        insert(HospitalReportRow).values(**values).returning(HospitalReportRow.id))).scalar_one())
                    await audit.append(conn, [replace(entry, object_id=str(report_id), at=time.time())])
                return report_id
            except IntegrityError:
                if attempt == 4:
                    raise
                await asyncio.sleep(0.01 * (attempt + 1))
        raise AssertionError("unreachable")

    async def reports(self, patient: PatientRef) -> list[Report]:
        async with self._db.session() as session:
            rows = (await session.scalars(
                select(HospitalReportRow).where(HospitalReportRow.patient == patient.id)
                .order_by(HospitalReportRow.issued_at.desc())
            )).all()
        out = []
        for row in rows:
            body = json.loads(self._cipher.decrypt(row.body_encrypted, context="hospital_report"))
            out.append(Report(str(row.id), row.title, _aware(row.issued_at), row.status,
                              tuple(observation_from_dict(o) for o in body)))
        return out

    async def close(self) -> None:
        return None


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BookingError("unknown_slot") from None


def _day_start(at: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    local = at.astimezone(zone)
    return dt.datetime.combine(local.date(), dt.time(), tzinfo=zone).astimezone(dt.timezone.utc)
