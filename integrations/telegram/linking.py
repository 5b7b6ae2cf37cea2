"""Linking a staff account to a Telegram chat with a one-time code shown in the console (or the CLI).

Codes are short enough to type on a phone, random enough not to be guessed before they expire,
and stored only as keyed hashes: a copy of the database does not let anyone link a chat.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass

from sqlalchemy import delete, select, update

from bot.db import Database, utcnow
from integrations.telegram.models import TelegramLinkCodeRow, TelegramLinkRow, TelegramSessionRow

# No 0/O, 1/I/L: a doctor copies the code by eye from one screen to another.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8  # 31^8 ≈ 8.5e11 codes, against a few thousand guesses at most before one expires


class LinkError(ValueError):
    """The code cannot be used: unknown, already used or expired (the patient-facing text does not say which)."""


@dataclass(frozen=True)
class LinkCode:
    """A code to type into the bot as `/link CODE`, and until when it works."""

    code: str
    staff_id: int
    expires_at: dt.datetime

    @property
    def display(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}"

    def to_dict(self) -> dict[str, object]:
        return {"code": self.display, "command": f"/link {self.display}", "expires_at": self.expires_at.isoformat()}


def normalise_code(text: str) -> str:
    """What the doctor typed, as stored: full-width folded, separators dropped, upper case."""
    folded = unicodedata.normalize("NFKC", text).upper()
    return "".join(c for c in folded if c.isalnum())


class Linker:
    """Issues and redeems link codes and answers "which chat is this doctor's" (and the reverse)."""

    def __init__(self, db: Database, secret_key: str, ttl: dt.timedelta) -> None:
        self.db = db
        self._key = hashlib.sha256(b"telegram-link-code:" + secret_key.encode()).digest()
        self.ttl = ttl

    def _hash(self, code: str) -> str:
        return hmac.new(self._key, code.encode(), hashlib.sha256).hexdigest()

    async def issue(self, staff_id: int, now: dt.datetime | None = None) -> LinkCode:
        """A new code for this staff member; their earlier unused codes stop working."""
        now = now or utcnow()
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        expires_at = now + self.ttl
        async with self.db.transaction() as s:
            await s.execute(
                delete(TelegramLinkCodeRow).where(
                    TelegramLinkCodeRow.staff_id == staff_id, TelegramLinkCodeRow.used_at.is_(None)
                )
            )
            s.add(TelegramLinkCodeRow(code_hash=self._hash(code), staff_id=staff_id, expires_at=expires_at, created_at=now))
        return LinkCode(code, staff_id, expires_at)

    async def redeem(self, text: str, chat_id: int, now: dt.datetime | None = None) -> int:
        """Link `chat_id` to the code's staff member (replacing any earlier link of either); returns the staff id."""
        now = now or utcnow()
        code = normalise_code(text)
        if len(code) != CODE_LENGTH:
            raise LinkError("malformed code")
        async with self.db.transaction() as s:
            row = await s.get(TelegramLinkCodeRow, self._hash(code), with_for_update=True)
            if row is None or row.used_at is not None or row.expires_at <= now:
                raise LinkError("unknown, used or expired code")
            row.used_at = now
            await s.execute(
                delete(TelegramLinkRow).where(
                    (TelegramLinkRow.staff_id == row.staff_id) | (TelegramLinkRow.chat_id == chat_id)
                )
            )
            await s.flush()
            s.add(TelegramLinkRow(staff_id=row.staff_id, chat_id=chat_id, linked_at=now))
            return row.staff_id

    async def unlink_chat(self, chat_id: int) -> bool:
        """Unlink a chat; its open sessions stop relaying there (they go on in the console)."""
        async with self.db.transaction() as s:
            result = await s.execute(delete(TelegramLinkRow).where(TelegramLinkRow.chat_id == chat_id))
            await s.execute(update(TelegramSessionRow).where(
                TelegramSessionRow.chat_id == chat_id, TelegramSessionRow.ended_at.is_(None)).values(ended_at=utcnow()))
            return bool(result.rowcount)

    async def unlink_staff(self, staff_id: int) -> bool:
        async with self.db.session() as s:
            chat_id = await s.scalar(select(TelegramLinkRow.chat_id).where(TelegramLinkRow.staff_id == staff_id))
        return chat_id is not None and await self.unlink_chat(chat_id)

    async def staff_for_chat(self, chat_id: int) -> int | None:
        async with self.db.session() as s:
            return await s.scalar(select(TelegramLinkRow.staff_id).where(TelegramLinkRow.chat_id == chat_id))

    async def chats_for_staff(self, staff_ids: list[int]) -> dict[int, int]:
        """staff id → chat id, for those of `staff_ids` who linked a chat."""
        if not staff_ids:
            return {}
        async with self.db.session() as s:
            rows = await s.execute(
                select(TelegramLinkRow.staff_id, TelegramLinkRow.chat_id).where(TelegramLinkRow.staff_id.in_(staff_ids))
            )
            return {staff_id: chat_id for staff_id, chat_id in rows.all()}
