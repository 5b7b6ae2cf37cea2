"""Tables of live consultations: staff, their departments, rosters, consultations and quick replies."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, TypeDecorator
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, JSONType, utcnow


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        return value.astimezone(dt.timezone.utc) if value is not None else None

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


class StaffRow(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(64), default="")
    role: Mapped[str] = mapped_column(String(16))  # doctor | pharmacist | admin
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default="offline")  # online | away | offline
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Bumped on sign-out and password change: every cookie signed with the old value stops working.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffDepartmentRow(Base):
    __tablename__ = "staff_departments"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), primary_key=True)
    department: Mapped[str] = mapped_column(String(32), primary_key=True)


class RosterShiftRow(Base):
    """A weekly shift: this person serves this department on this weekday, between two local times."""

    __tablename__ = "roster_shifts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    department: Mapped[str] = mapped_column(String(32), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    start_minute: Mapped[int] = mapped_column(Integer)  # minutes after local midnight
    end_minute: Mapped[int] = mapped_column(Integer)  # up to 1440


class RosterOverrideRow(Base):
    """One date for one person and department: replaces the weekly shifts; no times = off that day."""

    __tablename__ = "roster_overrides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    department: Mapped[str] = mapped_column(String(32), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    start_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_minute: Mapped[int | None] = mapped_column(Integer, nullable=True)


class ConsultationRow(Base):
    __tablename__ = "consultations"
    __table_args__ = (Index("ix_consultations_queue", "department", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(191), index=True)
    department: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    level: Mapped[str | None] = mapped_column(String(16), nullable=True)  # triage level when requested
    priority: Mapped[int] = mapped_column(Integer, default=0)  # lower is seen first
    fee_fen: Mapped[int] = mapped_column(Integer, default=0)
    order_no: Mapped[str | None] = mapped_column(String(64), nullable=True)
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    waiting_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    session_starts_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    doctor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    # A transfer to a named doctor: only they (and admins) may accept it.
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    participants: Mapped[list[int]] = mapped_column(JSONType, default=list)  # everyone who took part
    closing: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)


class EmergencyAlertRow(Base):
    """An emergency outside any session (DepartmentAlert), kept until a doctor takes it: a doctor who signs in
    later (the console, Telegram going on duty) still sees it. Taken by a doctor's "我来处理", or by accepting
    the patient's consultation."""

    __tablename__ = "emergency_alerts"
    __table_args__ = (Index("ix_emergency_alerts_open", "taken_at", "department"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(String(191), index=True)
    department: Mapped[str] = mapped_column(String(32))
    alert: Mapped[dict[str, Any]] = mapped_column(JSONType)  # the red_flag event's data (RedFlag)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    taken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class QuickReplyRow(Base):
    __tablename__ = "quick_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
