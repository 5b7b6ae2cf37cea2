"""Handover notes (交班留言): a doctor ending a shift leaves a message about a patient for the next doctor.

A note is written on a consultation by a doctor who took part in it (or an administrator) and belongs to
the patient (the consultation's conversation): every later doctor who opens any consultation of that
patient sees it, with who wrote it and when, until the author is the reader. The text is encrypted at rest
(`FieldCipher`, context `handover_notes.text`); the first doctor other than the author who was shown it
is kept (`read_by`, `read_at`). Opening the consultation is the audit trail's `record.open`; writing is
`consultation.handover` (integrations/console/audit_trail.py), both hash-chained like every other entry.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.consultations.models import UTCDateTime
from bot.crypto import DecryptionError, FieldCipher
from bot.db import Base, Database, utcnow

TEXT_CONTEXT = "handover_notes.text"
MAX_LENGTH = 2000
SHOWN = 20  # the newest notes of a patient shown with a consultation


class HandoverNoteRow(Base):
    __tablename__ = "handover_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    consultation_id: Mapped[str] = mapped_column(String(32), index=True)
    conversation_id: Mapped[str] = mapped_column(String(191), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    author_name: Mapped[str] = mapped_column(String(128))
    text_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    read_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    read_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Handovers:
    def __init__(self, db: Database, cipher: FieldCipher) -> None:
        self.db = db
        self.cipher = cipher

    async def write(self, consultation_id: str, conversation_id: str, author_id: int, author_name: str, text: str) -> int:
        text = text.strip()
        if not text or len(text) > MAX_LENGTH:
            raise ValueError(f"a handover note is 1–{MAX_LENGTH} characters")
        async with self.db.transaction() as session:
            row = HandoverNoteRow(consultation_id=consultation_id, conversation_id=conversation_id, author_id=author_id,
                                  author_name=author_name, text_encrypted=self.cipher.encrypt(text, TEXT_CONTEXT),
                                  created_at=utcnow())
            session.add(row)
            await session.flush()
            return int(row.id)

    async def shown_to(self, conversation_id: str, reader_id: int) -> list[dict[str, Any]]:
        """The patient's notes, newest first, as the doctor opening the patient reads them; the first reader
        other than the author is remembered."""
        async with self.db.transaction() as session:
            rows = list((await session.execute(select(HandoverNoteRow).where(
                HandoverNoteRow.conversation_id == conversation_id).order_by(HandoverNoteRow.id.desc()).limit(SHOWN))).scalars())
            notes = []
            for row in rows:
                if row.read_by is None and row.author_id != reader_id:
                    row.read_by, row.read_at = reader_id, utcnow()
                try:
                    text = self.cipher.decrypt(row.text_encrypted, TEXT_CONTEXT)
                except DecryptionError:
                    text = ""
                notes.append({"id": row.id, "consultation_id": row.consultation_id, "by": row.author_name,
                              "mine": row.author_id == reader_id, "at": row.created_at.isoformat(), "text": text,
                              "read": row.read_at.isoformat() if row.read_at else None})
            return notes


__all__ = ["HandoverNoteRow", "Handovers", "MAX_LENGTH"]
