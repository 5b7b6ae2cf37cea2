"""Prescriptions in the console (docs/prescriptions.md): the doctor prescribes from a consultation, the
pharmacist reviews (queue oldest first), the pharmacy moves orders; the e-prescription page.

JSON API under /api/console/prescriptions, behind the console's sign-in and CSRF token; RBAC here and
in the domain (only doctors sign, only pharmacists review and never their own, only pharmacists and
administrators handle orders). Every change is an audit entry written by the domain; opening a
prescription is one too (`prescription.open`). The page is /console/prescriptions; the printable
e-prescription is /rx/{id}?code=<verification code> (no sign-in: the code is the key).

Named under `plugins:` (after `actions.prescriptions`, which provides the service).
"""
from __future__ import annotations

import datetime as dt
import html
from typing import Any, Awaitable, Literal, TypeVar

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from bot.consultations import ConsultationError, Staff, build_intake, consultations
from bot.db import utcnow
from bot.plugins import Plugin
from bot.prescriptions.checks import FREQUENCIES, Line, PatientFacts, packs_needed
from bot.prescriptions.payments import ManualPayments
from bot.prescriptions.service import (
    ORDER_NAMES,
    STATUS_NAMES,
    Prescription,
    PrescriptionError,
    Prescriptions,
    prescriptions,
)
from bot.runtime import Runtime
from bot.supervision import AuditEntry
from bot.supervision.models import is_sealed
from integrations.console.auth import ConsoleAuth, ConsoleSession
from integrations.console.http import STATUS_FOR
from integrations.console.pages import SECURITY_HEADERS

T = TypeVar("T")


class LineBody(BaseModel):
    code: str = Field(min_length=1, max_length=64)
    dose: float = Field(gt=0, le=10000, description="amount of the medicine's unit each time (片, ml, 单位…)")
    frequency: str = Field(description=f"one of {', '.join(FREQUENCIES)}")
    days: int = Field(gt=0, le=365)
    note: str = Field("", max_length=200)


class PatientBody(BaseModel):
    age_years: float | None = Field(None, ge=0, le=130)
    weight_kg: float | None = Field(None, gt=0, le=300)
    pregnant: bool = False
    lactating: bool = False
    allergies: list[str] = Field(default_factory=list, max_length=20, description="words: 青霉素, 磺胺, 布洛芬…")
    medications: list[str] = Field(default_factory=list, max_length=30, description="what the patient takes: words or codes")


class CheckBody(BaseModel):
    lines: list[LineBody] = Field(max_length=10)
    patient: PatientBody


class PrescribeBody(CheckBody):
    diagnosis: str = Field(min_length=1, max_length=500)
    acknowledged: bool = Field(False, description="the doctor read every warning")


class NewPrescriptionBody(PrescribeBody):
    consultation_id: str = Field(min_length=1, max_length=32)


class ReviewBody(BaseModel):
    approve: bool
    reason: str = Field("", max_length=500)


class PaidBody(BaseModel):
    receipt: str = Field(min_length=1, max_length=40, description="the receipt number of the payment seen")
    amount_fen: int = Field(gt=0)


class AdvanceBody(BaseModel):
    status: Literal["dispensing", "shipped", "received"]
    tracking: str = Field("", max_length=64)


class DeclineBody(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


def _refused(exc: PrescriptionError) -> HTTPException:
    detail: Any = exc.message
    if exc.findings:
        detail = {"message": exc.message, "findings": [f.to_dict() for f in exc.findings]}
    return HTTPException(STATUS_FOR.get(exc.code, 400), detail)


def prescriptions_api(runtime: Runtime) -> APIRouter:
    service = prescriptions(runtime)
    visits = consultations(runtime)
    auth = ConsoleAuth(runtime)
    signed_in = Depends(auth.current)
    changing = Depends(auth.changing)
    router = APIRouter(prefix="/api/console/prescriptions", tags=["prescriptions"])

    def facts(body: PatientBody) -> PatientFacts:
        return PatientFacts(body.age_years, body.weight_kg, body.pregnant, body.lactating,
                            service.formulary.resolve(body.allergies), service.formulary.resolve(body.medications))

    def lines(body: CheckBody) -> list[Line]:
        return [Line(x.code, x.dose, x.frequency, x.days, x.note.strip()) for x in body.lines]

    def pharmacy(staff: Staff) -> None:
        if staff.role not in ("pharmacist", "admin"):
            raise HTTPException(403, "pharmacists only")

    async def run(operation: Awaitable[T]) -> T:
        try:
            return await operation
        except PrescriptionError as exc:
            raise _refused(exc) from None

    async def asked(conversation_id: str) -> dict[str, dict[str, Any]]:
        """console8: whether the intake asked about drug allergies and (newcomer trial 12) current medicines, by the
        summary's rule (summary.yml `background`): 未询问 when never asked, 无 only when the patient said none, 不清楚
        when they did not know (the review page said 过敏：无 / 在用药：无 for a question never put)."""
        state = await runtime.engine.state(conversation_id)
        summary = build_intake(state, await runtime.engine.events(conversation_id))
        found = {b["name"]: b for b in summary.background}
        return {name: {"status": found[name]["status"], "text": found[name]["text"]}
                for name in ("allergies", "medications")}

    async def view(p: Prescription, staff: Staff) -> dict[str, Any]:
        order = await service.order_for(p.id)
        doctor = await visits.staff.get(p.doctor_id)
        pharmacist = await visits.staff.get(p.pharmacist_id) if p.pharmacist_id else None
        return {
            **p.to_dict(),
            "items": _items(service, p),
            "doctor": doctor.display_name if doctor else "",
            "pharmacist": pharmacist.display_name if pharmacist else "",
            "waiting_minutes": int((utcnow() - p.signed_at).total_seconds() // 60),
            "reviews": await service.reviews(p.id),
            "order": order.to_dict() if order else None,
            "verification_code": service.verification_code(p),
            "patient_names": {"allergies": [service.formulary.name_of(a) for a in sorted(p.patient.allergies)],
                              "medications": [service.formulary.name_of(m) for m in sorted(p.patient.medications)]},
            "mine": p.doctor_id == staff.id,
            **{f"{'allergy' if name == 'allergies' else name}_asked": found
               for name, found in (await asked(p.conversation_id)).items()},
        }

    async def readable(prescription_id: str, staff: Staff) -> Prescription:
        p = await run(service.get(prescription_id))
        if staff.role == "doctor" and p.doctor_id != staff.id and p.department not in staff.departments:
            raise HTTPException(403, "this prescription belongs to another department")
        return p

    # ---- the formulary and the instant checks ------------------------------------------------

    @router.get("/formulary")
    async def formulary(q: str = "", session: ConsoleSession = signed_in) -> list[dict[str, Any]]:
        """Search the catalogue by name, ingredient or class (他汀, 降压, 布洛芬)."""
        return [m.to_dict() for m in service.formulary.search(q[:40])]

    @router.get("/frequencies")
    async def frequencies(session: ConsoleSession = signed_in) -> list[dict[str, Any]]:
        return [{"code": code, "times": times, "name": name} for code, (times, name) in FREQUENCIES.items()]

    @router.get("/consultations/{consultation_id}/facts")
    async def intake_facts(consultation_id: str, session: ConsoleSession = signed_in) -> dict[str, Any]:
        """What the intake says of the patient (age, weight, pregnancy, medicines, stated allergies) to prefill the form."""
        try:
            c = await visits.get(consultation_id)
        except ConsultationError:
            raise HTTPException(404, "no such consultation") from None
        if not visits.can_view(session.staff, c):
            raise HTTPException(403, "this consultation belongs to another department")
        found = await service.intake_facts(c.conversation_id)
        state = await runtime.engine.state(c.conversation_id)
        return {**found.to_dict(), "allergies": [service.formulary.name_of(a) for a in sorted(found.allergies)],
                "medications": [service.formulary.name_of(m) for m in sorted(found.medications)],
                "allergy_text": str(state.slots.get("drug_allergies") or ""), "consultation": c.to_dict()}

    @router.post("/check")
    async def check(body: CheckBody, session: ConsoleSession = signed_in) -> dict[str, Any]:
        """Run every check now (nothing is stored): the findings and the price."""
        found = service.check(lines(body), facts(body.patient))
        return {"findings": [f.to_dict() for f in found], "total_fen": service.total(lines(body))}

    # ---- the doctor ------------------------------------------------------------------------------

    @router.post("", status_code=201)
    async def prescribe(body: NewPrescriptionBody, session: ConsoleSession = changing) -> dict[str, Any]:
        """Sign a prescription for the patient of your consultation; 422 with the findings when a check refuses it."""
        p = await run(service.prescribe(session.staff, body.consultation_id, lines(body), body.diagnosis,
                                        facts(body.patient), body.acknowledged))
        return await view(p, session.staff)

    @router.get("/mine")
    async def mine(session: ConsoleSession = signed_in) -> list[dict[str, Any]]:
        """The prescriptions I signed, newest first (rejected ones show the pharmacist's reason)."""
        return [await view(p, session.staff) for p in await service.by_doctor(session.staff.id)]

    @router.put("/{prescription_id}")
    async def amend(prescription_id: str, body: PrescribeBody, session: ConsoleSession = changing) -> dict[str, Any]:
        """Correct a rejected prescription and sign it again: it goes back to the pharmacists' queue."""
        p = await run(service.amend(session.staff, prescription_id, lines(body), body.diagnosis, facts(body.patient),
                                    body.acknowledged))
        return await view(p, session.staff)

    @router.get("/renewals")
    async def renewals(session: ConsoleSession = signed_in) -> list[dict[str, Any]]:
        """Renewal requests waiting for a doctor of my departments, oldest first, with the previous prescription."""
        staff = session.staff
        codes = visits.departments.codes() if staff.is_admin else list(staff.departments)
        answer = []
        for r in await service.renewals(codes):
            previous = await service.get(r.previous_id)
            answer.append({**r.to_dict(), "previous": await view(previous, staff),
                           "patient": (await service.intake_facts(r.conversation_id)).to_dict()})
        return answer

    @router.post("/renewals/{renewal_id}/reissue", status_code=201)
    async def reissue(renewal_id: str, body: PrescribeBody, session: ConsoleSession = changing) -> dict[str, Any]:
        p = await run(service.reissue(session.staff, renewal_id, lines(body), body.diagnosis, facts(body.patient),
                                      body.acknowledged))
        return await view(p, session.staff)

    @router.post("/renewals/{renewal_id}/decline")
    async def decline(renewal_id: str, body: DeclineBody, session: ConsoleSession = changing) -> dict[str, Any]:
        return (await run(service.decline(session.staff, renewal_id, body.reason))).to_dict()

    # ---- the pharmacist --------------------------------------------------------------------------

    @router.get("/review-queue")
    async def review_queue(session: ConsoleSession = signed_in) -> list[dict[str, Any]]:
        """Waiting for review, oldest first, with how long each has waited."""
        pharmacy(session.staff)
        return [await view(p, session.staff) for p in await service.review_queue()]

    @router.post("/{prescription_id}/review")
    async def review(prescription_id: str, body: ReviewBody, session: ConsoleSession = changing) -> dict[str, Any]:
        """Approve (the patient is told and chooses delivery or pick-up), or reject with a reason (the doctor amends)."""
        p = await run(service.review(session.staff, prescription_id, body.approve, body.reason))
        return await view(p, session.staff)

    @router.get("/orders")
    async def orders(session: ConsoleSession = signed_in) -> list[dict[str, Any]]:
        """Open orders, oldest first."""
        pharmacy(session.staff)
        return [o.to_dict() for o in await service.orders()]

    @router.get("/orders/{order_id}/address")
    async def address(order_id: str, session: ConsoleSession = signed_in) -> dict[str, Any]:
        """The delivery address, decrypted for the pharmacy that ships (recorded)."""
        return {"address": await run(service.address(session.staff, order_id))}

    @router.post("/orders/{order_id}/paid")
    async def paid(order_id: str, body: PaidBody, session: ConsoleSession = changing) -> dict[str, Any]:
        """Record a payment seen at the window or in the hospital's channel (the manual payment adapter)."""
        pharmacy(session.staff)
        try:
            result = ManualPayments.record(order_id, body.amount_fen, body.receipt, utcnow())
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        return (await run(service.paid(result, session.staff.actor))).to_dict()

    @router.post("/orders/{order_id}/advance")
    async def advance(order_id: str, body: AdvanceBody, session: ConsoleSession = changing) -> dict[str, Any]:
        """配药中, 已发货 (with the tracking number), 已签收: the patient is told at each step."""
        return (await run(service.advance(session.staff, order_id, body.status, body.tracking))).to_dict()

    @router.get("/{prescription_id}")
    async def one(prescription_id: str, session: ConsoleSession = signed_in) -> dict[str, Any]:
        """One prescription with its findings, reviews and order; a pharmacist also sees the intake."""
        p = await readable(prescription_id, session.staff)
        if await is_sealed(runtime.db, p.conversation_id):
            raise HTTPException(403, "this record was sealed on the patient's request")
        answer = await view(p, session.staff)
        if session.staff.role in ("pharmacist", "admin"):
            state = await runtime.engine.state(p.conversation_id)
            answer["intake"] = build_intake(state, await runtime.engine.events(p.conversation_id)).to_dict()
        await runtime.audit.record(AuditEntry(actor=session.staff.actor, action="prescription.open",
                                              object_type="prescription", object_id=p.id, subject=p.conversation_id))
        return answer

    return router


def _items(service: Prescriptions, p: Prescription) -> list[dict[str, Any]]:
    items = []
    for line in p.lines:
        m = service.formulary.get(line.code)
        if m is None:
            continue
        packs = packs_needed(m, line)
        items.append({**line.to_dict(), "name": m.name, "form": m.form, "unit": m.unit, "pack_unit": m.pack_unit,
                      "packs": packs, "price_fen": packs * m.price_fen, "frequency_name": FREQUENCIES[line.frequency][1],
                      "usage": m.usage, "strength": f"{m.strength:g}{m.dose_unit}/{m.unit}"})
    return items


def prescription_pages(runtime: Runtime) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/rx/{prescription_id}", response_class=HTMLResponse)
    async def printable(prescription_id: str, code: str = "") -> HTMLResponse:
        """The e-prescription, printable; only with its verification code (a wrong one is a 404, like no prescription)."""
        service = prescriptions(runtime)
        try:
            p = await service.get(prescription_id[:32])
        except PrescriptionError:
            raise HTTPException(404, "no such prescription") from None
        if not code or not service.check_code(p, code[:20]):
            raise HTTPException(404, "no such prescription")
        staff = consultations(runtime).staff
        doctor = await staff.get(p.doctor_id)
        pharmacist = await staff.get(p.pharmacist_id) if p.pharmacist_id else None
        return HTMLResponse(_printable(service, p, doctor, pharmacist, runtime.config.get("consultations.timezone")),
                            headers=SECURITY_HEADERS)

    return router


def _printable(service: Prescriptions, p: Prescription, doctor: Staff | None, pharmacist: Staff | None,
               timezone: Any) -> str:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(str(timezone or "Asia/Shanghai"))
    e = html.escape

    def when(at: dt.datetime | None) -> str:
        return at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if at else "—"

    rows = "".join(
        f"<tr><td>{n}</td><td>{e(i['name'])}<br><small>{e(i['form'])} {e(i['strength'])}</small></td>"
        f"<td>每次{i['dose']:g}{e(i['unit'])}，{e(i['frequency_name'])}，{i['days']}天"
        + (f"<br><small>医嘱：{e(i['note'])}</small>" if i.get("note") else "") + "</td>"
        f"<td>{i['packs']}{e(i['pack_unit'])}</td><td>¥{i['price_fen'] / 100:.2f}</td></tr>"
        for n, i in enumerate(_items(service, p), 1))
    status = STATUS_NAMES[p.status]
    title = f"{e(service.hospital)} 电子处方" if service.hospital else "互联网医院电子处方"
    facts = p.patient
    terms = service.formulary.terms
    allergies = "、".join(e(terms[a].name if a in terms else a) for a in sorted(facts.allergies)) or "未述"
    age = f"{facts.age_years:g}岁" if facts.age_years is not None else "未述"
    weight = f"{facts.weight_kg:g}kg" if facts.weight_kg is not None else "未述"
    special = "、".join(w for w, on in (("妊娠", facts.pregnant), ("哺乳", facts.lactating)) if on) or "无"
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>电子处方 {e(p.id)}</title>
<link rel="stylesheet" href="/console/static/console.css"></head>
<body class="rx-print"><main>
<h1>{title}</h1>
<p>处方号：<b>{e(p.id)}</b>（第{p.version}版） 状态：<b>{e(status)}</b></p>
<p>科室：{e(service.department_name(p.department))} 开具时间：{when(p.signed_at)}</p>
<p>患者：年龄 {age} 体重 {weight} 妊娠/哺乳 {special} 药物过敏 {allergies}
（姓名等身份信息见医院系统，不在此链接中显示）</p>
<p>诊断：{e(p.diagnosis)}</p>
<table class="rx-items"><thead><tr><th>#</th><th>药品</th><th>用法用量</th><th>数量</th><th>金额</th></tr></thead>
<tbody>{rows}</tbody></table>
<p>合计：¥{p.total_fen / 100:.2f}</p>
<p>开方医生：{e(doctor.display_name if doctor else '—')} {e(doctor.title if doctor else '')}（电子签名 {when(p.signed_at)}）</p>
<p>审核药师：{e(pharmacist.display_name if pharmacist else '待审核')}（{when(p.reviewed_at)}）</p>
<p>验证码：<b>{e(service.verification_code(p))}</b> — 凭处方号和验证码可在本页核验处方真伪。</p>
<p><small>本处方仅限本院药房调配，{'已审核通过' if p.status == 'approved' else '未经药师审核通过不得调配'}。</small></p>
</main></body></html>"""


plugin = Plugin(name="console-prescriptions", routers=[prescriptions_api, prescription_pages])
__all__ = ["ORDER_NAMES", "plugin"]
