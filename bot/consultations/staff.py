"""Staff accounts (doctor, pharmacist, admin): argon2 password hashes, departments, lockout, status."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update

from bot.consultations.models import QuickReplyRow, StaffDepartmentRow, StaffRow
from bot.db import Database, utcnow

ROLES = ("doctor", "pharmacist", "admin")
STATUSES = ("online", "away", "offline")
MIN_PASSWORD_CHARS = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,63}$")
_HASHER = PasswordHasher()
# Verifying against this keeps the time of a sign-in with an unknown username like a known one.
_DUMMY_HASH = _HASHER.hash("wenzhen-no-such-user")


class StaffError(ValueError):
    """An account operation that cannot be done; the message says why (shown to admins)."""


@dataclass(frozen=True)
class Staff:
    """A staff member as the rest of the code sees them (never with the password hash)."""

    id: int
    username: str
    display_name: str
    title: str
    role: str
    departments: tuple[str, ...]
    active: bool = True
    status: str = "offline"
    session_version: int = 1

    @property
    def actor(self) -> str:
        """How events name this person: `doctor:7`, `admin:1`."""
        return f"{self.role}:{self.id}"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "username": self.username,
            "display_name": self.display_name,
            "title": self.title,
            "role": self.role,
            "departments": list(self.departments),
            "active": self.active,
            "status": self.status,
        }


@dataclass(frozen=True)
class SignIn:
    """The outcome of a password check: the staff member, or why not."""

    staff: Staff | None
    reason: str = ""  # "" | invalid | locked | inactive
    locked_until: dt.datetime | None = None


@dataclass(frozen=True)
class QuickReply:
    id: int
    text: str


@dataclass
class LockoutPolicy:
    max_failures: int = 5
    lock_minutes: int = 15


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        raise StaffError(f"password must have at least {MIN_PASSWORD_CHARS} characters")


class StaffDirectory:
    """Staff accounts in SQL."""

    def __init__(self, db: Database, departments: list[str], lockout: LockoutPolicy | None = None) -> None:
        self.db = db
        self.departments = departments
        self.lockout = lockout or LockoutPolicy()

    def _check_departments(self, departments: list[str]) -> None:
        unknown = [d for d in departments if d not in self.departments]
        if unknown:
            raise StaffError(f"unknown department(s): {', '.join(unknown)}; known: {', '.join(self.departments)}")

    async def add(
        self,
        username: str,
        password: str,
        *,
        display_name: str,
        role: str = "doctor",
        title: str = "",
        departments: list[str] | None = None,
    ) -> Staff:
        username = username.strip().lower()
        if not _USERNAME.match(username):
            raise StaffError("username: 2-64 characters of a-z, 0-9, '_', '.', '-'")
        if role not in ROLES:
            raise StaffError(f"role must be one of {', '.join(ROLES)}")
        if not display_name.strip():
            raise StaffError("display name must not be empty")
        check_password_strength(password)
        departments = list(dict.fromkeys(departments or []))
        self._check_departments(departments)
        async with self.db.transaction() as s:
            if await s.scalar(select(StaffRow.id).where(StaffRow.username == username)) is not None:
                raise StaffError(f"username {username!r} is taken")
            row = StaffRow(username=username, display_name=display_name.strip(), title=title.strip(), role=role,
                           password_hash=_HASHER.hash(password), active=True, status="offline",
                           failed_logins=0, session_version=1)
            s.add(row)
            await s.flush()
            s.add_all([StaffDepartmentRow(staff_id=row.id, department=d) for d in departments])
        return await self.require(row.id)

    async def get(self, staff_id: int) -> Staff | None:
        """One query (every console request signs in through here)."""
        async with self.db.session() as s:
            found = (await s.execute(
                select(StaffRow, StaffDepartmentRow.department)
                .outerjoin(StaffDepartmentRow, StaffDepartmentRow.staff_id == StaffRow.id)
                .where(StaffRow.id == staff_id).order_by(StaffDepartmentRow.department))).all()
        if not found:
            return None
        return _staff(found[0][0], tuple(d for _, d in found if d is not None))

    async def require(self, staff_id: int) -> Staff:
        staff = await self.get(staff_id)
        if staff is None:
            raise StaffError(f"no staff member with id {staff_id}")
        return staff

    async def by_username(self, username: str) -> Staff | None:
        async with self.db.session() as s:
            row = await s.scalar(select(StaffRow).where(StaffRow.username == username.strip().lower()))
            return None if row is None else await _load(s, row)

    async def list(self, department: str | None = None) -> list[Staff]:
        async with self.db.session() as s:
            query = select(StaffRow).order_by(StaffRow.id)
            if department:
                query = query.join(StaffDepartmentRow, StaffDepartmentRow.staff_id == StaffRow.id).where(
                    StaffDepartmentRow.department == department)
            return [await _load(s, r) for r in (await s.scalars(query)).all()]

    async def update(
        self,
        staff_id: int,
        *,
        display_name: str | None = None,
        title: str | None = None,
        role: str | None = None,
        departments: list[str] | None = None,
        active: bool | None = None,
    ) -> Staff:
        if role is not None and role not in ROLES:
            raise StaffError(f"role must be one of {', '.join(ROLES)}")
        async with self.db.transaction() as s:
            row = await s.get(StaffRow, staff_id)
            if row is None:
                raise StaffError(f"no staff member with id {staff_id}")
            if display_name is not None:
                if not display_name.strip():
                    raise StaffError("display name must not be empty")
                row.display_name = display_name.strip()
            if title is not None:
                row.title = title.strip()
            if role is not None:
                row.role = role
            if active is not None:
                row.active = active
                if not active:
                    row.session_version += 1
                    row.status = "offline"
            if departments is not None:
                departments = list(dict.fromkeys(departments))
                self._check_departments(departments)
                await s.execute(delete(StaffDepartmentRow).where(StaffDepartmentRow.staff_id == staff_id))
                s.add_all([StaffDepartmentRow(staff_id=staff_id, department=d) for d in departments])
        return await self.require(staff_id)

    async def set_password(self, staff_id: int, password: str) -> None:
        check_password_strength(password)
        async with self.db.transaction() as s:
            row = await s.get(StaffRow, staff_id)
            if row is None:
                raise StaffError(f"no staff member with id {staff_id}")
            row.password_hash = _HASHER.hash(password)
            row.failed_logins = 0
            row.locked_until = None
            row.session_version += 1

    async def authenticate(self, username: str, password: str, now: dt.datetime | None = None) -> SignIn:
        """Check a password; after `max_failures` wrong ones in a row the account is locked for a while."""
        now = now or utcnow()
        async with self.db.transaction() as s:
            row = await s.scalar(select(StaffRow).where(StaffRow.username == username.strip().lower())
                                 .with_for_update())
            if row is None:
                _verify(_DUMMY_HASH, password)
                return SignIn(None, "invalid")
            if row.locked_until is not None and row.locked_until > now:
                return SignIn(None, "locked", row.locked_until)
            if not _verify(row.password_hash, password):
                row.failed_logins += 1
                if row.failed_logins >= self.lockout.max_failures:
                    row.locked_until = now + dt.timedelta(minutes=self.lockout.lock_minutes)
                    row.failed_logins = 0
                    return SignIn(None, "locked", row.locked_until)
                return SignIn(None, "invalid")
            if not row.active:
                return SignIn(None, "inactive")
            row.failed_logins = 0
            row.locked_until = None
            if _HASHER.check_needs_rehash(row.password_hash):
                row.password_hash = _HASHER.hash(password)
            return SignIn(await _load(s, row))

    async def end_sessions(self, staff_id: int) -> None:
        """Sign the person out everywhere (every cookie they hold stops working)."""
        async with self.db.transaction() as s:
            await s.execute(update(StaffRow).where(StaffRow.id == staff_id).values(
                session_version=StaffRow.session_version + 1, status="offline"))

    async def set_status(self, staff_id: int, status: str) -> None:
        if status not in STATUSES:
            raise StaffError(f"status must be one of {', '.join(STATUSES)}")
        async with self.db.transaction() as s:
            await s.execute(update(StaffRow).where(StaffRow.id == staff_id).values(status=status))

    async def quick_replies(self, staff_id: int) -> list[QuickReply]:
        async with self.db.session() as s:
            rows = await s.scalars(select(QuickReplyRow).where(QuickReplyRow.staff_id == staff_id)
                                   .order_by(QuickReplyRow.id))
            return [QuickReply(r.id, r.text) for r in rows.all()]

    async def add_quick_reply(self, staff_id: int, text: str) -> QuickReply:
        text = text.strip()
        if not text or len(text) > 2000:
            raise StaffError("a quick reply has 1 to 2000 characters")
        async with self.db.transaction() as s:
            row = QuickReplyRow(staff_id=staff_id, text=text)
            s.add(row)
            await s.flush()
            return QuickReply(row.id, row.text)

    async def remove_quick_reply(self, staff_id: int, reply_id: int) -> bool:
        async with self.db.transaction() as s:
            result = await s.execute(delete(QuickReplyRow).where(
                QuickReplyRow.id == reply_id, QuickReplyRow.staff_id == staff_id))
            return bool(result.rowcount)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _staff(row: StaffRow, departments: tuple[str, ...]) -> Staff:
    return Staff(row.id, row.username, row.display_name, row.title, row.role, departments,
                 row.active, row.status, row.session_version)


async def _load(session: object, row: StaffRow) -> Staff:
    departments = (await session.scalars(  # type: ignore[attr-defined]
        select(StaffDepartmentRow.department).where(StaffDepartmentRow.staff_id == row.id)
        .order_by(StaffDepartmentRow.department))).all()
    return _staff(row, tuple(departments))
