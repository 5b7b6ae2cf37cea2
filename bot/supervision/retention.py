"""Retention and erasure: what expired is removed, a patient's erasure request is honoured where the law allows.

Kinds and their periods come from `supervision.retention` (days). Consultation records — the
conversation of a consultation, the consultation row — are medical records: 《医疗机构病历管理规定》
(2013) 第二十九条 keeps outpatient records at least 15 years, and 《互联网诊疗管理办法（试行）》
(2018) 第二十二条 applies it to internet consultations. Conversations that never reached a doctor,
media files patients sent and broadcast delivery logs have shorter, configurable periods.

Every removal is first written to the audit chain, in the same transaction; on PostgreSQL the
events are removed only through `wenzhen_purge_conversation` (see the 0008 migration), which
refuses unless the newest audit entry records that very purge. An erasure request for a
conversation that holds a medical record still under retention seals it instead: kept, opened
by nobody in the console, reported to the regulator as sealed, removed when its period ends.

Reports uploaded by staff into the embedded hospital system (`hospital_reports`, bot/hospital/embedded.py)
are laboratory and examination results — part of the outpatient record (《医疗机构病历管理规定》(2013)
第十条: 化验单（检验报告）、医学影像检查资料; 第二十九条: at least 15 years): `reports_days` counts from the report's issue date, 15 years by default; a hospital
whose laboratory system keeps the original may keep this copy shorter. Each sweep that removes any
writes one `retention.reports` entry (the rows' ids and count) in the same transaction as the delete.

Appointments booked in the embedded hospital system (`hospital_appointments`, booked, moved or
cancelled by patients) are registration records, not the medical record: the visit itself is recorded by
the doctor. No rule fixes their period; `appointments_days` (3 years by default, like conversations that
never reached a doctor) counts from the appointment's time (its slot's start; when the slot is gone,
from the booking), so nothing upcoming is ever removed. Like reports: one `retention.appointments`
entry (ids, count, days) in the transaction that deletes them. A FHIR hospital system keeps its own.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import InstrumentedAttribute

from bot.broadcasts import DeliveryRow
from bot.cache import Cache
from bot.config import Config
from bot.consultations.lifecycle import OPEN
from bot.consultations.handover import HandoverNoteRow
from bot.consultations.models import ConsultationRow
from bot.prescriptions.models import delete_prescriptions
from bot.db import ConversationRow, Database, EventRow, utcnow
from bot.hospital.embedded import HospitalAppointmentRow, HospitalReportRow, HospitalSlotRow
from bot.patients import Patient
from bot.supervision.audit import AuditEntry, AuditTrail
from bot.supervision.models import SealedRecordRow

DEFAULT_DAYS = {"consultation_records": 15 * 365, "conversations": 3 * 365, "media": 180, "broadcast_logs": 2 * 365,
                "reports": 15 * 365, "appointments": 3 * 365}


@dataclass(frozen=True)
class Retention:
    """How many days each kind is kept (config.yml `supervision.retention`)."""

    consultation_records: int
    conversations: int
    media: int
    broadcast_logs: int
    reports: int
    appointments: int

    @classmethod
    def from_config(cls, config: Config) -> Retention:
        section = config.get("supervision.retention") or {}
        days = {kind: int(section.get(f"{kind}_days", default)) for kind, default in DEFAULT_DAYS.items()}
        if any(d < 1 for d in days.values()):
            raise ValueError("supervision.retention: every period is at least one day")
        return cls(**days)


@dataclass(frozen=True)
class SweepReport:
    conversations: int = 0  # purged: never reached a doctor
    records: int = 0  # purged: consultation records past their retention
    media_files: int = 0
    broadcast_logs: int = 0
    reports: int = 0  # staff-uploaded reports of the embedded hospital system
    appointments: int = 0  # appointments of the embedded hospital system


@dataclass(frozen=True)
class ErasureOutcome:
    kind: str  # deleted | sealed | refused
    reason: str = ""


class RecordKeeper:
    """Runs the sweep and erasure requests over one database (and the state cache in front of it)."""

    def __init__(self, config: Config, db: Database, audit: AuditTrail, cache: Cache | None = None) -> None:
        self.config = config
        self.db = db
        self.audit = audit
        self.cache = cache
        self.retention = Retention.from_config(config)

    # ---- the scheduled sweep ---------------------------------------------------------------

    async def sweep(self, actor: str = "system:retention", now: dt.datetime | None = None) -> SweepReport:
        now = now or utcnow()
        records = conversations = 0
        for cid, has_record in await self._expired(now):
            await self._purge(cid, "retention.purge", actor, {"kind": "consultation_records" if has_record else "conversations"},
                              with_records=True)
            if has_record:
                records += 1
            else:
                conversations += 1
        media = await self._sweep_media(now, actor)
        logs = await self._sweep_broadcast_logs(now, actor)
        reports = await self._sweep_reports(now, actor)
        appointments = await self._sweep_appointments(now, actor)
        return SweepReport(conversations, records, media, logs, reports, appointments)

    async def _expired(self, now: dt.datetime) -> list[tuple[str, bool]]:
        """Conversations whose last event is older than their kind's period (and with no open consultation)."""
        record_cut = (now - dt.timedelta(days=self.retention.consultation_records)).timestamp()
        chat_cut = (now - dt.timedelta(days=self.retention.conversations)).timestamp()
        async with self.db.session() as session:
            last = (await session.execute(
                select(EventRow.conversation_id, func.max(EventRow.timestamp)).group_by(EventRow.conversation_id)
                .having(func.max(EventRow.timestamp) < max(record_cut, chat_cut)))).all()
            found = []
            for cid, latest in last:
                statuses = set((await session.scalars(
                    select(ConsultationRow.status).where(ConsultationRow.conversation_id == cid))).all())
                if statuses & set(OPEN):
                    continue
                has_record = bool(statuses)
                if latest < (record_cut if has_record else chat_cut):
                    found.append((cid, has_record))
        return found

    async def _sweep_media(self, now: dt.datetime, actor: str) -> int:
        cut = (now - dt.timedelta(days=self.retention.media)).timestamp()
        removed = 0
        for root in self._media_dirs():
            for path in sorted(p for p in root.rglob("*") if p.is_file()):
                if path.stat().st_mtime < cut:
                    path.unlink()
                    removed += 1
        if removed:
            await self.audit.record(AuditEntry(actor=actor, action="retention.media", object_type="media",
                                               object_id="*", detail={"files": removed, "days": self.retention.media}))
        return removed

    def _media_dirs(self) -> list[Path]:
        configured = [self.config.get("wechat.media.dir"), str(self.config.data_dir / "media")]
        return [self.config.resolve(d) for d in dict.fromkeys(d for d in configured if d) if self.config.resolve(d).is_dir()]

    async def _sweep_broadcast_logs(self, now: dt.datetime, actor: str) -> int:
        cut = now - dt.timedelta(days=self.retention.broadcast_logs)
        async with self.db.transaction() as session:
            result = await session.execute(delete(DeliveryRow).where(DeliveryRow.updated_at < cut))
        removed = int(getattr(result, "rowcount", 0) or 0)
        if removed:
            await self.audit.record(AuditEntry(actor=actor, action="retention.broadcast_logs", object_type="broadcast_deliveries",
                                               object_id="*", detail={"rows": removed, "days": self.retention.broadcast_logs}))
        return removed

    async def _sweep_reports(self, now: dt.datetime, actor: str) -> int:
        """Staff-uploaded reports issued longer ago than `reports_days`."""
        cut = now - dt.timedelta(days=self.retention.reports)
        return await self._sweep_rows(
            actor, "reports", "hospital_report", HospitalReportRow.id,
            select(HospitalReportRow.id).where(HospitalReportRow.issued_at < cut))

    async def _sweep_appointments(self, now: dt.datetime, actor: str) -> int:
        """Appointments whose time (the slot's start; the booking's without a slot) is longer ago than
        `appointments_days`: booked, moved and cancelled alike, never an upcoming one."""
        cut = now - dt.timedelta(days=self.retention.appointments)
        when = func.coalesce(HospitalSlotRow.start_at, HospitalAppointmentRow.created_at)
        return await self._sweep_rows(
            actor, "appointments", "hospital_appointment", HospitalAppointmentRow.id,
            select(HospitalAppointmentRow.id).outerjoin(
                HospitalSlotRow, HospitalSlotRow.id == HospitalAppointmentRow.slot_id).where(when < cut))

    async def _sweep_rows(self, actor: str, kind: str, object_type: str, id_column: InstrumentedAttribute[int],
                          expired: Select[Any]) -> int:
        """The `retention.<kind>` audit entry (ids, count, days), then the rows, in one transaction: a failed
        delete leaves no entry claiming it."""
        async with self.audit.writing() as conn:
            ids = [int(i) for i in (await conn.scalars(expired.order_by(id_column))).all()]
            if not ids:
                return 0
            await self.audit.append(conn, [AuditEntry(
                actor=actor, action=f"retention.{kind}", object_type=object_type, object_id="*",
                detail={"rows": len(ids), "ids": ids, "days": getattr(self.retention, kind)}, at=time.time())])
            await conn.execute(delete(id_column.class_).where(id_column.in_(ids)))
        return len(ids)

    # ---- a patient's erasure request -------------------------------------------------------

    async def erase(self, conversation_id: str, actor: str, now: dt.datetime | None = None) -> ErasureOutcome:
        """Honour an erasure request: delete, or seal what the law keeps; refused while a consultation is open."""
        now = now or utcnow()
        async with self.db.session() as session:
            known = await session.get(ConversationRow, conversation_id) is not None
            statuses = set((await session.scalars(select(ConsultationRow.status)
                                                  .where(ConsultationRow.conversation_id == conversation_id))).all())
        refusal = "no such conversation" if not known else "a consultation is still open" if statuses & set(OPEN) else ""
        if refusal:
            await self.audit.record(AuditEntry(actor=actor, action="erasure.refused", object_type="conversation",
                                               object_id=conversation_id, subject=conversation_id if known else None,
                                               detail={"reason": refusal}))
            return ErasureOutcome("refused", refusal)
        if statuses:
            async with self.audit.writing() as conn:
                await self.audit.append(conn, [AuditEntry(
                    actor=actor, action="erasure.seal", object_type="conversation", object_id=conversation_id,
                    subject=conversation_id, detail={"retention_days": self.retention.consultation_records})])
                await conn.execute(delete(SealedRecordRow).where(
                    SealedRecordRow.conversation_id == conversation_id))
                await conn.execute(insert(SealedRecordRow).values(
                    conversation_id=conversation_id, sealed_at=now, reason="patient_request"))
            return ErasureOutcome("sealed", "medical records are kept for their retention period")
        await self._purge(conversation_id, "erasure.delete", actor, {"kind": "conversations"}, with_records=False)
        return ErasureOutcome("deleted")

    # ---- removal ---------------------------------------------------------------------------

    async def _purge(self, conversation_id: str, action: str, actor: str, detail: dict[str, Any], with_records: bool) -> None:
        """Audit entry first, then the conversation, its events, its records and the channel identity's cards."""
        async with self.audit.writing() as conn:
            identity = (await conn.execute(select(ConversationRow.channel, ConversationRow.sender).where(
                ConversationRow.id == conversation_id))).first()
            count = await conn.scalar(select(func.count()).select_from(EventRow).where(
                EventRow.conversation_id == conversation_id))
            await self.audit.append(conn, [AuditEntry(
                actor=actor, action=action, object_type="conversation", object_id=conversation_id,
                subject=conversation_id, detail={**detail, "events": int(count or 0)}, at=time.time())])
            await self._remove_events(conn, conversation_id)
            if with_records:
                await conn.execute(delete(ConsultationRow).where(
                    ConsultationRow.conversation_id == conversation_id))
                # Handover notes about the patient are part of the consultation record (and go with it).
                await conn.execute(delete(HandoverNoteRow).where(HandoverNoteRow.conversation_id == conversation_id))
                await delete_prescriptions(conn, conversation_id)
            await conn.execute(delete(SealedRecordRow).where(SealedRecordRow.conversation_id == conversation_id))
            if identity is not None:  # the channel identity's cards (encrypted) go with its conversation
                await conn.execute(delete(Patient).where(
                    Patient.channel == identity.channel, Patient.external_id == identity.sender))
        if self.cache is not None:
            await self.cache.delete(conversation_id)

    async def _remove_events(self, conn: AsyncConnection, conversation_id: str) -> None:
        if self.db.is_sqlite:
            await conn.execute(delete(EventRow).where(EventRow.conversation_id == conversation_id))
            await conn.execute(delete(ConversationRow).where(ConversationRow.id == conversation_id))
        else:
            await conn.execute(text("SELECT wenzhen_purge_conversation(:c)"), {"c": conversation_id})
