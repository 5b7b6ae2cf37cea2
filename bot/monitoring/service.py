"""The monitoring domain: readings into each patient's series, checked against thresholds and the trend.

`record` works inside the caller's transaction (a patient's turn, a device's request) and returns
what the readings meant (`Assessment`); telling the doctors is left to the caller, after commit
(`alert`). Every reading is checked from what the patient row keeps (the newest values, the last
three of each measure, the patient's own thresholds), so a batch of readings costs one read of the
patients it names and one insert of its rows.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config, ConfigError
from bot.consultations import Consultations, DepartmentAlert, RedFlag
from bot.crypto import DecryptionError, FieldCipher
from bot.db import Database, utcnow
from bot.monitoring.measures import MEASURES, SOURCES, ReadingError
from bot.monitoring.models import AlertRow, DeviceRow, MonitoredPatient, NoteRow, ReadingRow
from bot.monitoring.people import Person, candidates, member_key, relation_of
from bot.monitoring.thresholds import TREND_LENGTH, Breach, Thresholds, rank
from bot.patients import MedicalCard, id_number_birth_date, id_number_sex, mask_id_number, mask_name
from bot.pubsub import PubSub

NOTE_CONTEXT = "monitoring_note"
MAX_NOTE_CHARS = 2000


@dataclass(frozen=True)
class Settings:
    """config.yml `monitoring:`: reminder times, quiet hours, how long enrolment lasts."""

    timezone: ZoneInfo
    morning: dt.time
    evening: dt.time
    quiet_start: dt.time
    quiet_end: dt.time
    days: int
    urgent_followup_hours: float
    silent_hours: float

    @classmethod
    def from_config(cls, config: Config) -> "Settings":
        section = config.section("monitoring")

        def at(key: str, default: str) -> dt.time:
            raw = str(section.get(key, default))
            try:
                return dt.time.fromisoformat(raw)
            except ValueError:
                raise ConfigError(f"monitoring.{key} must be HH:MM, not {raw!r}") from None

        try:
            zone = ZoneInfo(str(section.get("timezone", "Asia/Shanghai")))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"monitoring.timezone {section.get('timezone')!r} is not a known time zone") from None
        quiet = section.get("quiet_hours") or {}
        days = section.get("days", 14)
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 365:
            raise ConfigError(f"monitoring.days must be a whole number from 1 to 365, not {days!r}")
        return cls(
            timezone=zone, morning=at("morning", "08:00"), evening=at("evening", "20:00"),
            quiet_start=dt.time.fromisoformat(str(quiet.get("start", "22:00"))),
            quiet_end=dt.time.fromisoformat(str(quiet.get("end", "07:00"))),
            days=days, urgent_followup_hours=float(section.get("urgent_followup_hours", 4)),
            silent_hours=float(section.get("silent_hours", 36)),
        )

    def quiet(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(self.timezone).time()
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= local < self.quiet_end
        return local >= self.quiet_start or local < self.quiet_end

    def out_of_quiet(self, moment: dt.datetime) -> dt.datetime:
        """`moment`, or the end of the quiet hours it falls in."""
        if not self.quiet(moment):
            return moment
        local = moment.astimezone(self.timezone)
        end = dt.datetime.combine(local.date(), self.quiet_end, tzinfo=self.timezone)
        if end <= local:
            end += dt.timedelta(days=1)
        return end.astimezone(dt.timezone.utc)

    def next_at(self, at: dt.time, after: dt.datetime) -> dt.datetime:
        """The next moment (UTC) at local time `at` after `after`, moved out of the quiet hours."""
        local = after.astimezone(self.timezone)
        due = dt.datetime.combine(local.date(), at, tzinfo=self.timezone)
        if due <= local:
            due = dt.datetime.combine(local.date() + dt.timedelta(days=1), at, tzinfo=self.timezone)
        return self.out_of_quiet(due.astimezone(dt.timezone.utc))


@dataclass(frozen=True)
class Reading:
    measure: str
    value: float
    source: str
    taken_at: dt.datetime | None = None
    context: str = ""
    device_reading_id: str | None = None

    def checked(self) -> "Reading":
        if self.measure not in MEASURES:
            raise ReadingError(f"unknown measure {self.measure!r}; known: {', '.join(MEASURES)}")
        if self.source not in SOURCES:
            raise ReadingError(f"unknown source {self.source!r}")
        if not MEASURES[self.measure].plausible(self.value):
            m = MEASURES[self.measure]
            raise ReadingError(f"{self.measure} {self.value} is outside {m.low}–{m.high} {m.unit}")
        return self


@dataclass(frozen=True)
class Assessment:
    """What a patient's new readings meant."""

    patient_id: int
    conversation_id: str
    department: str
    readings: tuple[Reading, ...] = ()
    breaches: tuple[Breach, ...] = ()
    trends: tuple[str, ...] = ()  # measures that moved the worse way TREND_LENGTH times in a row
    duplicates: int = 0

    @property
    def level(self) -> str:
        return max((b.level for b in self.breaches), key=rank, default="")

    def reasons(self) -> list[str]:
        return [b.reason() for b in self.breaches]

    def to_dict(self) -> dict[str, Any]:
        return {
            "readings": [{"measure": r.measure, "value": r.value, "unit": MEASURES[r.measure].unit, "source": r.source,
                          **({"context": r.context} if r.context else {}),
                          **({"taken_at": r.taken_at.isoformat()} if r.taken_at else {})} for r in self.readings],
            "breaches": [b.to_dict() for b in self.breaches], "trends": list(self.trends), "level": self.level,
        }


@dataclass(frozen=True)
class CardFacts:
    """A monitored person's medical card as the console shows it: masked."""

    name: str
    id_number: str
    age: float | None
    sex: str | None


@dataclass
class PatientView:
    """A monitored patient as the console lists them."""

    row: MonitoredPatient
    flags: list[str] = field(default_factory=list)

    def to_dict(self, now: dt.datetime) -> dict[str, Any]:
        r = self.row
        since = (now - _aware(r.last_reading_at)).total_seconds() / 3600 if r.last_reading_at else None
        return {
            "id": r.id, "relation": r.relation, "card": r.card_id is not None,
            "department": r.department, "enrolled": r.enrolled, "reason": r.reason,
            "level": r.level, "flags": self.flags, "latest": r.latest,
            "last_reading_at": r.last_reading_at.isoformat() if r.last_reading_at else None,
            "hours_since_reading": round(since, 1) if since is not None else None,
            "enrolled_at": r.enrolled_at.isoformat() if r.enrolled_at else None,
            "thresholds": r.thresholds, "schedule": r.schedule,
        }


def _aware(moment: dt.datetime | None) -> dt.datetime:
    assert moment is not None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)  # SQLite gives naive UTC back


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Monitoring:
    def __init__(self, db: Database, pubsub: PubSub, consultations: Consultations, cipher: FieldCipher,
                 settings: Settings, thresholds: Thresholds | None = None) -> None:
        self.db = db
        self.pubsub = pubsub
        self.consultations = consultations
        self.cipher = cipher
        self.settings = settings
        self.thresholds = thresholds or Thresholds.load()

    # ---- patients ----------------------------------------------------------------------------

    async def patient_for(self, session: AsyncSession, conversation_id: str, channel: str = "",
                          slots: dict[str, Any] | None = None, person: Person | None = None) -> MonitoredPatient:
        """The person's monitoring row (by default whom the conversation is about: its `subject` slot, their
        card when the account bound one), made on first use (its department from what the bot knows).

        The row remembers this conversation as the one last heard from: reminders and alerts go there."""
        if person is None:
            person = (await candidates(session, conversation_id, channel, relation_of((slots or {}).get("subject"))))[0]
        row = (await session.execute(
            select(MonitoredPatient).where(MonitoredPatient.patient_key == person.key))).scalar_one_or_none()
        if row is None and person.card_id is not None:
            # Followed before the card was bound: the family member's series becomes the card's.
            row = (await session.execute(select(MonitoredPatient).where(
                MonitoredPatient.patient_key == member_key(conversation_id, person.relation)))).scalar_one_or_none()
            if row is not None:
                row.patient_key = person.key
        if row is None and person.sex is not None:
            # 我妈 named for the first time: the series begun as 父母 (no sex said) is hers, unless the other
            # parent has already taken it over.
            other = "female" if person.sex == "male" else "male"
            taken = await session.scalar(select(MonitoredPatient.id).where(
                MonitoredPatient.patient_key == member_key(conversation_id, person.relation, other)))
            if taken is None:
                row = (await session.execute(select(MonitoredPatient).where(
                    MonitoredPatient.patient_key == member_key(conversation_id, person.relation)))).scalar_one_or_none()
                if row is not None:
                    row.patient_key = person.key
        if row is None:
            department = self.consultations.department_for(slots or {}).code
            row = MonitoredPatient(patient_key=person.key, relation=person.relation, card_id=person.card_id,
                                   conversation_id=conversation_id, channel=channel, department=department,
                                   enrolled=False, reason="", schedule={}, thresholds={}, latest={}, recent={},
                                   flags={}, level="", created_at=utcnow())
            session.add(row)
            await session.flush()
        else:
            row.conversation_id, row.relation = conversation_id, person.relation
            row.card_id = person.card_id if person.card_id is not None else row.card_id
            if channel:
                row.channel = channel
        await self._learn_age(session, row, person, slots or {})
        return row

    async def _learn_age(self, session: AsyncSession, row: MonitoredPatient, person: Person, slots: dict[str, Any]) -> None:
        """The person's birth date: the card's; else estimated from the age the intake was told, when the
        conversation is about this person (never from the speaker's age for someone else's reading)."""
        if row.card_id is not None:
            if row.born is None:
                card = await session.get(MedicalCard, row.card_id)
                try:
                    number = self.cipher.decrypt(card.id_number_enc, "medical_cards.id_number") if card else ""
                except DecryptionError:
                    number = ""
                row.born = id_number_birth_date(number) if number else None
            if row.born is not None:
                return
        age = slots.get("age")
        if isinstance(age, int | float) and not isinstance(age, bool) and 0 <= age <= 120 \
                and relation_of(slots.get("subject")) == person.relation:
            born = dt.date.today() - dt.timedelta(days=round(float(age) * 365.25))
            if row.born is None or abs((row.born - born).days) > 366:
                row.born = born

    @staticmethod
    def age_years(row: MonitoredPatient, today: dt.date | None = None) -> float | None:
        """The person's age (the card's birth date, else the intake's age); None when not known."""
        if row.born is None:
            return None
        return max(0.0, ((today or dt.date.today()) - row.born).days / 365.25)

    async def candidates(self, session: AsyncSession, conversation_id: str, channel: str, subject: Any,
                         sex: str | None = None) -> list[Person]:
        """Who a `subject` value may be on the conversation's account (several: two cards of that relation);
        `sex`: a parent named as 我爸 / 我妈."""
        return await candidates(session, conversation_id, channel, relation_of(subject), sex)

    async def followed(self, session: AsyncSession, conversation_id: str) -> list[MonitoredPatient]:
        """The people followed from this conversation (enrolled, or with readings), oldest first."""
        return list((await session.execute(select(MonitoredPatient).where(
            MonitoredPatient.conversation_id == conversation_id,
            MonitoredPatient.enrolled.is_(True) | MonitoredPatient.last_reading_at.is_not(None)).order_by(
            MonitoredPatient.id))).scalars())

    async def cards(self, rows: Iterable[MonitoredPatient]) -> dict[int, CardFacts]:
        """What each row's card says, masked (张*丰, 1101**********002X, age, sex), by row id; none for a
        family member without a card, or a card that cannot be read any more."""
        ids = {r.id: r.card_id for r in rows if r.card_id is not None}
        if not ids:
            return {}
        async with self.db.session() as session:
            cards = {c.id: c for c in (await session.execute(
                select(MedicalCard).where(MedicalCard.id.in_(set(ids.values()))))).scalars()}
        found = {}
        for row_id, card_id in ids.items():
            card = cards.get(card_id)
            if card is None:
                continue
            try:
                name = self.cipher.decrypt(card.name_enc, "medical_cards.name")
                number = self.cipher.decrypt(card.id_number_enc, "medical_cards.id_number")
            except DecryptionError:  # a card erased or sealed: no name
                continue
            born = id_number_birth_date(number)
            found[row_id] = CardFacts(mask_name(name), mask_id_number(number),
                                      round((dt.date.today() - born).days / 365.25, 2) if born else None,
                                      id_number_sex(number) if born else None)
        return found

    async def masked_names(self, rows: Iterable[MonitoredPatient]) -> dict[int, str]:
        """The masked name on each row's card (张*丰), by row id."""
        return {k: v.name for k, v in (await self.cards(rows)).items()}

    async def get(self, patient_id: int) -> MonitoredPatient | None:
        async with self.db.session() as session:
            return await session.get(MonitoredPatient, patient_id)

    async def enrol(self, session: AsyncSession, conversation_id: str, channel: str, slots: dict[str, Any],
                    reason: str, now: dt.datetime | None = None) -> MonitoredPatient:
        now = now or utcnow()
        row = await self.patient_for(session, conversation_id, channel, slots)
        row.department = self.consultations.department_for(slots).code
        row.enrolled, row.reason, row.enrolled_at = True, reason, now
        row.until = now + dt.timedelta(days=self.settings.days)
        row.stopped_at, row.stopped_by = None, None
        if not row.schedule:
            row.schedule = {"morning": self.settings.morning.strftime("%H:%M"),
                            "evening": self.settings.evening.strftime("%H:%M"), "medications": []}
        return row

    async def stop(self, session: AsyncSession, row: MonitoredPatient, by: str) -> None:
        row.enrolled, row.stopped_at, row.stopped_by = False, utcnow(), by

    async def enrolled(self, conversation_id: str) -> list[MonitoredPatient]:
        """The people of this conversation being followed now."""
        async with self.db.session() as session:
            return list((await session.execute(select(MonitoredPatient).where(
                MonitoredPatient.conversation_id == conversation_id, MonitoredPatient.enrolled.is_(True)).order_by(
                MonitoredPatient.id))).scalars())

    async def prompted(self, patient_id: int, at: dt.datetime) -> None:
        async with self.db.transaction() as session:
            await session.execute(update(MonitoredPatient).where(MonitoredPatient.id == patient_id).values(last_prompt_at=at))

    # ---- readings ----------------------------------------------------------------------------

    async def record(self, session: AsyncSession, row: MonitoredPatient, readings: Iterable[Reading],
                     now: dt.datetime | None = None, device_id: int | None = None) -> Assessment:
        """Add readings to one patient's series (in `session`), and check them."""
        [assessment] = await self.record_many(session, [(row, list(readings))], now, device_id)
        return assessment

    async def record_many(self, session: AsyncSession, batch: list[tuple[MonitoredPatient, list[Reading]]],
                          now: dt.datetime | None = None, device_id: int | None = None) -> list[Assessment]:
        """Readings of many patients in one insert; a device's reading id seen before is skipped."""
        now = now or utcnow()
        seen: set[str] = set()
        if device_id is not None:
            ids = [r.device_reading_id for _, rs in batch for r in rs if r.device_reading_id]
            if ids:
                seen = {i for i in (await session.execute(select(ReadingRow.device_reading_id).where(
                    ReadingRow.device_id == device_id, ReadingRow.device_reading_id.in_(ids)))).scalars() if i}
        rows: list[dict[str, Any]] = []
        alerts: list[dict[str, Any]] = []
        out = []
        for patient, readings in batch:
            fresh, duplicates = [], 0
            for reading in readings:
                reading.checked()
                if reading.device_reading_id and reading.device_reading_id in seen:
                    duplicates += 1
                    continue
                if reading.device_reading_id:
                    seen.add(reading.device_reading_id)
                fresh.append(reading)
            assessment = self._apply(patient, fresh, now, duplicates)
            for r in fresh:
                rows.append({"patient_id": patient.id, "measure": r.measure, "value": r.value,
                             "unit": MEASURES[r.measure].unit, "context": r.context, "source": r.source,
                             "taken_at": r.taken_at or now, "recorded_at": now, "device_id": device_id,
                             "device_reading_id": r.device_reading_id})
            for b in assessment.breaches:
                alerts.append({"patient_id": patient.id, "kind": "threshold", "measure": b.measure, "value": b.value,
                               "level": b.level, "reason": b.reason(), "created_at": now})
            for measure in assessment.trends:
                m = MEASURES[measure]
                values = "→".join(m.show(v) for v in patient.recent[measure][-TREND_LENGTH:])
                alerts.append({"patient_id": patient.id, "kind": "trend", "measure": measure,
                               "value": patient.recent[measure][-1], "level": "consult",
                               "reason": f"{m.name}连续 {TREND_LENGTH} 次变差：{values}{m.unit}", "created_at": now})
            out.append(assessment)
        if rows:
            await session.execute(insert(ReadingRow), rows)
        if alerts:
            await session.execute(insert(AlertRow), alerts)
        return out

    def _apply(self, patient: MonitoredPatient, readings: list[Reading], now: dt.datetime, duplicates: int) -> Assessment:
        """Check the readings against the patient's thresholds and trend; bring the row's summary up to date."""
        limits = self.thresholds.for_patient(patient.thresholds, self.age_years(patient))
        latest, recent, flags = dict(patient.latest or {}), dict(patient.recent or {}), dict(patient.flags or {})
        breaches: list[Breach] = []
        trends: list[str] = []
        for r in sorted(readings, key=lambda r: r.taken_at or now):
            at = r.taken_at or now
            previous = latest.get(r.measure)
            if previous is None or str(previous.get("at", "")) <= at.isoformat():
                latest[r.measure] = {"value": r.value, "at": at.isoformat(), "source": r.source}
            values = list(recent.get(r.measure) or [])
            if previous is None or str(previous.get("at", "")) <= at.isoformat():
                # An earlier reading told later ("昨晚体温38度5") is in the series, not the newest of the trend.
                values = (values + [r.value])[-TREND_LENGTH:]
                recent[r.measure] = values
            breach = self.thresholds.check(r.measure, r.value, limits)
            persistent = self.thresholds.persistent.get(r.measure)
            run = dict(flags.get("run") or {})
            if breach is not None and persistent is not None:
                started = run.get(r.measure) or at.isoformat()
                run[r.measure] = started
                hours = (at - dt.datetime.fromisoformat(started)).total_seconds() / 3600
                if hours > persistent[0]:
                    breach = Breach(r.measure, r.value, breach.limit, persistent[1], persistent_hours=hours)
            elif persistent is not None:
                run.pop(r.measure, None)
            flags["run"] = run
            if breach is not None:
                breaches.append(breach)
                flags["threshold"] = {"measure": r.measure, "reason": breach.reason(), "level": breach.level, "at": at.isoformat()}
            if self.thresholds.trend(r.measure, values):
                trends.append(r.measure)
                flags["trend"] = {"measure": r.measure, "values": values, "at": at.isoformat()}
        assessment = Assessment(patient.id, patient.conversation_id, patient.department, tuple(readings),
                                tuple(breaches), tuple(dict.fromkeys(trends)), duplicates)
        if readings:
            patient.latest, patient.recent, patient.flags = latest, recent, flags
            newest = max(r.taken_at or now for r in readings)
            if patient.last_reading_at is None or _aware(patient.last_reading_at) < newest:
                patient.last_reading_at = newest
            if rank(assessment.level) > rank(patient.level):
                patient.level = assessment.level
        return assessment

    async def alert(self, assessment: Assessment, text: str) -> None:
        """Tell the doctors on duty for the patient's department of a reading at `urgent` or above."""
        if rank(assessment.level) < rank("urgent"):
            return
        department = self.consultations.departments.get(assessment.department)
        flag = RedFlag(level=assessment.level, reasons=tuple(assessment.reasons()),
                       rules=tuple(b.rule for b in assessment.breaches))
        notice = DepartmentAlert(assessment.conversation_id, department.code, department.name, flag, text, utcnow())
        for topic in await self.consultations.alert_topics(department.code):
            await self.pubsub.publish(topic, notice)

    # ---- the doctor's view -------------------------------------------------------------------

    def view(self, row: MonitoredPatient, now: dt.datetime) -> PatientView:
        flags = [k for k in ("threshold", "trend") if (row.flags or {}).get(k)]
        if row.enrolled:
            since = row.last_reading_at or row.enrolled_at
            if since is not None and (now - _aware(since)).total_seconds() > self.settings.silent_hours * 3600:
                flags.append("silent")  # asked, and no reading came back
        return PatientView(row, flags)

    async def patients(self, departments: list[str] | None, now: dt.datetime | None = None) -> list[PatientView]:
        """Monitored patients (enrolled, or with readings) of these departments (None: all), most worrying first."""
        now = now or utcnow()
        query = select(MonitoredPatient).where(
            (MonitoredPatient.enrolled.is_(True)) | (MonitoredPatient.last_reading_at.is_not(None)))
        if departments is not None:
            query = query.where(MonitoredPatient.department.in_(departments))
        async with self.db.session() as session:
            rows = list((await session.execute(query.limit(2000))).scalars())
        views = [self.view(r, now) for r in rows]
        views.sort(key=lambda v: (-rank(v.row.level), -len(v.flags), -(_aware(v.row.last_reading_at).timestamp()
                                                                       if v.row.last_reading_at else 0)))
        return views

    async def series(self, patient_id: int, since: dt.datetime | None = None, limit: int = 2000) -> list[ReadingRow]:
        query = select(ReadingRow).where(ReadingRow.patient_id == patient_id)
        if since is not None:
            query = query.where(ReadingRow.taken_at >= since)
        async with self.db.session() as session:
            rows = list((await session.execute(query.order_by(ReadingRow.taken_at.desc(), ReadingRow.id.desc()).limit(limit))).scalars())
        return rows[::-1]

    async def alerts(self, patient_id: int, limit: int = 50) -> list[AlertRow]:
        async with self.db.session() as session:
            return list((await session.execute(select(AlertRow).where(AlertRow.patient_id == patient_id)
                                               .order_by(AlertRow.id.desc()).limit(limit))).scalars())

    async def set_threshold(self, patient_id: int, measure: str, side: str, value: float | None) -> MonitoredPatient:
        async with self.db.transaction() as session:
            row = await session.get(MonitoredPatient, patient_id)
            if row is None:
                raise ReadingError("no such patient")
            own = {k: dict(v) for k, v in (row.thresholds or {}).items()}
            if value is None:
                own.get(measure, {}).pop(side, None)
            else:
                own.setdefault(measure, {})[side] = value
            row.thresholds = {k: v for k, v in own.items() if v}
            row.level = ""  # the doctor has looked: the level is counted again from here
            return row

    async def add_note(self, patient_id: int, author: str, author_name: str, text: str) -> NoteRow:
        async with self.db.transaction() as session:
            note = NoteRow(patient_id=patient_id, author=author, author_name=author_name,
                           text_encrypted=self.cipher.encrypt(text, NOTE_CONTEXT), created_at=utcnow())
            session.add(note)
            await session.flush()
            return note

    async def notes(self, patient_id: int) -> list[dict[str, Any]]:
        async with self.db.session() as session:
            rows = list((await session.execute(select(NoteRow).where(NoteRow.patient_id == patient_id)
                                               .order_by(NoteRow.id.desc()).limit(100))).scalars())
        return [{"id": n.id, "author": n.author_name or n.author, "at": _aware(n.created_at).isoformat(),
                 "text": self.cipher.decrypt(n.text_encrypted, NOTE_CONTEXT)} for n in rows]

    # ---- devices -----------------------------------------------------------------------------

    async def add_device(self, patient_id: int, name: str) -> tuple[DeviceRow, str]:
        """A new device of one patient and its token (shown once; only its hash is kept)."""
        token = "wzd_" + secrets.token_urlsafe(32)
        async with self.db.transaction() as session:
            if await session.get(MonitoredPatient, patient_id) is None:
                raise ReadingError("no such patient")
            device = DeviceRow(name=name[:64], token_hash=token_hash(token), patient_id=patient_id, created_at=utcnow())
            session.add(device)
            await session.flush()
            return device, token

    async def device_for(self, token: str) -> DeviceRow | None:
        async with self.db.session() as session:
            device = (await session.execute(select(DeviceRow).where(DeviceRow.token_hash == token_hash(token)))).scalar_one_or_none()
        return device if device is not None and device.revoked_at is None else None


def build_monitoring(config: Config, db: Database, pubsub: PubSub, consultations: Consultations,
                     cipher: FieldCipher) -> Monitoring:
    return Monitoring(db, pubsub, consultations, cipher, Settings.from_config(config))


__all__ = ["Assessment", "Monitoring", "PatientView", "Reading", "Settings", "build_monitoring", "token_hash"]
