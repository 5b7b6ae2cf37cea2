"""The tables of home monitoring (migration 0011_monitoring)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base, BigId, JSONType, utcnow


class MonitoredPatient(Base):
    """One monitored person: a bound medical card, or a family member of an account (bot/monitoring/people.py).

    Keeps what the lists need without reading the series: the newest values, the last three of each
    measure (for the trend), the open flags and the highest level reached since a doctor looked."""

    __tablename__ = "monitoring_patients"
    __table_args__ = (Index("ix_monitoring_patients_conversation", "conversation_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    patient_key: Mapped[str] = mapped_column(String(191), unique=True)  # card:<ID hash> | member:<account>:<relation>
    relation: Mapped[str] = mapped_column(String(16), default="self")  # to the account holder: self, parent, child, …
    card_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # medical_cards.id, when bound
    conversation_id: Mapped[str] = mapped_column(String(191))  # last heard from: reminders and alerts go there
    channel: Mapped[str] = mapped_column(String(32), default="")
    department: Mapped[str] = mapped_column(String(32), default="")
    enrolled: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(String(16), default="")  # consult | urgent | doctor | reading | device
    enrolled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    stopped_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    stopped_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    schedule: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    latest: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # measure -> {value, at, source}
    recent: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # measure -> last values, oldest first
    flags: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # threshold | trend -> detail
    level: Mapped[str] = mapped_column(String(16), default="")
    # Birth date (0031): the card's, else estimated from the age the intake was told; the limits of a child's age.
    born: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    last_reading_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_prompt_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ReadingRow(Base):
    __tablename__ = "monitoring_readings"
    __table_args__ = (
        UniqueConstraint("device_id", "device_reading_id", name="uq_monitoring_device_reading"),
        Index("ix_monitoring_readings_patient", "patient_id", "measure", "taken_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(Integer)
    measure: Mapped[str] = mapped_column(String(24))
    value: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    context: Mapped[str] = mapped_column(String(16), default="")
    source: Mapped[str] = mapped_column(String(16))
    taken_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    device_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    device_reading_id: Mapped[str | None] = mapped_column(String(128), nullable=True)


class AlertRow(Base):
    __tablename__ = "monitoring_alerts"
    __table_args__ = (Index("ix_monitoring_alerts_patient", "patient_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # threshold | trend
    measure: Mapped[str] = mapped_column(String(24))
    value: Mapped[float] = mapped_column(Float)
    level: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class NoteRow(Base):
    """A remote ward-round note (远程查房记录), encrypted at rest."""

    __tablename__ = "monitoring_notes"
    __table_args__ = (Index("ix_monitoring_notes_patient", "patient_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(64))
    author_name: Mapped[str] = mapped_column(String(64), default="")
    text_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class DeviceRow(Base):
    """A home device (oximeter, BP cuff) allowed to post readings for one patient; only its token's hash is kept."""

    __tablename__ = "monitoring_devices"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    patient_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
