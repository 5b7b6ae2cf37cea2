"""Online prescriptions: a doctor signs, a pharmacist reviews, the patient chooses delivery or pick-up and
the order moves `待支付 → 已支付 → 配药中 → 已发货 → 已签收`; chronic patients ask to renew.

The bot never writes a prescription: only `prescribe`, `amend` and `reissue` create or change one, and
each needs a signed-in doctor (`Staff` with the role `doctor`). States of a prescription:

    pending_review ──approve──▶ approved ──(order)──▶ …
          │  ▲
       reject  amend (the prescribing doctor; version + 1)
          ▼  │
        rejected

Every step is an audit entry (bot/supervision: who, when, which prescription, no patient text), a
`prescription` event in the patient's conversation (what the supervision export reads), and, where the
patient should know, a message through their channel (`Engine.push`; on WeChat a template notice when
the 48-hour window is closed: the message's `custom.notice`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import typing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable, Protocol

from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config, ensure_secret_key
from bot.consultations import ConsultationError, Consultations, Staff, topics
from bot.crypto import FieldCipher
from bot.db import Database, utcnow
from bot.engine import Engine
from bot.messages import BotMessage, Button
from bot.prescriptions.checks import (
    FREQUENCIES,
    WARN,
    Finding,
    Limits,
    Line,
    PatientFacts,
    blocking,
    check_prescription,
    packs_needed,
    review_refusal,
)
from bot.prescriptions.formulary import Formulary, load_formulary
from bot.prescriptions.notices import PRESCRIBERS, PrescriptionRejected
from bot.prescriptions.models import PrescriptionOrderRow, PrescriptionReviewRow, PrescriptionRow, RenewalRow
from bot.prescriptions.payments import ManualPayments, PaymentProvider, PaymentRequest, PaymentResult
from bot.pubsub import PubSub
from bot.supervision.audit import AuditEntry, AuditTrail

if TYPE_CHECKING:
    from bot.runtime import Runtime

EVENT = "prescription"  # the conversation event of every step
PENDING, APPROVED, REJECTED, CANCELLED = "pending_review", "approved", "rejected", "cancelled"
STATUS_NAMES = {PENDING: "待审核", APPROVED: "审核通过", REJECTED: "已驳回", CANCELLED: "已作废"}
ORDER_STEPS = ("pending_payment", "paid", "dispensing", "shipped", "received")
ORDER_NAMES = {"pending_payment": "待支付", "paid": "已支付", "dispensing": "配药中", "shipped": "已发货", "received": "已签收"}
FULFILMENTS = {"delivery": "送药到家", "pickup": "到院自取"}
ADDRESS_CONTEXT = "prescription_orders.address"
MAX_DIAGNOSIS = 500
MAX_LINES = 10


class PrescriptionError(Exception):
    """An operation refused; `code` maps to HTTP like ConsultationError's (not_found, forbidden, conflict, invalid)."""

    def __init__(self, code: str, message: str, findings: list[Finding] | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.findings = code, message, findings or []


class InTurn(Protocol):
    async def transaction(self) -> AsyncSession: ...

    def after_commit(self, func: Callable[[], Awaitable[Any]]) -> None: ...


@dataclass(frozen=True)
class Prescription:
    id: str
    conversation_id: str
    consultation_id: str | None
    renewal_id: str | None
    department: str
    doctor_id: int
    status: str
    version: int
    diagnosis: str
    patient: PatientFacts
    lines: tuple[Line, ...]
    findings: tuple[Finding, ...]
    total_fen: int
    signed_at: dt.datetime
    reviewed_at: dt.datetime | None
    pharmacist_id: int | None
    review_reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "conversation_id": self.conversation_id, "consultation_id": self.consultation_id,
            "renewal_id": self.renewal_id, "department": self.department, "doctor_id": self.doctor_id,
            "status": self.status, "status_name": STATUS_NAMES[self.status], "version": self.version,
            "diagnosis": self.diagnosis, "patient": self.patient.to_dict(), "lines": [x.to_dict() for x in self.lines],
            "findings": [f.to_dict() for f in self.findings], "total_fen": self.total_fen,
            "signed_at": self.signed_at.isoformat(), "reviewed_at": self.reviewed_at.isoformat() if self.reviewed_at else None,
            "pharmacist_id": self.pharmacist_id, "review_reason": self.review_reason,
        }


@dataclass(frozen=True)
class Order:
    id: str
    prescription_id: str
    conversation_id: str
    status: str
    fulfilment: str
    amount_fen: int
    payment_provider: str
    transaction_id: str | None
    tracking: str | None
    history: tuple[dict[str, Any], ...]
    has_address: bool

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "prescription_id": self.prescription_id, "status": self.status,
                "status_name": ORDER_NAMES[self.status], "fulfilment": self.fulfilment,
                "fulfilment_name": FULFILMENTS[self.fulfilment], "amount_fen": self.amount_fen,
                "payment_provider": self.payment_provider, "transaction_id": self.transaction_id,
                "tracking": self.tracking, "history": list(self.history), "has_address": self.has_address}


@dataclass(frozen=True)
class Renewal:
    id: str
    conversation_id: str
    previous_id: str
    department: str
    status: str
    requested_at: dt.datetime
    handled_by: int | None
    new_prescription_id: str | None
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "conversation_id": self.conversation_id, "previous_id": self.previous_id,
                "department": self.department, "status": self.status, "requested_at": self.requested_at.isoformat(),
                "handled_by": self.handled_by, "new_prescription_id": self.new_prescription_id, "reason": self.reason}


@dataclass
class Settings:
    """config.yml `prescriptions:` (docs/prescriptions.md)."""

    formulary_dir: str = "content/formulary"
    limits: Limits = field(default_factory=Limits)
    delivery_fee_fen: int = 0
    public_url: str = ""  # where the e-prescription page is reached from outside, e.g. https://hospital.example
    payment_instructions: str = ""

    @classmethod
    def from_section(cls, section: dict[str, Any]) -> "Settings":
        days = section.get("days") or {}
        return cls(
            formulary_dir=str(section.get("formulary_dir") or "content/formulary"),
            limits=Limits(int(days.get("normal", 7)), int(days.get("chronic", 28)), int(days.get("long", 84))),
            delivery_fee_fen=int(section.get("delivery_fee_fen", 0)),
            public_url=str(section.get("public_url") or "").rstrip("/"),
            payment_instructions=str(section.get("payment_instructions") or ""),
        )


def yuan(fen: int) -> str:
    return f"¥{fen / 100:.2f}"


def _id(prefix: str) -> str:
    return f"{prefix}{utcnow():%Y%m%d}{secrets.token_hex(4).upper()}"


class Prescriptions:
    """The prescription domain of one process: a service built once at start (`build_prescriptions`)."""

    def __init__(self, config: Config, db: Database, engine: Engine, audit: AuditTrail, cipher: FieldCipher,
                 consultations: Consultations, payments: PaymentProvider | None = None,
                 pubsub: PubSub | None = None) -> None:
        self.db, self.engine, self.audit, self.cipher, self.consultations = db, engine, audit, cipher, consultations
        self.pubsub = pubsub
        self.settings = Settings.from_section(config.section("prescriptions"))
        self.formulary: Formulary = load_formulary(config.resolve(self.settings.formulary_dir))
        self.payments: PaymentProvider = payments or ManualPayments(self.settings.payment_instructions)
        self._code_key = hashlib.sha256(b"wenzhen prescription code v1" + ensure_secret_key(config).encode()).digest()
        self.hospital = str(config.get("services.hospital.name") or config.get("supervision.institution.name") or "")

    # ---- reading -----------------------------------------------------------------------------

    def _public(self, row: PrescriptionRow) -> Prescription:
        return Prescription(
            row.id, row.conversation_id, row.consultation_id, row.renewal_id, row.department, row.doctor_id, row.status,
            row.version, row.diagnosis, PatientFacts.from_dict(row.patient or {}),
            tuple(Line.from_dict(x) for x in row.lines or []),
            tuple(Finding(f["check"], f["severity"], f["message"], f.get("line")) for f in row.findings or []),
            row.total_fen, row.signed_at, row.reviewed_at, row.pharmacist_id, row.review_reason)

    async def get(self, prescription_id: str) -> Prescription:
        async with self.db.session() as s:
            row = await s.get(PrescriptionRow, prescription_id)
        if row is None:
            raise PrescriptionError("not_found", "no such prescription")
        return self._public(row)

    async def for_conversation(self, conversation_id: str) -> list[Prescription]:
        async with self.db.session() as s:
            rows = (await s.scalars(select(PrescriptionRow).where(PrescriptionRow.conversation_id == conversation_id)
                                    .order_by(PrescriptionRow.signed_at.desc()))).all()
        return [self._public(r) for r in rows]

    async def for_conversations(self, conversation_ids: list[str]) -> list[Prescription]:
        """The prescriptions of several conversations (one patient's, through a bound card), newest first."""
        if not conversation_ids:
            return []
        async with self.db.session() as s:
            rows = (await s.scalars(select(PrescriptionRow).where(PrescriptionRow.conversation_id.in_(conversation_ids))
                                    .order_by(PrescriptionRow.signed_at.desc()))).all()
        return [self._public(r) for r in rows]

    async def orders_of(self, prescription_ids: list[str]) -> dict[str, Order]:
        """The orders of these prescriptions, by prescription id (one query)."""
        if not prescription_ids:
            return {}
        async with self.db.session() as s:
            rows = (await s.scalars(select(PrescriptionOrderRow).where(
                PrescriptionOrderRow.prescription_id.in_(prescription_ids)))).all()
        return {r.prescription_id: _order(r) for r in rows}

    async def waiting_renewals(self, conversation_ids: list[str]) -> list[Renewal]:
        """Renewal requests of these conversations still waiting for a doctor, oldest first."""
        if not conversation_ids:
            return []
        async with self.db.session() as s:
            rows = (await s.scalars(select(RenewalRow).where(RenewalRow.conversation_id.in_(conversation_ids),
                                                             RenewalRow.status == "waiting")
                                    .order_by(RenewalRow.requested_at))).all()
        return [_renewal(r) for r in rows]

    async def by_doctor(self, doctor_id: int, limit: int = 100) -> list[Prescription]:
        async with self.db.session() as s:
            rows = (await s.scalars(select(PrescriptionRow).where(PrescriptionRow.doctor_id == doctor_id)
                                    .order_by(PrescriptionRow.signed_at.desc()).limit(limit))).all()
        return [self._public(r) for r in rows]

    async def review_queue(self) -> list[Prescription]:
        """Waiting for a pharmacist, oldest first."""
        async with self.db.session() as s:
            rows = (await s.scalars(select(PrescriptionRow).where(PrescriptionRow.status == PENDING)
                                    .order_by(PrescriptionRow.signed_at))).all()
        return [self._public(r) for r in rows]

    async def reviews(self, prescription_id: str) -> list[dict[str, Any]]:
        async with self.db.session() as s:
            rows = (await s.scalars(select(PrescriptionReviewRow).where(
                PrescriptionReviewRow.prescription_id == prescription_id).order_by(PrescriptionReviewRow.id))).all()
        return [{"version": r.version, "pharmacist_id": r.pharmacist_id, "decision": r.decision, "reason": r.reason,
                 "at": r.at.isoformat()} for r in rows]

    def verification_code(self, p: Prescription) -> str:
        """A code printed on the e-prescription: anyone holding it can check the page is the hospital's."""
        digest = hmac.new(self._code_key, f"{p.id}:{p.version}".encode(), hashlib.sha256).hexdigest()
        return digest[:10].upper()

    def check_code(self, p: Prescription, code: str) -> bool:
        return hmac.compare_digest(self.verification_code(p), code.strip().upper())

    # ---- the patient's facts and the checks ----------------------------------------------------

    async def intake_facts(self, conversation_id: str) -> PatientFacts:
        """What the intake says (age, weight, pregnancy, medicines taken, stated allergies), as check input."""
        slots = (await self.engine.state(conversation_id)).slots
        medications = [k for k, v in (slots.get("medications") or {}).items() if v is True]
        allergies = str(slots.get("drug_allergies") or "")
        age, weight = slots.get("age"), slots.get("weight_kg")
        return PatientFacts(
            age_years=float(age) if isinstance(age, (int, float)) else None,
            weight_kg=float(weight) if isinstance(weight, (int, float)) else None,
            pregnant=slots.get("pregnant") is True or (slots.get("conditions") or {}).get("pregnancy") is True,
            allergies=self.formulary.resolve(_words(allergies)) if not _denies(allergies) else frozenset(),
            medications=self.formulary.resolve(medications),
        )

    def check(self, lines: list[Line], patient: PatientFacts) -> list[Finding]:
        return check_prescription(self.formulary, lines, patient, self.settings.limits)

    def total(self, lines: list[Line] | tuple[Line, ...]) -> int:
        total = 0
        for line in lines:
            medicine = self.formulary.get(line.code)
            if medicine is not None and line.frequency in FREQUENCIES and line.dose > 0 and line.days > 0:
                total += packs_needed(medicine, line) * medicine.price_fen
        return total

    def _checked(self, lines: list[Line], diagnosis: str, patient: PatientFacts, acknowledged: bool) -> list[Finding]:
        diagnosis = diagnosis.strip()
        if not diagnosis or len(diagnosis) > MAX_DIAGNOSIS:
            raise PrescriptionError("invalid", f"诊断为1～{MAX_DIAGNOSIS}个字")
        if len(lines) > MAX_LINES:
            raise PrescriptionError("invalid", f"一张处方最多{MAX_LINES}种药品")
        findings = self.check(lines, patient)
        blocked = blocking(findings)
        if blocked:
            raise PrescriptionError("invalid", "处方未通过自动审核：" + "；".join(f.message for f in blocked), findings)
        if any(f.severity == WARN for f in findings) and not acknowledged:
            raise PrescriptionError("invalid", "请逐条确认提示后再签名", findings)
        return findings

    # ---- the doctor ----------------------------------------------------------------------------

    @staticmethod
    def _require_doctor(staff: Staff) -> None:
        if staff.role != "doctor":
            raise PrescriptionError("forbidden", "只有医生可以开具处方")

    async def prescribe(self, staff: Staff, consultation_id: str, lines: list[Line], diagnosis: str,
                        patient: PatientFacts, acknowledged: bool = False) -> Prescription:
        """Sign a prescription for the patient of a consultation the doctor takes part in."""
        self._require_doctor(staff)
        try:
            c = await self.consultations.get(consultation_id)
        except ConsultationError:
            raise PrescriptionError("not_found", "no such consultation") from None
        if staff.id not in c.participants and c.doctor_id != staff.id:
            raise PrescriptionError("forbidden", "只能为自己接诊的患者开具处方")
        if c.status not in ("active", "closed"):
            raise PrescriptionError("conflict", f"the consultation is {c.status}; prescribe during or after the visit")
        return await self._sign(staff, c.conversation_id, c.department, lines, diagnosis, patient, acknowledged,
                                consultation_id=c.id)

    async def _sign(self, staff: Staff, conversation_id: str, department: str, lines: list[Line], diagnosis: str,
                    patient: PatientFacts, acknowledged: bool, consultation_id: str | None = None,
                    renewal_id: str | None = None) -> Prescription:
        findings = self._checked(lines, diagnosis, patient, acknowledged)
        row = PrescriptionRow(
            id=_id("RX"), conversation_id=conversation_id, consultation_id=consultation_id, renewal_id=renewal_id,
            department=department, doctor_id=staff.id, status=PENDING, version=1, diagnosis=diagnosis.strip(),
            patient=patient.to_dict(), lines=[x.to_dict() for x in lines], findings=[f.to_dict() for f in findings],
            total_fen=self.total(lines), signed_at=utcnow())
        async with self.db.transaction() as s:
            s.add(row)
        p = await self.get(row.id)
        await self._recorded(staff.actor, "prescription.sign", p, {"findings": len(findings), "version": 1})
        await self._tell(p, "医生已为您开具处方，正在由药师审核，审核通过后会第一时间通知您。", staff.actor)
        return p

    async def amend(self, staff: Staff, prescription_id: str, lines: list[Line], diagnosis: str,
                    patient: PatientFacts, acknowledged: bool = False) -> Prescription:
        """The prescribing doctor corrects a rejected prescription and signs it again (a new version)."""
        self._require_doctor(staff)
        p = await self.get(prescription_id)
        if p.doctor_id != staff.id:
            raise PrescriptionError("forbidden", "只有开方医生可以修改处方")
        if p.status != REJECTED:
            raise PrescriptionError("conflict", f"只有被驳回的处方可以修改（当前：{STATUS_NAMES[p.status]}）")
        findings = self._checked(lines, diagnosis, patient, acknowledged)
        async with self.db.transaction() as s:
            result = await s.execute(update(PrescriptionRow).where(
                PrescriptionRow.id == p.id, PrescriptionRow.status == REJECTED, PrescriptionRow.version == p.version).values(
                status=PENDING, version=p.version + 1, diagnosis=diagnosis.strip(), patient=patient.to_dict(),
                lines=[x.to_dict() for x in lines], findings=[f.to_dict() for f in findings], total_fen=self.total(lines),
                signed_at=utcnow(), reviewed_at=None, pharmacist_id=None))
        if _changed(result) != 1:
            raise PrescriptionError("conflict", "处方已被他人修改，请刷新")
        p = await self.get(p.id)
        await self._recorded(staff.actor, "prescription.amend", p, {"findings": len(findings), "version": p.version})
        return p

    # ---- the pharmacist ------------------------------------------------------------------------

    async def review(self, staff: Staff, prescription_id: str, approve: bool, reason: str = "") -> Prescription:
        """Approve, or reject with a reason (the doctor sees it and may amend). Only a pharmacist, never their own."""
        p = await self.get(prescription_id)
        refusal = review_refusal(staff.id, staff.role, p.doctor_id)
        if refusal:
            raise PrescriptionError("forbidden", refusal)
        reason = reason.strip()
        if not approve and not reason:
            raise PrescriptionError("invalid", "驳回须填写理由")
        if len(reason) > MAX_DIAGNOSIS:
            raise PrescriptionError("invalid", f"理由最多{MAX_DIAGNOSIS}字")
        status, now = (APPROVED if approve else REJECTED), utcnow()
        async with self.db.transaction() as s:
            result = await s.execute(update(PrescriptionRow).where(
                PrescriptionRow.id == p.id, PrescriptionRow.status == PENDING, PrescriptionRow.version == p.version).values(
                status=status, reviewed_at=now, pharmacist_id=staff.id, review_reason=reason or None))
            if _changed(result) != 1:
                raise PrescriptionError("conflict", "这张处方已被审核或已修改，请刷新")
            s.add(PrescriptionReviewRow(prescription_id=p.id, version=p.version, pharmacist_id=staff.id,
                                        decision=status, reason=reason, at=now))
        p = await self.get(p.id)
        await self._recorded(staff.actor, "prescription.approve" if approve else "prescription.reject", p,
                             {"version": p.version})
        if approve:
            await self._announce_approved(p, staff.actor)
        else:
            await self._tell_doctor_rejected(p, staff)
        return p

    async def _tell_doctor_rejected(self, p: Prescription, pharmacist: Staff) -> None:
        """The prescribing doctor learns at once (console stream, and Telegram if linked); the page lists it too."""
        if self.pubsub is None:
            return
        notice = PrescriptionRejected(
            prescription_id=p.id, version=p.version, doctor_id=p.doctor_id, department=p.department,
            medicines=tuple(m.name for x in p.lines if (m := self.formulary.get(x.code)) is not None),
            pharmacist=f"{pharmacist.display_name} {pharmacist.title}".strip(), reason=p.review_reason or "",
            at=p.reviewed_at or utcnow())
        await self.pubsub.publish(topics.staff(p.doctor_id), notice)
        await self.pubsub.publish(PRESCRIBERS, notice)

    async def _announce_approved(self, p: Prescription, actor: str) -> None:
        text = ("您的处方已由药师审核通过（处方号 " + p.id + "）。\n" + self.describe(p) +
                f"\n药品合计：{yuan(p.total_fen)}\n请选择取药方式：")
        notice = {"name": "prescription_approved", "data": {"thing1": "处方审核通过", "amount2": yuan(p.total_fen),
                                                            "character_string3": p.id}}
        buttons = (Button("送药到家", f'/prescription_fulfil{{"rx_id": "{p.id}", "rx_fulfilment": "delivery"}}'),
                   Button("到院自取", f'/prescription_fulfil{{"rx_id": "{p.id}", "rx_fulfilment": "pickup"}}'))
        link = self.page_link(p)
        if link:
            text += f"\n电子处方：{link}"
        await self.engine.push(p.conversation_id, [BotMessage(text=text, buttons=buttons, custom={"notice": notice})],
                               actor=actor)

    def describe(self, p: Prescription) -> str:
        """The items, quantity and instructions in plain Chinese, one numbered line each."""
        lines = []
        for n, line in enumerate(p.lines, 1):
            m = self.formulary.get(line.code)
            if m is None:
                continue
            packs = packs_needed(m, line)
            how = f"每次{line.dose:g}{m.unit}，{FREQUENCIES[line.frequency][1]}，共{line.days}天"
            lines.append(f"{n}. {m.name}（{m.form}）×{packs}{m.pack_unit}：{how}。{m.usage}"
                         + (f"（医生嘱咐：{line.note}）" if line.note else ""))
        return "\n".join(lines)

    def department_name(self, code: str) -> str:
        try:
            return self.consultations.departments.get(code).name
        except KeyError:  # a department removed from config.yml still names its old prescriptions
            return code

    def page_link(self, p: Prescription) -> str:
        if not self.settings.public_url:
            return ""
        return f"{self.settings.public_url}/rx/{p.id}?code={self.verification_code(p)}"

    # ---- the patient's order -------------------------------------------------------------------

    async def open_order(self, turn: InTurn, conversation_id: str, prescription_id: str, fulfilment: str,
                         address: str | None) -> tuple[Order, str]:
        """The patient's choice, in their turn's transaction: the order waits for payment. Returns the order and
        what the payment provider says to do."""
        if fulfilment not in FULFILMENTS:
            raise PrescriptionError("invalid", "unknown fulfilment")
        if fulfilment == "delivery" and not (address or "").strip():
            raise PrescriptionError("invalid", "送药到家需要收货地址")
        session = await turn.transaction()
        row = await session.get(PrescriptionRow, prescription_id)
        if row is None or row.conversation_id != conversation_id:
            raise PrescriptionError("not_found", "no such prescription")
        if row.status != APPROVED:
            raise PrescriptionError("conflict", "处方还没有审核通过")
        existing = await session.scalar(select(PrescriptionOrderRow).where(
            PrescriptionOrderRow.prescription_id == prescription_id))
        if existing is not None:
            raise PrescriptionError("conflict", "这张处方已经下过单了")
        now = utcnow()
        amount = row.total_fen + (self.settings.delivery_fee_fen if fulfilment == "delivery" else 0)
        order = PrescriptionOrderRow(
            id=_id("RO"), prescription_id=prescription_id, conversation_id=conversation_id, status="pending_payment",
            fulfilment=fulfilment,
            address_encrypted=self.cipher.encrypt(address.strip(), ADDRESS_CONTEXT) if fulfilment == "delivery" and address else None,
            amount_fen=amount, payment_provider=self.payments.name, history=[{"status": "pending_payment",
                                                                              "at": now.isoformat(), "actor": "patient"}],
            created_at=now, updated_at=now)
        session.add(order)
        await session.flush()
        start = await self.payments.start(PaymentRequest(order.id, f"处方{prescription_id}药品", amount))
        public = _order(order)
        turn.after_commit(lambda: self._recorded_order("patient", "prescription.order", public))
        return public, start.instructions

    async def orders(self, statuses: tuple[str, ...] = ORDER_STEPS[:-1]) -> list[Order]:
        async with self.db.session() as s:
            rows = (await s.scalars(select(PrescriptionOrderRow).where(PrescriptionOrderRow.status.in_(statuses))
                                    .order_by(PrescriptionOrderRow.created_at))).all()
        return [_order(r) for r in rows]

    async def order(self, order_id: str) -> Order:
        async with self.db.session() as s:
            row = await s.get(PrescriptionOrderRow, order_id)
        if row is None:
            raise PrescriptionError("not_found", "no such order")
        return _order(row)

    async def order_for(self, prescription_id: str) -> Order | None:
        async with self.db.session() as s:
            row = await s.scalar(select(PrescriptionOrderRow).where(PrescriptionOrderRow.prescription_id == prescription_id))
        return None if row is None else _order(row)

    async def address(self, staff: Staff, order_id: str) -> str | None:
        """The delivery address, for the pharmacy that ships it (recorded as a look at the record)."""
        if staff.role not in ("pharmacist", "admin"):
            raise PrescriptionError("forbidden", "只有药师可以查看收货地址")
        async with self.db.session() as s:
            row = await s.get(PrescriptionOrderRow, order_id)
        if row is None:
            raise PrescriptionError("not_found", "no such order")
        await self.audit.record(AuditEntry(actor=staff.actor, action="address.open", object_type="prescription_order",
                                           object_id=row.id, subject=row.conversation_id))
        return self.cipher.decrypt(row.address_encrypted, ADDRESS_CONTEXT) if row.address_encrypted else None

    async def paid(self, result: PaymentResult, actor: str) -> Order:
        """A payment notification (from the provider, or recorded by staff for the manual one)."""
        order = await self.order(result.out_trade_no)
        if result.trade_state != "SUCCESS":
            raise PrescriptionError("invalid", f"payment not successful: {result.trade_state}")
        if result.amount_total != order.amount_fen:
            raise PrescriptionError("invalid", f"金额不符：应付{yuan(order.amount_fen)}，实付{yuan(result.amount_total)}")
        return await self._step(order, "paid", actor, transaction_id=result.transaction_id)

    async def advance(self, staff: Staff, order_id: str, status: str, tracking: str | None = None) -> Order:
        """The pharmacy moves an order on: 配药中, 已发货 (with a tracking number for delivery), 已签收."""
        if staff.role not in ("pharmacist", "admin"):
            raise PrescriptionError("forbidden", "只有药师可以处理订单")
        if status not in ("dispensing", "shipped", "received"):
            raise PrescriptionError("invalid", "status must be dispensing, shipped or received")
        return await self._step(await self.order(order_id), status, staff.actor, tracking=(tracking or "").strip() or None)

    async def _step(self, order: Order, status: str, actor: str, **values: Any) -> Order:
        before = ORDER_STEPS[ORDER_STEPS.index(status) - 1]
        now = utcnow()
        history = [*order.history, {"status": status, "at": now.isoformat(), "actor": actor}]
        async with self.db.transaction() as s:
            result = await s.execute(update(PrescriptionOrderRow).where(
                PrescriptionOrderRow.id == order.id, PrescriptionOrderRow.status == before).values(
                status=status, updated_at=now, history=history, **{k: v for k, v in values.items() if v is not None}))
        if _changed(result) != 1:
            raise PrescriptionError("conflict", f"订单当前为{ORDER_NAMES[order.status]}，不能变为{ORDER_NAMES[status]}")
        order = await self.order(order.id)
        await self._recorded_order(actor, f"prescription_order.{status}", order)
        await self.engine.push(order.conversation_id, [self._order_notice(order)], actor=actor)
        return order

    def _order_notice(self, order: Order) -> BotMessage:
        pickup = order.fulfilment == "pickup"
        texts = {
            "paid": f"已收到您的付款 {yuan(order.amount_fen)}（订单 {order.id}），药房即将为您配药。",
            "dispensing": "药师正在为您配药，请稍候。",
            "shipped": ("药品已配好，请携带就诊卡到医院门诊药房取药窗口领取。" if pickup
                        else f"药品已发出{('，快递单号 ' + order.tracking) if order.tracking else ''}，请留意查收。"),
            "received": "药品已签收。请按说明书和医生嘱咐用药；如有不适或病情加重，请及时就医，紧急情况拨打120。",
        }
        notice = {"name": "prescription_order", "data": {"character_string1": order.id,
                                                          "phrase2": ORDER_NAMES[order.status]}}
        return BotMessage(text=f"【{ORDER_NAMES[order.status]}】" + texts[order.status], custom={"notice": notice})

    # ---- renewal (续方) -------------------------------------------------------------------------

    async def renewable(self, conversation_id: str, among: list[Prescription] | None = None) -> list[Prescription]:
        """The approved prescriptions holding a chronic medicine, newest first (one per set of medicines): the
        conversation's, or `among` those given (the bound card's across conversations: actions/prescriptions/cards.py)."""
        found, seen = [], set()
        for p in among if among is not None else await self.for_conversation(conversation_id):
            codes = tuple(sorted(x.code for x in p.lines))
            chronic = any((m := self.formulary.get(x.code)) is not None and m.chronic for x in p.lines)
            if p.status == APPROVED and chronic and codes not in seen:
                seen.add(codes)
                found.append(p)
        return found

    def payments_instructions(self) -> str:
        """How the patient pays an order waiting for payment (what the provider said when it was opened)."""
        return str(getattr(self.payments, "instructions", "") or self.settings.payment_instructions)

    def chronic_names(self, p: Prescription) -> str:
        return "、".join(m.name for x in p.lines if (m := self.formulary.get(x.code)) is not None and m.chronic)

    async def request_renewal(self, turn: InTurn, conversation_id: str, previous_id: str,
                              theirs: frozenset[str] = frozenset()) -> Renewal:
        """A renewal request in the patient's turn; a doctor of the prescription's department reissues or declines.
        The previous prescription is this conversation's or one of `theirs` (the bound card's, elsewhere); the
        request, the new prescription and every notice belong to this conversation."""
        session = await turn.transaction()
        previous = await session.get(PrescriptionRow, previous_id)
        if previous is None or (previous.conversation_id != conversation_id and previous_id not in theirs):
            raise PrescriptionError("not_found", "no such prescription")
        waiting = await session.scalar(select(RenewalRow).where(
            RenewalRow.previous_id == previous_id, RenewalRow.status == "waiting"))
        if waiting is not None:
            return _renewal(waiting)
        row = RenewalRow(id=_id("RR"), conversation_id=conversation_id, previous_id=previous_id,
                         department=previous.department, status="waiting", requested_at=utcnow(), reason="")
        session.add(row)
        await session.flush()
        renewal = _renewal(row)
        turn.after_commit(lambda: self.audit.record(AuditEntry(
            actor="patient", action="prescription.renewal_request", object_type="renewal", object_id=renewal.id,
            subject=conversation_id, detail={"previous_id": previous_id, "department": renewal.department})))
        return renewal

    async def renewals(self, departments: list[str]) -> list[Renewal]:
        async with self.db.session() as s:
            rows = (await s.scalars(select(RenewalRow).where(RenewalRow.status == "waiting",
                                                             RenewalRow.department.in_(departments))
                                    .order_by(RenewalRow.requested_at))).all()
        return [_renewal(r) for r in rows]

    async def renewal(self, renewal_id: str) -> Renewal:
        async with self.db.session() as s:
            row = await s.get(RenewalRow, renewal_id)
        if row is None:
            raise PrescriptionError("not_found", "no such renewal request")
        return _renewal(row)

    def _require_renewal_doctor(self, staff: Staff, r: Renewal) -> None:
        self._require_doctor(staff)
        if r.department not in staff.departments:
            raise PrescriptionError("forbidden", "这个续方申请属于其他科室")
        if r.status != "waiting":
            raise PrescriptionError("conflict", "这个续方申请已处理")

    async def reissue(self, staff: Staff, renewal_id: str, lines: list[Line], diagnosis: str, patient: PatientFacts,
                      acknowledged: bool = False) -> Prescription:
        """A doctor of the department signs a new prescription for a renewal (then the pharmacist, as always)."""
        r = await self.renewal(renewal_id)
        self._require_renewal_doctor(staff, r)
        p = await self._sign(staff, r.conversation_id, r.department, lines, diagnosis, patient, acknowledged,
                             renewal_id=r.id)
        await self._close_renewal(r, staff, "reissued", new_prescription_id=p.id)
        return p

    async def decline(self, staff: Staff, renewal_id: str, reason: str) -> Renewal:
        r = await self.renewal(renewal_id)
        self._require_renewal_doctor(staff, r)
        if not reason.strip():
            raise PrescriptionError("invalid", "请填写不能续方的原因")
        r = await self._close_renewal(r, staff, "declined", reason=reason.strip())
        await self.engine.push(r.conversation_id, [BotMessage(
            text=f"医生暂不能为您在线续方：{r.reason}\n建议到医院门诊复诊；病情加重请立即就医，紧急情况拨打120。",
            buttons=(Button("咨询医生", "/request_doctor"),))], actor=staff.actor)
        return r

    async def _close_renewal(self, r: Renewal, staff: Staff, status: str, **values: Any) -> Renewal:
        async with self.db.transaction() as s:
            result = await s.execute(update(RenewalRow).where(RenewalRow.id == r.id, RenewalRow.status == "waiting").values(
                status=status, handled_by=staff.id, handled_at=utcnow(), **values))
        if _changed(result) != 1:
            raise PrescriptionError("conflict", "这个续方申请已处理")
        await self.audit.record(AuditEntry(actor=staff.actor, action=f"prescription.renewal_{status}", object_type="renewal",
                                           object_id=r.id, subject=r.conversation_id, detail={"previous_id": r.previous_id}))
        return await self.renewal(r.id)

    # ---- records -------------------------------------------------------------------------------

    async def _recorded(self, actor: str, action: str, p: Prescription, detail: dict[str, Any]) -> None:
        """An audit entry (no patient text) and the conversation's `prescription` event (for the export)."""
        await self.audit.record(AuditEntry(actor=actor, action=action, object_type="prescription", object_id=p.id,
                                           subject=p.conversation_id, detail={**detail, "status": p.status}))
        await self.engine.record(p.conversation_id, EVENT, {
            "action": action, "prescription_id": p.id, "version": p.version, "status": p.status,
            "consultation_id": p.consultation_id, "renewal_id": p.renewal_id, "doctor_id": p.doctor_id,
            "pharmacist_id": p.pharmacist_id, "lines": [x.to_dict() for x in p.lines], "diagnosis": p.diagnosis,
            "findings": [f.to_dict() for f in p.findings], "total_fen": p.total_fen, "reason": p.review_reason}, actor)

    async def _recorded_order(self, actor: str, action: str, order: Order) -> None:
        await self.audit.record(AuditEntry(actor=actor, action=action, object_type="prescription_order",
                                           object_id=order.id, subject=order.conversation_id,
                                           detail={"prescription_id": order.prescription_id, "status": order.status}))

    async def _tell(self, p: Prescription, text: str, actor: str) -> None:
        await self.engine.push(p.conversation_id, [BotMessage(text=text)], actor=actor)


def _changed(result: Any) -> int:
    """The rows an UPDATE changed (a CursorResult's rowcount)."""
    return int(typing.cast(CursorResult[Any], result).rowcount)


def _denies(text: str) -> bool:
    """"没有" / "无" / "不过敏": no allergy stated (an unknown answer is not a denial, but resolves to nothing)."""
    text = text.strip()
    return not text or text in ("none", "unknown") or text.startswith(("没有", "无", "不过敏", "没"))


def _words(text: str) -> list[str]:
    for sep in "，,、；;。 和及":
        text = text.replace(sep, "|")
    return [w.strip().removesuffix("过敏") for w in text.split("|") if w.strip()]


def _order(row: PrescriptionOrderRow) -> Order:
    return Order(row.id, row.prescription_id, row.conversation_id, row.status, row.fulfilment, row.amount_fen,
                 row.payment_provider, row.transaction_id, row.tracking, tuple(row.history or ()),
                 row.address_encrypted is not None)


def _renewal(row: RenewalRow) -> Renewal:
    return Renewal(row.id, row.conversation_id, row.previous_id, row.department, row.status, row.requested_at,
                   row.handled_by, row.new_prescription_id, row.reason or "")


def build_prescriptions(config: Config, db: Database, engine: Engine, audit: AuditTrail, cipher: FieldCipher,
                        consultations: Consultations, pubsub: PubSub) -> Prescriptions:
    """The service factory (the `actions.prescriptions` plugin provides it): the formulary is read once, here."""
    return Prescriptions(config, db, engine, audit, cipher, consultations, pubsub=pubsub)


def prescriptions(runtime: "Runtime") -> Prescriptions:
    """The runtime's `Prescriptions` service (for the edges: routes, commands)."""
    return runtime.services.get(Prescriptions)
