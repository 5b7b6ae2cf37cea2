"""Staff members' linked external accounts (a doctor's Telegram chat) and the one-time codes that link them.

The console shows a code (`issue_link_code`); the doctor sends it to the bot of that service,
which redeems it for the chat it came from. Codes are short enough to type on a phone, random
enough not to be guessed before they expire, and stored only as keyed hashes: a copy of the
database does not let anyone link an account. Channels (integrations/telegram) redeem codes and
look links up; nothing here knows a channel beyond its name (`provider`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Integer, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.consultations.models import UTCDateTime
from bot.db import Base, Database, utcnow

if TYPE_CHECKING:
    from bot.runtime import Runtime

# No 0/O, 1/I/L: a doctor copies the code by eye from one screen to another.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8  # 31^8 ≈ 8.5e11 codes, against a few thousand guesses at most before one expires
DEFAULT_TTL_MINUTES = 15


class StaffLinkRow(Base):
    """One external account per staff member and provider, and one staff member per external account."""

    __tablename__ = "staff_links"
    __table_args__ = (UniqueConstraint("provider", "external_id", name="uq_staff_links_external"),)

    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    staff_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_id: Mapped[str] = mapped_column(String(128))
    linked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffLinkCodeRow(Base):
    """A one-time code: only its keyed hash is kept."""

    __tablename__ = "staff_link_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    staff_id: Mapped[int] = mapped_column(Integer, index=True)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class LinkError(ValueError):
    """The code cannot be used: malformed, unknown, already used or expired (people are not told which)."""


@dataclass(frozen=True)
class LinkCode:
    """A code to send to the bot as `/link CODE`, and until when it works."""

    code: str
    staff_id: int
    provider: str
    expires_at: dt.datetime

    @property
    def display(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}"

    def to_dict(self) -> dict[str, object]:
        return {"provider": self.provider, "code": self.display, "command": f"/link {self.display}",
                "expires_at": self.expires_at.isoformat()}


def normalise_code(text: str) -> str:
    """What the doctor typed, as stored: full-width folded, separators dropped, upper case."""
    folded = unicodedata.normalize("NFKC", text).upper()
    return "".join(c for c in folded if c.isalnum())


class StaffLinks:
    """Issues and redeems link codes of one provider, and answers who is linked to what."""

    def __init__(self, db: Database, secret_key: str, provider: str, ttl: dt.timedelta) -> None:
        self.db = db
        self.provider = provider
        self.ttl = ttl
        self._key = hashlib.sha256(f"staff-link-code:{provider}:".encode() + secret_key.encode()).digest()

    def _hash(self, code: str) -> str:
        return hmac.new(self._key, code.encode(), hashlib.sha256).hexdigest()

    async def issue(self, staff_id: int, now: dt.datetime | None = None) -> LinkCode:
        """A new code for this staff member; their earlier unused codes stop working."""
        now = now or utcnow()
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        expires_at = now + self.ttl
        async with self.db.transaction() as s:
            await s.execute(delete(StaffLinkCodeRow).where(
                StaffLinkCodeRow.provider == self.provider, StaffLinkCodeRow.staff_id == staff_id,
                StaffLinkCodeRow.used_at.is_(None)))
            s.add(StaffLinkCodeRow(code_hash=self._hash(code), provider=self.provider, staff_id=staff_id,
                                   expires_at=expires_at, created_at=now))
        return LinkCode(code, staff_id, self.provider, expires_at)

    async def redeem(self, text: str, external_id: str, now: dt.datetime | None = None) -> int:
        """Link `external_id` to the code's staff member (replacing any earlier link of either); the staff id."""
        now = now or utcnow()
        code = normalise_code(text)
        if len(code) != CODE_LENGTH:
            raise LinkError("malformed code")
        async with self.db.transaction() as s:
            row = await s.get(StaffLinkCodeRow, self._hash(code), with_for_update=True)
            if row is None or row.provider != self.provider or row.used_at is not None or row.expires_at <= now:
                raise LinkError("unknown, used or expired code")
            row.used_at = now
            await s.execute(delete(StaffLinkRow).where(
                StaffLinkRow.provider == self.provider,
                (StaffLinkRow.staff_id == row.staff_id) | (StaffLinkRow.external_id == external_id)))
            await s.flush()
            s.add(StaffLinkRow(provider=self.provider, staff_id=row.staff_id, external_id=external_id, linked_at=now))
            return row.staff_id

    async def unlink(self, external_id: str) -> bool:
        async with self.db.transaction() as s:
            result = await s.execute(delete(StaffLinkRow).where(
                StaffLinkRow.provider == self.provider, StaffLinkRow.external_id == external_id))
            return bool(result.rowcount)

    async def staff_for(self, external_id: str) -> int | None:
        async with self.db.session() as s:
            return await s.scalar(select(StaffLinkRow.staff_id).where(
                StaffLinkRow.provider == self.provider, StaffLinkRow.external_id == external_id))

    async def external_for(self, staff_ids: list[int]) -> dict[int, str]:
        """staff id → external id, for those of `staff_ids` who are linked."""
        if not staff_ids:
            return {}
        async with self.db.session() as s:
            rows = await s.execute(select(StaffLinkRow.staff_id, StaffLinkRow.external_id).where(
                StaffLinkRow.provider == self.provider, StaffLinkRow.staff_id.in_(staff_ids)))
            return {staff_id: external_id for staff_id, external_id in rows.all()}


def staff_links(runtime: "Runtime", provider: str) -> StaffLinks:
    """The links of one provider; codes live `<provider>.link_code_ttl_minutes` of config.yml (default 15)."""
    minutes = int(runtime.config.get(f"{provider}.link_code_ttl_minutes", DEFAULT_TTL_MINUTES) or DEFAULT_TTL_MINUTES)
    return StaffLinks(runtime.db, runtime.config.secret_key, provider, dt.timedelta(minutes=minutes))


async def issue_link_code(runtime: "Runtime", staff_id: int, provider: str = "telegram") -> LinkCode:
    """A one-time code for the console to show; the doctor sends `/link CODE` to the provider's bot."""
    return await staff_links(runtime, provider).issue(staff_id)
