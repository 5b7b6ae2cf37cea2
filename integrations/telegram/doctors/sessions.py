"""The sessions a doctor works from Telegram (rows of `telegram_sessions`): which one a chat's messages go to."""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from bot.db import utcnow
from integrations.telegram.models import TelegramSessionRow

if TYPE_CHECKING:
    from integrations.telegram.doctors.desk import DoctorDesk


class Sessions:
    """Open, focus and end the Telegram sessions of the doctors' chats."""

    def __init__(self, desk: "DoctorDesk") -> None:
        self.desk = desk

    async def _current(self, chat_id: int) -> TelegramSessionRow | None:
        """The session the doctor's messages go to: the open one accepted or switched to last."""
        async with self.desk.runtime.db.session() as s:
            return await s.scalar(select(TelegramSessionRow).where(
                TelegramSessionRow.chat_id == chat_id, TelegramSessionRow.ended_at.is_(None))
                .order_by(TelegramSessionRow.focused_at.desc(), TelegramSessionRow.id.desc()).limit(1))

    async def _end_session(self, session: TelegramSessionRow) -> bool:
        async with self.desk.runtime.db.transaction() as s:
            result = await s.execute(update(TelegramSessionRow).where(
                TelegramSessionRow.id == session.id, TelegramSessionRow.ended_at.is_(None)).values(ended_at=utcnow()))
        return result.rowcount == 1

    async def _reopen_session(self, session: TelegramSessionRow) -> None:
        async with self.desk.runtime.db.transaction() as s:
            await s.execute(update(TelegramSessionRow).where(TelegramSessionRow.id == session.id).values(ended_at=None))

    async def _session_staff(self) -> set[int]:
        async with self.desk.runtime.db.session() as s:
            return set((await s.scalars(select(TelegramSessionRow.staff_id).where(
                TelegramSessionRow.ended_at.is_(None)).distinct())).all())

    async def _open_session(self, chat_id: int, staff_id: int, consultation_id: str) -> int | None:
        """A new session row; None when this chat already works this patient (a second tap on 接诊)."""
        try:
            async with self.desk.runtime.db.transaction() as s:
                # A patient transferred back and accepted again by the same doctor starts a new session.
                await s.execute(delete(TelegramSessionRow).where(
                    TelegramSessionRow.consultation_id == consultation_id, TelegramSessionRow.chat_id == chat_id,
                    TelegramSessionRow.ended_at.is_not(None)))
                now = utcnow()
                row = TelegramSessionRow(chat_id=chat_id, staff_id=staff_id, consultation_id=consultation_id,
                                         started_at=now, focused_at=now)
                s.add(row)
                await s.flush()
                return row.id
        except IntegrityError:
            return None
