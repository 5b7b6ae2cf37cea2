"""Tables of online prescriptions: the prescription (one row, its version bumped on each amendment), every
pharmacist review, the order that brings the medicine home, and renewal requests (续方申请)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from bot.consultations.models import UTCDateTime
from bot.db import Base, BigId, JSONType


class PrescriptionRow(Base):
    __tablename__ = "prescriptions"
    __table_args__ = (Index("ix_prescriptions_status", "status", "signed_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(191), index=True)
    consultation_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    renewal_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    department: Mapped[str] = mapped_column(String(32))
    doctor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[str] = mapped_column(String(16))  # pending_review | approved | rejected | cancelled
    version: Mapped[int] = mapped_column(Integer, default=1)
    diagnosis: Mapped[str] = mapped_column(Text)
    patient: Mapped[dict[str, Any]] = mapped_column(JSONType)  # the facts the checks used (PatientFacts)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)
    total_fen: Mapped[int] = mapped_column(Integer)
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    pharmacist_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    review_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class PrescriptionReviewRow(Base):
    """One pharmacist decision on one version, kept for the record (审方记录)."""

    __tablename__ = "prescription_reviews"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    prescription_id: Mapped[str] = mapped_column(ForeignKey("prescriptions.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    pharmacist_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    decision: Mapped[str] = mapped_column(String(16))  # approved | rejected
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class PrescriptionOrderRow(Base):
    __tablename__ = "prescription_orders"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # the order number (out_trade_no)
    prescription_id: Mapped[str] = mapped_column(ForeignKey("prescriptions.id"), unique=True)
    conversation_id: Mapped[str] = mapped_column(String(191), index=True)
    status: Mapped[str] = mapped_column(String(16))  # pending_payment | paid | dispensing | shipped | received
    fulfilment: Mapped[str] = mapped_column(String(16))  # delivery | pickup
    address_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)  # FieldCipher, never in clear
    amount_fen: Mapped[int] = mapped_column(Integer)
    payment_provider: Mapped[str] = mapped_column(String(32))
    transaction_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tracking: Mapped[str | None] = mapped_column(String(64), nullable=True)
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSONType)  # [{status, at, actor}]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class RenewalRow(Base):
    """A patient's request to renew a previous prescription (续方), waiting for a doctor of its department."""

    __tablename__ = "prescription_renewals"
    __table_args__ = (Index("ix_prescription_renewals_queue", "department", "status"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(191), index=True)
    previous_id: Mapped[str] = mapped_column(ForeignKey("prescriptions.id"))
    department: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # waiting | reissued | declined
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    new_prescription_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")


async def delete_prescriptions(conn: Any, conversation_id: str) -> None:
    """Remove a conversation's prescriptions with their reviews, orders and renewal requests (the retention
    sweep, inside its audited purge: bot/supervision/retention.py)."""
    ids = select(PrescriptionRow.id).where(PrescriptionRow.conversation_id == conversation_id)
    await conn.execute(delete(PrescriptionReviewRow).where(PrescriptionReviewRow.prescription_id.in_(ids)))
    await conn.execute(delete(PrescriptionOrderRow).where(PrescriptionOrderRow.prescription_id.in_(ids)))
    await conn.execute(delete(RenewalRow).where(RenewalRow.conversation_id == conversation_id))
    await conn.execute(delete(PrescriptionRow).where(PrescriptionRow.conversation_id == conversation_id))
