"""The consultation lifecycle: request, pay, queue, accept, relay, transfer, invite, close, cancel, expire.

Stateless over SQL, so any worker may serve any step. Transitions a doctor (or the clock) makes
are recorded in the patient's conversation at once (`engine.record`, type `handoff`) and the
patient is told through their channel (`engine.push`). Transitions made during a patient's turn
(`request`, `cancel`) return the event for the turn to emit, because the turn holds the
conversation. Every change is also published on pub/sub (see `topics`), which is how the
console and the Telegram bot learn of it on every worker.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Protocol

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot import events as ev
from bot.events import Event
from bot import wire
from bot.consultations import lifecycle as lc
from bot.consultations.departments import Department, Departments, load_departments, load_routing
from bot.consultations.models import ConsultationRow, EmergencyAlertRow
from bot.consultations.labels import labels
from bot.consultations.notices import (
    AlertTaken,
    AlertUpdated,
    ChatLine,
    ConsultationChanged,
    DepartmentAlert,
    DoctorRef,
    Invited,
    RedFlag,
    SessionAlert,
    topics,
)
from bot.consultations.record import Consultation
from bot.consultations.roster import DEFAULT_TIMEZONE, Roster, Session
from bot.consultations.staff import LockoutPolicy, Staff, StaffDirectory
from bot.cache import Cache
from bot.config import Config
from bot.db import Database, utcnow
from bot.engine import Engine
from bot.jobs import Jobs, job
from bot.messages import BotMessage
from bot.pubsub import PubSub
from bot.responses import Responses

if TYPE_CHECKING:
    from bot.runtime import Runtime

LEVEL_PRIORITY = {"emergency": 0, "urgent": 1, "consult": 2, "selfcare": 3}
EXPIRE_JOB = "consultation_expire"
PRESENCE_SECONDS = 30  # a console or bot connection counts as present this long after its last heartbeat


class ConsultationError(Exception):
    """A consultation operation refused; `code` maps to HTTP (not_found 404, forbidden 403, conflict 409, invalid 422)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class AlertConflict(ConsultationError):
    """A doctor opens a consultation from an alert whose patient has one already: `message` says who has them (in
    Chinese, for the page), `consultation_id` the one to open when the doctor may see it."""

    def __init__(self, message: str, consultation_id: str | None) -> None:
        super().__init__("conflict", message)
        self.consultation_id = consultation_id


@dataclass(frozen=True)
class Transition:
    """A change of status and the `handoff` event that records it (who and when are the event's)."""

    consultation: Consultation
    event: dict[str, Any]
    actor: str


@dataclass(frozen=True)
class QueueEntry:
    consultation: Consultation
    position: int  # 1 = next
    wait_minutes: int  # estimate, from recent acceptance times

    def to_dict(self) -> dict[str, Any]:
        return {**self.consultation.to_dict(), "position": self.position, "wait_minutes": self.wait_minutes}


@dataclass(frozen=True)
class RequestOutcome:
    """What `request` did. `kind`:

    - `queued`: waiting now (position and wait set);
    - `payment_required`: created in `requested` until the order is paid (`consultation.order_no`);
    - `off_hours`: nothing created; `next_session` says when the department opens (ask, then call
      again with `queue_off_hours=True`);
    - `no_session`: nobody is rostered in the next two weeks;
    - `already_open`: the conversation already has an open consultation (returned).
    """

    kind: str
    department: Department
    consultation: Consultation | None = None
    transition: Transition | None = None
    position: int | None = None
    wait_minutes: int | None = None
    next_session: Session | None = None


@dataclass(frozen=True)
class Closing:
    """What a doctor writes when closing; the patient receives all of it."""

    summary: str
    advice: str = ""
    level: str | None = None  # overrides the bot's triage level when given
    followup: str = ""  # the follow-up plan, in words

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary, "advice": self.advice, "level": self.level, "followup": self.followup}


@dataclass
class Settings:
    """config.yml `consultations:` (see docs/consultations.md)."""

    timezone: str = DEFAULT_TIMEZONE
    fee_mode: str = "free"  # free | order
    minutes_per_patient: float = 8.0  # the wait estimate before any acceptance has been seen
    wait_sample: int = 10  # how many recent acceptances the estimate uses
    wait_window_hours: float = 4.0
    max_wait_hours: float = 12.0  # a queued patient expires by then even in a round-the-clock session
    lockout: LockoutPolicy = field(default_factory=LockoutPolicy)

    @classmethod
    def from_section(cls, section: dict[str, Any]) -> "Settings":
        fee = section.get("fee") or {}
        wait = section.get("wait") or {}
        console = section.get("console") or {}
        return cls(
            timezone=str(section.get("timezone", DEFAULT_TIMEZONE)),
            fee_mode=str(fee.get("mode", "free")),
            minutes_per_patient=float(wait.get("minutes_per_patient", 8)),
            wait_sample=int(wait.get("sample", 10)),
            wait_window_hours=float(wait.get("window_hours", 4)),
            max_wait_hours=float(wait.get("max_hours", 12)),
            lockout=LockoutPolicy(int(console.get("max_failed_logins", 5)), int(console.get("lockout_minutes", 15))),
        )


class InTurn(Protocol):
    """What `request`/`cancel` need of the patient's turn (an action's `ActionContext` is one)."""

    async def transaction(self) -> AsyncSession: ...

    def after_commit(self, func: Callable[[], Awaitable[Any]]) -> None: ...


WHO_ENTITIES = frozenset({"subject", "age", "sex"})


def complaint_quote(events: list[Event], said: str) -> str:
    """The patient's words an alert quotes: the message that raised it, unless it only says who the patient is —
    then the message that first named a symptom since the last restart (fix8a: an alert quoted "我爸72", the age answer that
    completed an emergency, instead of "我爸胸口疼")."""
    opening, last = "", None
    for event in events:
        if event.type == ev.RESTARTED:
            opening, last = "", None
        elif event.type == ev.USER and not str(event.data.get("text") or "").startswith("/"):
            last = event
            named = any(isinstance(e, dict) and e.get("entity") == "symptom" and not e.get("negated")
                        for e in event.data.get("entities") or [])
            if named and not opening:
                opening = str(event.data.get("text") or "")
    if last is None or str(last.data.get("text") or "") != said:
        return said
    kinds = {e.get("entity") for e in last.data.get("entities") or [] if isinstance(e, dict)}
    # Only an answer about who the patient is ("我爸72", "女的") gives way; anything else (a crisis, a reading) is the news.
    return opening if opening and kinds and kinds <= WHO_ENTITIES else said


class Consultations:
    """The live-consultation domain of one process: a service (bot/services.py) built by `build_consultations`."""

    def __init__(self, config: Config, db: Database, cache: Cache, engine: Engine, jobs: Jobs, pubsub: PubSub,
                 responses: Responses) -> None:
        self.db, self.cache, self.engine, self.jobs, self.pubsub, self.responses = db, cache, engine, jobs, pubsub, responses
        self.settings = Settings.from_section(config.section("consultations"))
        self.departments: Departments = load_departments(config)
        self.roster = Roster(db, self.settings.timezone)
        self.staff = StaffDirectory(db, self.departments.codes(), self.settings.lockout)
        self.routing = load_routing(config, self.departments)
        # Departments whose doctors may see a child (config.yml consultations.sees_children): where a
        # child is offered to go when the department asked for has nobody on duty. Unset: pediatrics only.
        configured = config.section("consultations").get("sees_children")
        self.sees_children = frozenset(str(c) for c in (configured if isinstance(configured, list) else ["pediatrics"])
                                       if str(c) in self.departments)

    def department_for(self, slots: dict[str, Any]) -> Department:
        """The department for what the bot knows: the patient's choice, else the first routing rule that holds."""
        chosen = slots.get("consult_department")
        if isinstance(chosen, str) and chosen in self.departments:
            return self.departments.get(chosen)
        for condition, code in self.routing:
            if condition.evaluate(slots):
                return self.departments.get(code)
        return self.departments.get(self.departments.default)

    async def on_duty_elsewhere(self, department: str, child: bool, now: dt.datetime | None = None) -> list[Department]:
        """Other departments with a doctor on duty right now (for a child: only those that may see children)."""
        now = now or utcnow()
        found = []
        for d in self.departments.items:
            if d.code == department or (child and d.code not in self.sees_children):
                continue
            if await self.roster.current_session(d.code, now) is not None:
                found.append(d)
        return found

    # ---- reading -------------------------------------------------------------------------

    def _public(self, row: ConsultationRow) -> Consultation:
        try:
            name = self.departments.get(row.department).name
        except KeyError:  # a department removed from config.yml still names its old consultations
            name = row.department
        return Consultation(
            row.id, row.conversation_id, row.department, name, row.status, row.level, row.priority, row.fee_fen,
            row.order_no, row.paid_at, row.requested_at, row.waiting_since, row.session_starts_at, row.expires_at,
            row.accepted_at, row.ended_at, row.doctor_id, row.assigned_to, tuple(row.participants or ()), row.closing,
        )

    async def get(self, consultation_id: str) -> Consultation:
        async with self.db.session() as s:
            row = await s.get(ConsultationRow, consultation_id)
        if row is None:
            raise ConsultationError("not_found", "no such consultation")
        return self._public(row)

    async def open_for(self, conversation_id: str) -> Consultation | None:
        """The conversation's open consultation (requested, waiting, transferred or active), if any."""
        async with self.db.session() as s:
            row = await s.scalar(select(ConsultationRow).where(
                ConsultationRow.conversation_id == conversation_id, ConsultationRow.status.in_(lc.OPEN))
                .order_by(ConsultationRow.requested_at.desc()).limit(1))
        return None if row is None else self._public(row)

    async def queue(self, departments: list[str], assigned_to: int | None = None,
                    now: dt.datetime | None = None) -> list[QueueEntry]:
        """Waiting consultations of these departments (and those transferred to `assigned_to`), in order."""
        now = now or utcnow()
        async with self.db.session() as s:
            query = select(ConsultationRow).where(ConsultationRow.status.in_(lc.QUEUED))
            scope = [ConsultationRow.department.in_(departments)]
            if assigned_to is not None:
                scope.append(ConsultationRow.assigned_to == assigned_to)
            rows = (await s.scalars(query.where(or_(*scope)).order_by(
                ConsultationRow.priority, ConsultationRow.waiting_since, ConsultationRow.id))).all()
        entries: list[QueueEntry] = []
        positions: dict[str, int] = {}
        pace: dict[str, float] = {}
        for row in rows:
            position = positions[row.department] = positions.get(row.department, 0) + 1
            if row.department not in pace:
                pace[row.department] = await self.minutes_per_patient(row.department, now)
            entries.append(QueueEntry(self._public(row), position, max(1, round(position * pace[row.department]))))
        return entries

    async def active_for(self, staff_id: int) -> list[Consultation]:
        """The sessions this person takes part in now."""
        async with self.db.session() as s:
            rows = (await s.scalars(select(ConsultationRow).where(ConsultationRow.status == lc.ACTIVE)
                                    .order_by(ConsultationRow.accepted_at))).all()
        return [self._public(r) for r in rows if staff_id in (r.participants or ())]

    async def recent(self, departments: list[str], limit: int = 50) -> list[Consultation]:
        """Recently ended consultations of these departments, newest first."""
        async with self.db.session() as s:
            rows = await s.scalars(select(ConsultationRow).where(
                ConsultationRow.department.in_(departments), ConsultationRow.status.in_(lc.ENDED))
                .order_by(ConsultationRow.ended_at.desc()).limit(limit))
            return [self._public(r) for r in rows.all()]

    async def position(self, consultation: Consultation) -> int:
        """1 + how many in the same department's queue are seen before this one."""
        if consultation.status not in lc.QUEUED or consultation.waiting_since is None:
            return 0
        async with self.db.session() as s:
            ahead = await s.scalar(select(func.count()).select_from(ConsultationRow).where(
                ConsultationRow.department == consultation.department,
                ConsultationRow.status.in_(lc.QUEUED),
                or_(ConsultationRow.priority < consultation.priority,
                    (ConsultationRow.priority == consultation.priority)
                    & (ConsultationRow.waiting_since < consultation.waiting_since))))
        return int(ahead or 0) + 1

    async def wait_minutes(self, department: str, position: int, now: dt.datetime | None = None) -> int:
        """Estimated wait: position × the recent interval between acceptances in this department."""
        return max(1, round(position * await self.minutes_per_patient(department, now or utcnow())))

    async def minutes_per_patient(self, department: str, now: dt.datetime) -> float:
        """The mean interval between the department's recent acceptances; with fewer than two, the configured pace."""
        since = now - dt.timedelta(hours=self.settings.wait_window_hours)
        async with self.db.session() as s:
            times = sorted((await s.scalars(select(ConsultationRow.accepted_at).where(
                ConsultationRow.department == department, ConsultationRow.accepted_at >= since)
                .order_by(ConsultationRow.accepted_at.desc()).limit(self.settings.wait_sample))).all())
        if len(times) < 2:
            return self.settings.minutes_per_patient
        return (times[-1] - times[0]).total_seconds() / 60 / (len(times) - 1)

    # ---- who may do what -----------------------------------------------------------------

    def can_view(self, staff: Staff, c: Consultation) -> bool:
        return (staff.is_admin or c.department in staff.departments or staff.id in c.participants
                or c.assigned_to == staff.id)

    def _require_view(self, staff: Staff, c: Consultation) -> None:
        if not self.can_view(staff, c):
            raise ConsultationError("forbidden", "this consultation belongs to another department")

    def _require_participant(self, staff: Staff, c: Consultation, primary: bool = False) -> None:
        self._require_view(staff, c)
        if c.status != lc.ACTIVE:
            raise ConsultationError("conflict", f"the consultation is {c.status}, not active")
        allowed = (c.doctor_id,) if primary else c.participants
        if staff.id not in allowed:
            raise ConsultationError("forbidden", "only the doctor in charge may do this" if primary
                                    else "you are not taking part in this consultation")

    # ---- patient side (inside the patient's turn) ----------------------------------------

    async def request(
        self,
        conversation_id: str,
        department: str | None = None,
        *,
        level: str | None = None,
        queue_off_hours: bool = False,
        now: dt.datetime | None = None,
        turn: "InTurn | None" = None,
    ) -> RequestOutcome:
        """A patient asks for a doctor. Emit `outcome.transition.event` (type handoff) in the turn.

        With `turn` (the action's context) the consultation is written in the turn's transaction and
        announced once the turn is stored: a turn that fails leaves no consultation behind."""
        now = now or utcnow()
        try:
            dept = self.departments.get(department or self.departments.default)
        except KeyError:
            raise ConsultationError("invalid", f"unknown department {department!r}") from None
        existing = await self.open_for(conversation_id)
        if existing is not None:
            position = await self.position(existing)
            return RequestOutcome(
                "already_open", Department(existing.department, existing.department_name), existing,
                position=position or None,
                wait_minutes=await self.wait_minutes(existing.department, position, now) if position else None)
        session = await self.roster.next_session(dept.code, now)
        if session is None:
            return RequestOutcome("no_session", dept)
        if session.start > now and not queue_off_hours:
            return RequestOutcome("off_hours", dept, next_session=session)
        paying = self.settings.fee_mode == "order" and dept.fee_fen > 0
        expires = self._expiry(session, now)
        row = ConsultationRow(
            id=secrets.token_hex(8), conversation_id=conversation_id, department=dept.code,
            status=lc.REQUESTED if paying else lc.WAITING, level=level,
            priority=LEVEL_PRIORITY.get(level or "", len(LEVEL_PRIORITY)), fee_fen=dept.fee_fen if paying else 0,
            order_no=("WZ" + now.strftime("%Y%m%d") + secrets.token_hex(5).upper()) if paying else None,
            requested_at=now, waiting_since=None if paying else now, session_starts_at=session.start,
            expires_at=expires, participants=[],
        )
        if turn is not None:
            s = await turn.transaction()
            s.add(row)
            await s.flush()
            await self.jobs.schedule(EXPIRE_JOB, ExpireConsultation(row.id), expires,
                                     key=f"consultation:{row.id}:expire", session=s)
        else:
            async with self.db.transaction() as s:
                s.add(row)
            await self.jobs.schedule(EXPIRE_JOB, ExpireConsultation(row.id), expires,
                                     key=f"consultation:{row.id}:expire")
        c = self._public(row)
        transition = Transition(c, self._event(c, fee_fen=c.fee_fen, order_no=c.order_no), "patient")
        await self._publish(c, "requested", turn)
        if paying:
            return RequestOutcome("payment_required", dept, c, transition, next_session=session)
        position = await self.position(c)
        return RequestOutcome("queued", dept, c, transition, position, await self.wait_minutes(dept.code, position, now),
                              next_session=session)

    async def cancel(self, consultation_id: str, actor: str = "patient", turn: "InTurn | None" = None) -> Transition:
        """The patient withdraws. Emit the returned event in the patient's turn (with `turn`, the
        change is written in the turn's transaction and announced once the turn is stored)."""
        if turn is not None:
            s = await turn.transaction()
            c = self._public(await self._moved(s, consultation_id, lc.CANCELLED, ended_at=utcnow()))
            await self.jobs.cancel(f"consultation:{c.id}:", session=s)
        else:
            c = await self._move(consultation_id, lc.CANCELLED, ended_at=utcnow())
            await self.jobs.cancel(f"consultation:{c.id}:")
        await self._publish(c, "cancelled", turn)
        return Transition(c, self._event(c), actor)

    async def relay_from_patient(self, handoff: dict[str, Any], text: str, attachments: list[dict[str, Any]],
                                 alert: dict[str, Any] | None = None) -> None:
        """Hand a patient's message to the doctors of the active session described by `handoff`.

        `handoff` is the conversation's state (`ConversationState.handoff`, the latest handoff event),
        which names the session and its doctors, so relaying costs no query. `alert` (a red-flag or
        emergency triage event's data) is sent highlighted. Called after the patient's turn is stored.
        """
        participants = [int(i) for i in handoff.get("participants") or ()]
        at = utcnow()
        message = ChatLine(handoff["consultation_id"], "patient", text, at, attachments=tuple(attachments))
        for staff_id in participants:
            await self.pubsub.publish(topics.staff(staff_id), message)
            if alert is not None:
                await self.pubsub.publish(topics.staff(staff_id), SessionAlert(
                    handoff["consultation_id"], RedFlag.of(alert), text, at))

    async def alert_department(self, conversation_id: str, slots: dict[str, Any], alert: dict[str, Any]) -> None:
        """An emergency outside any session: the consoles of the doctors on duty show it (`alert_topics`).

        It is kept until a doctor takes it (`take_alerts`): a doctor who signs in later sees it (`open_alerts`)."""
        department = self.department_for(slots)
        alert = {**alert, "text": complaint_quote(await self.engine.events(conversation_id), str(alert.get("text") or ""))}
        flag, at = RedFlag.of(alert), utcnow()
        async with self.db.transaction() as s:
            row = EmergencyAlertRow(conversation_id=conversation_id, department=department.code,
                                    alert=wire.to_data(flag), created_at=at)
            s.add(row)
            await s.flush()
            alert_id = row.id
        notice = DepartmentAlert(conversation_id, department.code, department.name, flag, flag.text, at, alert_id=alert_id)
        for topic in await self.alert_topics(department.code):
            await self.pubsub.publish(topic, notice)

    async def open_alerts(self, staff: Staff, now: dt.datetime | None = None) -> list[DepartmentAlert]:
        """The emergency alerts no doctor has taken yet that `staff` would be shown if they were raised now:
        their departments' (as `alert_topics` routes them now: a department with nobody on duty alerts the
        departments with a doctor on duty), every one for an administrator. Newest last, one per patient."""
        async with self.db.session() as s:
            rows = (await s.scalars(select(EmergencyAlertRow).where(EmergencyAlertRow.taken_at.is_(None))
                                    .order_by(EmergencyAlertRow.created_at, EmergencyAlertRow.id))).all()
        mine = {topics.department(code) for code in staff.departments}
        routes: dict[str, list[str]] = {}
        found: dict[str, DepartmentAlert] = {}
        for row in rows:
            if not staff.is_admin:
                if row.department not in routes:
                    routes[row.department] = await self.alert_topics(row.department, now)
                if row.department not in staff.departments and not mine & set(routes[row.department]):
                    continue
            try:
                name = self.departments.get(row.department).name
            except KeyError:
                name = row.department
            data = dict(row.alert or {})
            update_ = data.get("update") if isinstance(data.get("update"), dict) else None
            if update_ and update_.get("level") == "emergency" and update_.get("reasons"):
                data["reasons"] = list(update_["reasons"])  # corrected and still an emergency: today's reasons
            flag = RedFlag.of(data)
            found.pop(row.conversation_id, None)  # the newest of a patient's alerts, once
            found[row.conversation_id] = DepartmentAlert(row.conversation_id, row.department, name, flag, flag.text,
                                                         row.created_at, alert_id=row.id, update=update_)
        return list(found.values())

    async def take_alerts(self, alert_id: int, staff: Staff) -> bool:
        """`staff` takes an open alert, and with it the patient's other open alerts; False if already taken."""
        async with self.db.session() as s:
            row = await s.get(EmergencyAlertRow, alert_id)
        if row is None:
            raise ConsultationError("not_found", "no such alert")
        if not staff.is_admin and staff.role != "doctor":
            raise ConsultationError("forbidden", "only a doctor takes an emergency alert")
        return await self._take(row.conversation_id, staff)

    async def alert_consultation(self, alert_id: int, staff: Staff) -> Consultation | None:
        """The open consultation (queued or in session) of an alert's patient that `staff` may open, if any: what
        "我来处理" opens (newcomer trial 9: for a patient not in the queue it opened nothing and said nothing)."""
        async with self.db.session() as s:
            row = await s.get(EmergencyAlertRow, alert_id)
        if row is None:
            return None
        c = await self.open_for(row.conversation_id)
        return c if c is not None and c.status != lc.REQUESTED and self.can_view(staff, c) else None

    async def _alert(self, alert_id: int) -> EmergencyAlertRow:
        async with self.db.session() as s:
            row = await s.get(EmergencyAlertRow, alert_id)
        if row is None:
            raise ConsultationError("not_found", "no such alert")
        return row

    async def may_see_alert(self, staff: Staff, row: EmergencyAlertRow) -> bool:
        """Whether `staff` is shown this alert: an administrator, a doctor of its department, or of a department
        it is routed to now (`alert_topics`: nobody on duty in its own)."""
        if staff.is_admin or row.department in staff.departments:
            return True
        mine = {topics.department(code) for code in staff.departments}
        return bool(mine & set(await self.alert_topics(row.department)))

    async def on_duty_now(self, staff: Staff, now: dt.datetime | None = None) -> list[str]:
        """The departments `staff` is rostered in at this moment."""
        now = now or utcnow()
        found = []
        for code in staff.departments:
            session = await self.roster.current_session(code, now)
            if session is not None and staff.id in session.staff_ids:
                found.append(code)
        return found

    async def open_from_alert(self, alert_id: int, staff: Staff
                              ) -> tuple[Consultation, EmergencyAlertRow, dict[str, Any] | None]:
        """A doctor on duty opens a consultation with the patient of an emergency alert (console7): the patient
        asked for nobody (told to call 120), so the doctor reaches them. The session is active at once with this
        doctor in charge, the patient is told on their channel that the doctor has joined, the patient's open
        alerts are taken. One consultation per patient: a second doctor (on any worker) gets a conflict whose
        message names who has the patient (`AlertConflict`). A patient waiting in a queue (any department, paid or
        not) is taken: that consultation becomes this doctor's, in this doctor's department, and leaves the queue;
        the third value says where it was queued (None for a new consultation)."""
        row = await self._alert(alert_id)
        words = labels().data["alert_consult"]
        if staff.role != "doctor" or not staff.active:
            raise ConsultationError("forbidden", words["not_a_doctor"])
        if not await self.may_see_alert(staff, row):
            raise ConsultationError("forbidden", words["not_yours"])
        duty = await self.on_duty_now(staff)
        if not duty:
            raise ConsultationError("forbidden", words["not_on_duty"])
        department = row.department if row.department in staff.departments else duty[0]
        state = await self.engine.state(row.conversation_id)
        level = str((state.latest_triage or {}).get("level") or (row.alert or {}).get("level") or "emergency")
        now = utcnow()
        async with self.db.transaction() as s:
            # The patient's alert rows, locked in id order: two doctors opening at once are served one after the other.
            alerts = (await s.scalars(select(EmergencyAlertRow).where(
                EmergencyAlertRow.conversation_id == row.conversation_id).order_by(EmergencyAlertRow.id)
                .with_for_update())).all()
            existing = await s.scalar(select(ConsultationRow).where(
                ConsultationRow.conversation_id == row.conversation_id, ConsultationRow.status.in_(lc.OPEN))
                .order_by(ConsultationRow.requested_at.desc()).limit(1).with_for_update())
            took_over: dict[str, Any] | None = None
            if existing is not None and existing.status == lc.ACTIVE:
                raise AlertConflict(await self._conflict_words(self._public(existing)),
                                    existing.id if self.can_view(staff, self._public(existing)) else None)
            if existing is not None:
                # Newcomer trial 12: a patient waiting in a queue (of any department) is taken by the alerting doctor:
                # the queue entry is closed there and the same consultation is active here at once (its fee, if paid,
                # stays with it; an unpaid one becomes free, as an emergency is). Audited with where it was queued.
                took_over = {"consultation_id": existing.id, "status": existing.status,
                             "department": existing.department, "assigned_to": existing.assigned_to}
                consultation = existing
                consultation.status, consultation.department = lc.ACTIVE, department
                consultation.doctor_id, consultation.accepted_at = staff.id, now
                consultation.assigned_to, consultation.participants = None, [staff.id]
                consultation.expires_at = None
                if took_over["status"] == lc.REQUESTED:
                    consultation.fee_fen = 0
            else:
                consultation = ConsultationRow(
                    id=secrets.token_hex(8), conversation_id=row.conversation_id, department=department,
                    status=lc.ACTIVE, level=level, priority=LEVEL_PRIORITY.get(level, len(LEVEL_PRIORITY)), fee_fen=0,
                    requested_at=now, accepted_at=now, doctor_id=staff.id, participants=[staff.id])
                s.add(consultation)
            open_departments = sorted({a.department for a in alerts if a.taken_at is None})
            for a in alerts:
                if a.taken_at is None:
                    a.taken_at, a.taken_by = now, staff.id
                    a.alert = {**dict(a.alert or {}), "closed": {"how": "consulted", "by": staff.id, "at": now.isoformat(),
                                                                 "consultation_id": consultation.id}}
            await s.flush()
            c = self._public(consultation)
        by = DoctorRef(staff.id, staff.display_name, staff.title, staff.role)
        for code in open_departments:
            for topic in {topics.department(code), *await self.alert_topics(code)}:
                await self.pubsub.publish(topic, AlertTaken(row.conversation_id, code, by, now))
        event = self._event(c, doctor=_doctor(staff), opened_by_doctor={"alert_id": row.id, "rules": list(
            (row.alert or {}).get("rules") or [])}, **({"took_over": took_over} if took_over else {}))
        await self._announce(Transition(c, event, staff.actor), "utter_consultation_opened_by_doctor",
                             doctor_name=staff.display_name, doctor_title=staff.title, department=c.department_name)
        if took_over is not None:
            await self.jobs.cancel(f"consultation:{c.id}:")  # no expiry for a patient in session
            # The queue it left drops it (and a doctor it was transferred to by name).
            update_ = ConsultationChanged(lc.ACTIVE, c)
            if took_over["department"] != c.department:
                await self.pubsub.publish(topics.department(took_over["department"]), update_)
            if took_over["assigned_to"] and took_over["assigned_to"] != staff.id:
                await self.pubsub.publish(topics.staff(took_over["assigned_to"]), update_)
        return c, row, took_over

    async def _conflict_words(self, c: Consultation) -> str:
        words = labels().data["alert_consult"]
        if c.status == lc.ACTIVE and c.doctor_id is not None:
            doctor = await self.staff.get(c.doctor_id)
            at = self.roster.local(c.accepted_at).strftime("%H:%M") if c.accepted_at else ""
            return words["already_open"].format(doctor=doctor.display_name if doctor else "", at=at)
        return words["already_queued"]

    async def dismiss_alert(self, alert_id: int, staff: Staff) -> tuple[bool, EmergencyAlertRow]:
        """`staff` acknowledges an alert ("知道了"): an open one is closed for every doctor (and with it the patient's
        other open alerts), noted as dismissed by them; an alert closed already (re-triaged lower, taken) is only
        acknowledged. (True when this closed it, the alert.) The route records the audit entry."""
        row = await self._alert(alert_id)
        if staff.role not in ("doctor", "admin"):
            raise ConsultationError("forbidden", labels().data["alert_consult"]["not_a_doctor"])
        if not await self.may_see_alert(staff, row):
            raise ConsultationError("forbidden", labels().data["alert_consult"]["not_yours"])
        now = utcnow()
        async with self.db.transaction() as s:
            rows = (await s.scalars(select(EmergencyAlertRow).where(
                EmergencyAlertRow.conversation_id == row.conversation_id, EmergencyAlertRow.taken_at.is_(None))
                .order_by(EmergencyAlertRow.id).with_for_update())).all()
            for a in rows:
                a.taken_at = now  # closed; taken_by stays empty: nobody took the patient
                a.alert = {**dict(a.alert or {}), "closed": {"how": "dismissed", "by": staff.id, "at": now.isoformat()}}
        if not rows:
            return False, row
        words = labels().data["alert_update"]
        update_ = {**dict((row.alert or {}).get("update") or {}), "why": "dismissed",
                   "text": words["dismissed"].format(doctor=staff.display_name), "at": now.isoformat()}
        by = DoctorRef(staff.id, staff.display_name, staff.title, staff.role)
        await self._publish_update(row.conversation_id, {a.department for a in rows}, rows[-1].id, "closed", update_, now, by)
        return True, row

    async def alerts_follow(self, conversation_id: str, level: str, reasons: list[str], why: str, said: str = "") -> None:
        """The conversation was triaged again after its emergency alert (a confirmed correction, a fresh start, the
        intake's new decision): its kept alert says so (console7). Still an emergency: the alert stays open with
        today's reasons; lower: it is closed with the reason, and the consoles show the change instead of a banner
        that is no longer true. The alert closed by a correction also takes the decision the intake reaches next."""
        now = utcnow()
        async with self.db.transaction() as s:
            rows = (await s.scalars(select(EmergencyAlertRow).where(EmergencyAlertRow.conversation_id == conversation_id)
                                    .order_by(EmergencyAlertRow.id).with_for_update())).all()
            targets = [r for r in rows if r.taken_at is None]
            last = dict(rows[-1].alert or {}) if rows else {}
            if not targets and (last.get("closed") or {}).get("how") == "retriaged" \
                    and (last.get("update") or {}).get("why") in ("corrected", "restarted"):
                targets = [rows[-1]]  # the correction closed it; the intake has now decided (once)
            if not targets:
                return
            before = dict((targets[-1].alert or {}).get("update") or {})
            said = said or str(before.get("said") or "")
            words = labels().data["alert_update"]
            level_label = labels().level(level)
            key = why if level != "emergency" or why == "still" else "still"
            key = f"{key}_said" if key == "retriaged" and said else key
            update_ = {"level": level, "level_label": level_label, "reasons": list(reasons), "why": why, "said": said,
                       "text": words[key].format(said=said, level=level_label, reasons="；".join(reasons)),
                       "at": now.isoformat()}
            status = "open" if level == "emergency" else "closed"
            for a in targets:
                data = {**dict(a.alert or {}), "update": update_}
                if status == "closed" and a.taken_at is None:
                    a.taken_at = now
                    data["closed"] = {"how": "retriaged", "by": None, "at": now.isoformat()}
                a.alert = data
        await self._publish_update(conversation_id, {a.department for a in targets}, targets[-1].id, status, update_, now)

    async def _publish_update(self, conversation_id: str, departments: set[str], alert_id: int, status: str,
                              update_: dict[str, Any], at: dt.datetime, by: DoctorRef | None = None) -> None:
        for code in sorted(departments):
            notice = AlertUpdated(conversation_id, code, alert_id, status, update_, at, by)
            for topic in {topics.department(code), *await self.alert_topics(code)}:
                await self.pubsub.publish(topic, notice)

    async def _take(self, conversation_id: str, staff: Staff) -> bool:
        at = utcnow()
        async with self.db.transaction() as s:
            departments = sorted(set((await s.scalars(select(EmergencyAlertRow.department).where(
                EmergencyAlertRow.conversation_id == conversation_id, EmergencyAlertRow.taken_at.is_(None)))).all()))
            result = await s.execute(update(EmergencyAlertRow).where(
                EmergencyAlertRow.conversation_id == conversation_id, EmergencyAlertRow.taken_at.is_(None))
                .values(taken_by=staff.id, taken_at=at))
        if not result.rowcount:
            return False
        by = DoctorRef(staff.id, staff.display_name, staff.title, staff.role)
        for department in departments:
            for topic in {topics.department(department), *await self.alert_topics(department)}:
                await self.pubsub.publish(topic, AlertTaken(conversation_id, department, by, at))
        return True

    async def alert_topics(self, department: str, now: dt.datetime | None = None) -> list[str]:
        """Where an emergency of `department` is published: that department when a doctor is on duty in it,
        else every department with a doctor on duty now (an emergency must reach a doctor on duty, e.g.
        the README's fever-clinic doctor alone on a fresh install), else the department itself."""
        now = now or utcnow()
        if await self.roster.current_session(department, now) is not None:
            return [topics.department(department)]
        elsewhere = await self.on_duty_elsewhere(department, child=False, now=now)
        return [topics.department(d.code) for d in elsewhere] or [topics.department(department)]

    # ---- doctor side (outside any patient turn) ------------------------------------------

    async def accept(self, consultation_id: str, staff: Staff) -> Consultation:
        c = await self.get(consultation_id)
        self._require_view(staff, c)
        if staff.is_admin:
            raise ConsultationError("forbidden", "administrators do not take consultations")
        if c.status not in lc.QUEUED:
            raise ConsultationError("conflict", f"the consultation is {c.status}; it can no longer be accepted")
        if c.assigned_to not in (None, staff.id):
            raise ConsultationError("forbidden", "this consultation was transferred to another doctor")
        now = utcnow()
        async with self.db.transaction() as s:
            # One UPDATE decides between doctors accepting at once, on any worker.
            result = await s.execute(update(ConsultationRow).where(
                ConsultationRow.id == c.id, ConsultationRow.status.in_(lc.QUEUED)).values(
                status=lc.ACTIVE, doctor_id=staff.id, accepted_at=now, assigned_to=None, participants=[staff.id]))
        if result.rowcount != 1:
            raise ConsultationError("conflict", "another doctor accepted this consultation first")
        await self.jobs.cancel(f"consultation:{c.id}:")
        c = await self.get(c.id)
        if c.conversation_id:
            await self._take(c.conversation_id, staff)  # the patient's emergency alerts are in hand now
        await self._announce(Transition(c, self._event(c, doctor=_doctor(staff)), staff.actor),
                             "utter_consultation_accepted", doctor_name=staff.display_name,
                             doctor_title=staff.title, department=c.department_name)
        return c

    async def send(self, consultation_id: str, staff: Staff, text: str) -> None:
        """A doctor's message to the patient (and to the other doctors of the session)."""
        text = text.strip()
        if not text or len(text) > 4000:
            raise ConsultationError("invalid", "a message has 1 to 4000 characters")
        c = await self.get(consultation_id)
        self._require_participant(staff, c)
        await self.engine.push(c.conversation_id, [BotMessage(text=text)], actor=staff.actor)
        message = ChatLine(c.id, staff.actor, text, utcnow(), name=staff.display_name)
        for staff_id in c.participants:
            await self.pubsub.publish(topics.staff(staff_id), message)

    async def transfer(self, consultation_id: str, staff: Staff, *, department: str | None = None,
                       to_staff_id: int | None = None, note: str = "") -> Consultation:
        """Hand the patient to another department's queue, or to a named doctor."""
        c = await self.get(consultation_id)
        self._require_participant(staff, c, primary=True)
        target: Staff | None = None
        if to_staff_id is not None:
            target = await self.staff.get(to_staff_id)
            if target is None or not target.active or target.role == "admin":
                raise ConsultationError("invalid", "no such doctor")
            if target.id == staff.id:
                raise ConsultationError("invalid", "a consultation cannot be transferred to yourself")
            department = department or (target.departments[0] if target.departments else c.department)
        department = department or c.department
        if department not in self.departments:
            raise ConsultationError("invalid", f"unknown department {department!r}")
        if target is None and department == c.department:
            raise ConsultationError("invalid", "choose another department or a named doctor")
        now = utcnow()
        session = await self.roster.next_session(department, now)
        expires = self._expiry(session, now) if session else now + dt.timedelta(hours=1)
        was = [i for i in c.participants if i != (target.id if target else None)]
        c = await self._move(c.id, lc.TRANSFERRED, department=department, doctor_id=None,
                             assigned_to=target.id if target else None, participants=[],
                             expires_at=expires, session_starts_at=session.start if session else now)
        await self.jobs.schedule(EXPIRE_JOB, ExpireConsultation(c.id), expires,
                                         key=f"consultation:{c.id}:expire:{int(now.timestamp())}")
        event = self._event(c, by=_doctor(staff), to_doctor=_doctor(target) if target else None, note=note)
        await self._announce(Transition(c, event, staff.actor), "utter_consultation_transferred",
                             department=c.department_name,
                             doctor_name=target.display_name if target else "")
        # console8: the doctors who had the patient are told too (their page drops the patient and says to whom they
        # went): the session's participants are empty now, so `_publish` alone reached only the new department.
        for staff_id in was:
            await self.pubsub.publish(topics.staff(staff_id), ConsultationChanged(lc.TRANSFERRED, c))
        return c

    async def invite(self, consultation_id: str, staff: Staff, invitee_id: int) -> Consultation:
        """Bring a second doctor into an active session (a remote consultation)."""
        c = await self.get(consultation_id)
        self._require_participant(staff, c, primary=True)
        invitee = await self.staff.get(invitee_id)
        if invitee is None or not invitee.active or invitee.role == "admin":
            raise ConsultationError("invalid", "no such doctor")
        if invitee.id in c.participants:
            raise ConsultationError("conflict", "already taking part")
        c = await self._move(c.id, lc.ACTIVE, participants=[*c.participants, invitee.id])
        await self.pubsub.publish(topics.staff(invitee.id), Invited(c.id, DoctorRef(**_doctor(staff)), c))
        await self._announce(Transition(c, self._event(c, doctor=_doctor(staff), invited=_doctor(invitee)),
                                        staff.actor),
                             "utter_consultation_invited", doctor_name=invitee.display_name,
                             doctor_title=invitee.title)
        return c

    async def close(self, consultation_id: str, staff: Staff, closing: Closing) -> Consultation:
        if not closing.summary.strip():
            raise ConsultationError("invalid", "a closing needs a summary")
        if closing.level is not None and closing.level not in LEVEL_PRIORITY:
            raise ConsultationError("invalid", f"level must be one of {', '.join(LEVEL_PRIORITY)}")
        c = await self.get(consultation_id)
        self._require_participant(staff, c, primary=True)
        c = await self._move(c.id, lc.CLOSED, ended_at=utcnow(), closing=closing.to_dict())
        if closing.level is not None:
            # The doctor's level supersedes the bot's: it becomes the conversation's latest triage.
            await self.engine.record(c.conversation_id, ev.TRIAGE, {
                "level": closing.level, "reasons": [closing.summary], "rules": ["doctor.override"],
                "ruleset": f"consultation:{c.id}"}, staff.actor)
        # Newcomer trial 8: the questions pending from before the doctor took over are stale once the doctor has
        # closed the session ("谢谢医生" got "这个回答我没能识别…有没有口角歪斜"): the intake is dropped.
        await self.engine.record(c.conversation_id, ev.STACK, {"frames": []}, staff.actor)
        await self._announce(Transition(c, self._event(c, doctor=_doctor(staff), **closing.to_dict()), staff.actor),
                             # No follow-up plan: the message without the section, never "【随访计划】—" (fix8a).
                             "utter_consultation_closed" if (closing.followup or "").strip() else "utter_consultation_closed_no_followup",
                             summary=closing.summary,
                             advice=closing.advice or "—", followup=closing.followup or "—",
                             doctor_name=staff.display_name)
        return c

    async def mark_paid(self, consultation_id: str, actor: str, order_no: str | None = None) -> Consultation:
        """The order was paid (payment providers call this later): the patient joins the queue."""
        c = await self.get(consultation_id)
        if order_no is not None and order_no != c.order_no:
            raise ConsultationError("invalid", "the order number does not match")
        now = utcnow()
        c = await self._move(c.id, lc.WAITING, paid_at=now, waiting_since=now)
        position = await self.position(c)
        await self._announce(Transition(c, self._event(c, paid=True), actor), "utter_consultation_queued",
                             department=c.department_name, position=position,
                             wait_minutes=await self.wait_minutes(c.department, position, now))
        return c

    async def expire(self, consultation_id: str, now: dt.datetime | None = None) -> Consultation | None:
        """End a consultation no doctor took before its session ended; the patient is told what next."""
        now = now or utcnow()
        c = await self.get(consultation_id)
        if c.status not in (lc.REQUESTED, *lc.QUEUED) or (c.expires_at and c.expires_at > now):
            return None
        try:
            c = await self._move(c.id, lc.EXPIRED, ended_at=now)
        except ConsultationError:
            return None  # accepted or cancelled meanwhile
        upcoming = await self.roster.next_session(c.department, now + dt.timedelta(seconds=1))
        await self._announce(Transition(c, self._event(c, next_session=upcoming.start.isoformat() if upcoming else None),
                                        "system"),
                             "utter_consultation_expired" if upcoming else "utter_consultation_expired_no_session",
                             department=c.department_name, **(self.when(upcoming.start) if upcoming else {}))
        return c

    def when(self, at: dt.datetime) -> dict[str, Any]:
        """Template variables for a time patients are told (responses put them into words)."""
        local = self.roster.local(at)
        return {"next_month": local.month, "next_day": local.day, "next_time": local.strftime("%H:%M"),
                "next_date": local.date().isoformat()}

    # ---- presence ------------------------------------------------------------------------

    async def heartbeat(self, staff_id: int) -> None:
        """Called by a connected console or bot every few seconds."""
        await self.cache.set(f"consult:presence:{staff_id}",
                                     {"until": utcnow().timestamp() + PRESENCE_SECONDS})

    async def anyone_present(self, staff_ids: tuple[int, ...] | list[int]) -> bool:
        now = utcnow().timestamp()
        for staff_id in staff_ids:
            mark = await self.cache.get(f"consult:presence:{staff_id}")
            if mark and mark.get("until", 0) > now:
                return True
        return False

    # ---- internals -----------------------------------------------------------------------

    def _expiry(self, session: Session, now: dt.datetime) -> dt.datetime:
        return min(session.end, max(now, session.start) + dt.timedelta(hours=self.settings.max_wait_hours))

    async def _move(self, consultation_id: str, status: str, **values: Any) -> Consultation:
        """Change status only from a state that allows it; a lost race is a conflict, never a double move."""
        async with self.db.transaction() as s:
            await self._moved(s, consultation_id, status, **values)
        return await self.get(consultation_id)

    @staticmethod
    async def _moved(s: AsyncSession, consultation_id: str, status: str, **values: Any) -> ConsultationRow:
        row = await s.get(ConsultationRow, consultation_id, with_for_update=True)
        if row is None:
            raise ConsultationError("not_found", "no such consultation")
        if row.status != status and not lc.can_move(row.status, status):
            raise ConsultationError("conflict", f"a {row.status} consultation cannot become {status}")
        row.status = status
        for key, value in values.items():
            setattr(row, key, value)
        await s.flush()
        return row

    def _event(self, c: Consultation, **extra: Any) -> dict[str, Any]:
        return {"status": c.status, "consultation_id": c.id, "department": c.department,
                "department_name": c.department_name, "participants": list(c.participants), **extra}

    async def _announce(self, t: Transition, response_key: str, **variables: Any) -> None:
        """Record the transition in the conversation, tell the patient, and publish it."""
        await self.engine.record(t.consultation.conversation_id, ev.HANDOFF, t.event, t.actor)
        state = await self.engine.state(t.consultation.conversation_id)
        messages = self.responses.render(response_key, state, variables)
        await self.engine.push(t.consultation.conversation_id, messages, actor=t.actor, notice=True)
        await self._publish(t.consultation, t.event["status"])

    async def _publish(self, c: Consultation, change: str, turn: "InTurn | None" = None) -> None:
        if turn is not None:  # told once the patient's turn is stored, never for a rolled-back one
            turn.after_commit(lambda: self._publish(c, change))
            return
        update_ = ConsultationChanged(change, c)
        await self.pubsub.publish(topics.department(c.department), update_)
        for staff_id in {*c.participants, *([c.assigned_to] if c.assigned_to else [])}:
            await self.pubsub.publish(topics.staff(staff_id), update_)


def _doctor(staff: Staff) -> dict[str, Any]:
    return {"id": staff.id, "name": staff.display_name, "title": staff.title, "role": staff.role}


def build_consultations(config: Config, db: Database, cache: Cache, engine: Engine, jobs: Jobs, pubsub: PubSub,
                        responses: Responses) -> Consultations:
    """The service factory the runtime registers (config is read once, at start)."""
    return Consultations(config, db, cache, engine, jobs, pubsub, responses)


def consultations(runtime: "Runtime") -> Consultations:
    """The runtime's `Consultations` service (for the edges that hold a runtime: routes, commands)."""
    return runtime.services.get(Consultations)


@dataclass(frozen=True)
class ExpireConsultation:
    """Job payload: a queued consultation whose time ran out."""

    consultation_id: str


@job(EXPIRE_JOB)
async def _expire_job(payload: ExpireConsultation, consultations: Consultations) -> None:
    await consultations.expire(payload.consultation_id)
