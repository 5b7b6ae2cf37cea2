"""On-duty hours: weekly shifts plus date overrides, in the hospital's time zone (Asia/Shanghai).

A department's *session* is a stretch of time in which at least one of its doctors is rostered;
only a shift of an active doctor who belongs to the department counts (one who cannot see its queue
cannot take its patients, so a stray row never makes a department look staffed);
overlapping or touching shifts (also across midnight) merge into one session. Patients queue for a
session and expire when it ends without a doctor.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, select

from bot.consultations.models import RosterOverrideRow, RosterShiftRow, StaffDepartmentRow, StaffRow
from bot.db import Database

if TYPE_CHECKING:
    from bot.consultations.staff import Staff

DEFAULT_TIMEZONE = "Asia/Shanghai"
# How far ahead `next_session` looks: a department with nobody rostered for two weeks is closed.
HORIZON_DAYS = 14
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HHMM = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


class RosterError(ValueError):
    """A shift or override that cannot be stored (bad time, end before start, unknown weekday)."""


def check_can_serve(staff: "Staff", department: str) -> None:
    """Only an active doctor of `department` sees its queue, so only such a one is rostered on it."""
    if staff.role != "doctor":
        raise RosterError(f"{staff.username} is a {staff.role}; only doctors are rostered")
    if department not in staff.departments:
        have = ", ".join(staff.departments) or "none"
        raise RosterError(f"{staff.username} does not belong to {department} (departments: {have}); "
                          f"add it first with `wenzhen staff update {staff.username} --department …`")
    if not staff.active:
        raise RosterError(f"{staff.username} is disabled")


def parse_minute(text: str) -> int:
    """'08:30' -> 510; '24:00' is the end of the day."""
    match = _HHMM.match(text.strip())
    if not match:
        raise RosterError(f"not a time of day (HH:MM): {text!r}")
    minute = int(match.group(1)) * 60 + int(match.group(2))
    if minute > 24 * 60:
        raise RosterError(f"not a time of day (HH:MM): {text!r}")
    return minute


def format_minute(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_weekday(text: str) -> int:
    """'mon'..'sun', '1'..'7' (Monday = 1) or '周一'..'周日'."""
    text = text.strip().lower()
    if text in WEEKDAYS:
        return WEEKDAYS.index(text)
    if text.isdigit() and 1 <= int(text) <= 7:
        return int(text) - 1
    chinese = "一二三四五六日"
    if len(text) == 2 and text[0] in "周星" and text[1] in chinese + "天":
        return 6 if text[1] == "天" else chinese.index(text[1])
    raise RosterError(f"not a weekday: {text!r} (use mon..sun or 1..7)")


def parse_weekdays(text: str) -> list[int]:
    """'mon-fri', 'sat,sun', 'daily', '周一-周五' or one weekday -> weekday numbers (Monday = 0)."""
    text = text.strip().lower()
    if text in ("daily", "every", "每天"):
        return list(range(7))
    days: list[int] = []
    for part in re.split(r"[,，、]", text):
        first, dash, last = part.partition("-")
        start = parse_weekday(first)
        end = parse_weekday(last) if dash else start
        if end < start:
            raise RosterError(f"a weekday range runs forward, Monday to Sunday: {part!r}")
        days.extend(d for d in range(start, end + 1) if d not in days)
    return days


@dataclass(frozen=True)
class Shift:
    id: int
    staff_id: int
    department: str
    weekday: int
    start_minute: int
    end_minute: int

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "staff_id": self.staff_id,
            "department": self.department,
            "weekday": WEEKDAYS[self.weekday],
            "start": format_minute(self.start_minute),
            "end": format_minute(self.end_minute),
        }


@dataclass(frozen=True)
class Override:
    id: int
    staff_id: int
    department: str
    day: dt.date
    start_minute: int | None  # None: off that day
    end_minute: int | None

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "staff_id": self.staff_id,
            "department": self.department,
            "day": self.day.isoformat(),
            "start": None if self.start_minute is None else format_minute(self.start_minute),
            "end": None if self.end_minute is None else format_minute(self.end_minute),
        }


@dataclass(frozen=True)
class Session:
    """A stretch of time during which a department has somebody on duty."""

    department: str
    start: dt.datetime  # aware
    end: dt.datetime
    staff_ids: frozenset[int]

    def contains(self, at: dt.datetime) -> bool:
        return self.start <= at < self.end


def _check_interval(start_minute: int, end_minute: int) -> None:
    if not 0 <= start_minute < end_minute <= 24 * 60:
        raise RosterError("a shift must end after it starts, within one day (use 24:00 for midnight)")


def intervals(
    shifts: list[Shift], overrides: list[Override], first_day: dt.date, days: int, tz: ZoneInfo
) -> list[tuple[dt.datetime, dt.datetime, int]]:
    """Every (start, end, staff_id) of the given days: an override replaces that person's weekly shifts."""
    out: list[tuple[dt.datetime, dt.datetime, int]] = []
    for offset in range(days):
        day = first_day + dt.timedelta(days=offset)
        overridden = {o.staff_id for o in overrides if o.day == day}
        todays = [(s.staff_id, s.start_minute, s.end_minute) for s in shifts
                  if s.weekday == day.weekday() and s.staff_id not in overridden]
        todays += [(o.staff_id, o.start_minute, o.end_minute) for o in overrides
                   if o.day == day and o.start_minute is not None and o.end_minute is not None]
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
        for staff_id, start, end in todays:
            # Wall-clock minutes; Shanghai has no DST, and zoneinfo keeps it right elsewhere.
            out.append((midnight + dt.timedelta(minutes=start), midnight + dt.timedelta(minutes=end), staff_id))
    return sorted(out)


def merge_sessions(department: str, spans: list[tuple[dt.datetime, dt.datetime, int]]) -> list[Session]:
    """Overlapping or touching spans become one session."""
    sessions: list[Session] = []
    for start, end, staff_id in sorted(spans):
        if sessions and start <= sessions[-1].end:
            last = sessions[-1]
            sessions[-1] = Session(department, last.start, max(last.end, end), last.staff_ids | {staff_id})
        else:
            sessions.append(Session(department, start, end, frozenset({staff_id})))
    return sessions


def sessions_around(
    department: str, shifts: list[Shift], overrides: list[Override], at: dt.datetime, tz: ZoneInfo
) -> list[Session]:
    """The department's sessions from the day before `at` to HORIZON_DAYS after (so night shifts merge)."""
    first = at.astimezone(tz).date() - dt.timedelta(days=1)
    mine = [s for s in shifts if s.department == department]
    theirs = [o for o in overrides if o.department == department]
    return merge_sessions(department, intervals(mine, theirs, first, HORIZON_DAYS + 2, tz))


class Roster:
    """Weekly shifts and date overrides in SQL, and the sessions they make."""

    def __init__(self, db: Database, timezone: str = DEFAULT_TIMEZONE) -> None:
        self.db = db
        self.tz = ZoneInfo(timezone)

    async def add_shift(self, staff_id: int, department: str, weekday: int, start_minute: int, end_minute: int) -> Shift:
        _check_interval(start_minute, end_minute)
        if not 0 <= weekday <= 6:
            raise RosterError("weekday must be 0 (Monday) to 6 (Sunday)")
        async with self.db.transaction() as s:
            row = RosterShiftRow(staff_id=staff_id, department=department, weekday=weekday,
                                 start_minute=start_minute, end_minute=end_minute)
            s.add(row)
            await s.flush()
            return _shift(row)

    async def add_override(
        self, staff_id: int, department: str, day: dt.date, start_minute: int | None, end_minute: int | None
    ) -> Override:
        if (start_minute is None) != (end_minute is None):
            raise RosterError("an override gives both start and end, or neither (off that day)")
        if start_minute is not None and end_minute is not None:
            _check_interval(start_minute, end_minute)
        async with self.db.transaction() as s:
            row = RosterOverrideRow(staff_id=staff_id, department=department, day=day,
                                    start_minute=start_minute, end_minute=end_minute)
            s.add(row)
            await s.flush()
            return _override(row)

    async def remove_shift(self, shift_id: int) -> bool:
        async with self.db.transaction() as s:
            result = await s.execute(delete(RosterShiftRow).where(RosterShiftRow.id == shift_id))
            return bool(result.rowcount)

    async def remove_override(self, override_id: int) -> bool:
        async with self.db.transaction() as s:
            result = await s.execute(delete(RosterOverrideRow).where(RosterOverrideRow.id == override_id))
            return bool(result.rowcount)

    async def shifts(self, department: str | None = None, *, on_duty_only: bool = False) -> list[Shift]:
        """Weekly shifts; `on_duty_only`: only those of active doctors who belong to the shift's department."""
        async with self.db.session() as s:
            query = select(RosterShiftRow).order_by(RosterShiftRow.department, RosterShiftRow.weekday,
                                                    RosterShiftRow.start_minute)
            if department:
                query = query.where(RosterShiftRow.department == department)
            if on_duty_only:
                query = _seeing_the_queue(query, RosterShiftRow)
            return [_shift(r) for r in (await s.scalars(query)).all()]

    async def overrides(self, department: str | None = None, since: dt.date | None = None,
                        *, on_duty_only: bool = False) -> list[Override]:
        async with self.db.session() as s:
            query = select(RosterOverrideRow).order_by(RosterOverrideRow.day)
            if department:
                query = query.where(RosterOverrideRow.department == department)
            if since:
                query = query.where(RosterOverrideRow.day >= since)
            if on_duty_only:
                query = _seeing_the_queue(query, RosterOverrideRow)
            return [_override(r) for r in (await s.scalars(query)).all()]

    async def sessions(self, department: str, at: dt.datetime) -> list[Session]:
        """Sessions made by the doctors who can see this department's queue (see the module docstring)."""
        since = at.astimezone(self.tz).date() - dt.timedelta(days=1)
        return sessions_around(department, await self.shifts(department, on_duty_only=True),
                               await self.overrides(department, since, on_duty_only=True), at, self.tz)

    async def current_session(self, department: str, at: dt.datetime) -> Session | None:
        return next((x for x in await self.sessions(department, at) if x.contains(at)), None)

    async def next_session(self, department: str, at: dt.datetime) -> Session | None:
        """The session running at `at`, or else the first one that starts after it."""
        return next((x for x in await self.sessions(department, at) if x.end > at), None)

    def local(self, at: dt.datetime) -> dt.datetime:
        return at.astimezone(self.tz)


def _seeing_the_queue(query: Any, table: type[RosterShiftRow] | type[RosterOverrideRow]) -> Any:
    """Keep rows whose person is an active doctor of the row's department (who sees its queue)."""
    return (query.join(StaffRow, and_(StaffRow.id == table.staff_id, StaffRow.active.is_(True), StaffRow.role == "doctor"))
            .join(StaffDepartmentRow, and_(StaffDepartmentRow.staff_id == table.staff_id,
                                           StaffDepartmentRow.department == table.department)))


def _shift(row: RosterShiftRow) -> Shift:
    return Shift(row.id, row.staff_id, row.department, row.weekday, row.start_minute, row.end_minute)


def _override(row: RosterOverrideRow) -> Override:
    return Override(row.id, row.staff_id, row.department, row.day, row.start_minute, row.end_minute)
