"""Tables of the Telegram channel: doctors' notifications and the sessions they work from Telegram.

(Which chat is whose is a staff link: bot/staff_links.py.) Staff ids carry no foreign key on
purpose: this revision branches from the core, and the staff table lives on the consultations
branch, which may be applied after it.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.consultations.models import UTCDateTime
from bot.db import Base, BigId, utcnow


class TelegramNotificationRow(Base):
    """A "new waiting patient" message sent to a doctor's chat; unique, so several workers never send it twice."""

    __tablename__ = "telegram_notifications"
    __table_args__ = (UniqueConstraint("consultation_id", "chat_id", name="uq_telegram_notifications"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    consultation_id: Mapped[str] = mapped_column(String(32), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    settled: Mapped[bool] = mapped_column(default=False)  # edited to say the patient is no longer waiting
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TelegramSessionRow(Base):
    """A consultation a doctor works from Telegram; the focused open one receives the doctor's messages."""

    __tablename__ = "telegram_sessions"
    __table_args__ = (UniqueConstraint("consultation_id", "chat_id", name="uq_telegram_sessions"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    staff_id: Mapped[int] = mapped_column(Integer)
    consultation_id: Mapped[str] = mapped_column(String(32), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The session the doctor's messages go to is the one focused last (on accepting, or by /switch).
    focused_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
