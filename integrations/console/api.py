"""The console's JSON API under /api/console: what the doctor page does, for any front end (see /docs).

Sign in with `POST /api/console/session`; then every request carries the session cookie, and every
state-changing one also `X-CSRF-Token` (from the sign-in answer or `GET /api/console/me`).
401: not signed in. 403: a bad CSRF token, or a consultation outside the doctor's departments.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Response
from fastapi.responses import FileResponse, JSONResponse

from bot import events as ev
from bot import wire
from bot.consultations import (
    Closing,
    Consultation,
    ConsultationError,
    Staff,
    StaffError,
    build_intake,
    consultations,
    patient_attachments,
)
from bot.consultations.alert_actions import consult_from_alert as open_from_alert_audited
from bot.consultations.alert_actions import dismiss_alert as dismiss_alert_for
from bot.consultations.handover import Handovers
from bot.consultations.service import AlertConflict
from bot.runtime import Runtime
from bot.staff_links import issue_link_code
from bot.supervision.access import treating_card
from integrations.console.auth import ConsoleAuth, ConsoleSession
from integrations.console.http import STATUS_FOR, act, refused
from integrations.console.schemas import (
    HandoverBody,
    CloseBody,
    InviteBody,
    MessageBody,
    PaidBody,
    QuickReplyBody,
    SignedIn,
    SignInBody,
    StatusBody,
    TelegramLinkCode,
    TransferBody,
)
from integrations.console.presenters import button_titles, consultation_cards, consultation_view, labels, queue_cards

TRANSCRIPT_LIMIT = 300  # the newest events a consultation page shows


HOME_PAGES = {"doctor": "/console", "pharmacist": "/console/prescriptions", "admin": "/console/admin"}


def takes_patients(role: str) -> bool:
    """Whether this role is on duty for patients (the queue, 在线接诊): doctors only."""
    return role == "doctor"


def home_page(role: str) -> str:
    """Where a role lands after signing in: a doctor's workbench, a pharmacist's review, an admin's page."""
    return HOME_PAGES.get(role, "/console")


def _transcript(events: list[ev.Event], since: float) -> list[dict[str, Any]]:
    """The conversation as the doctor reads it: patient, bot and doctor lines; older ones marked as intake."""
    lines = []
    for event in events:
        if event.type not in (ev.USER, ev.BOT):
            continue
        # console8: what the session tells the patient on a change of state (已接诊, 已转诊, the closing) is pushed by
        # the consultation service under the doctor's actor, as a notice: a system line, never one the doctor typed.
        notice = event.type == ev.BOT and bool(event.data.get("notice"))
        line = {
            "seq": event.seq,
            "at": dt.datetime.fromtimestamp(event.timestamp, dt.timezone.utc).isoformat(),
            "from": "patient" if event.type == ev.USER else ("system" if notice else event.actor),
            "text": event.data.get("text") or "",
            "attachments": event.data.get("attachments") or [],
            "in_session": event.timestamp >= since,
        }
        if notice:
            line["notice"] = True
        lines.append(line)
    return lines[-TRANSCRIPT_LIMIT:]


def console_api(runtime: Runtime) -> APIRouter:
    """The router factory the plugin hands the app."""
    service = consultations(runtime)
    auth = ConsoleAuth(runtime)
    router = APIRouter(prefix="/api/console", tags=["doctor console"])
    signed_in = Depends(auth.current)
    changing = Depends(auth.changing)
    admin = Depends(auth.admin)
    handovers = Handovers(runtime.db, runtime.cipher)

    async def transferred_away(consultation_id: str, staff: Staff) -> str | None:
        """console8: the words for a doctor who transferred this patient and is no longer in the session ("该患者已转给
        张医生…"), else None: after a transfer the page said nothing and got a silent 403."""
        try:
            c = await service.get(consultation_id)
        except ConsultationError:
            return None
        if c.status == "active" and staff.id in c.participants:
            return None
        last = None
        for event in await runtime.engine.events(c.conversation_id):
            if event.type == ev.HANDOFF and event.data.get("consultation_id") == c.id \
                    and event.data.get("status") == "transferred":
                last = event.data
        if not last or (last.get("by") or {}).get("id") != staff.id:
            return None
        words = labels().data["transferred_away"]
        to = last.get("to_doctor") or {}
        where = words["to_doctor"].format(doctor=to.get("name") or "") if to else \
            words["to_department"].format(department=last.get("department_name") or "")
        return words["message"].format(to=where)

    async def visible(consultation_id: str, staff: Staff) -> Consultation:
        try:
            c = await service.get(consultation_id)
        except ConsultationError as exc:
            raise refused(exc) from None
        if not service.can_view(staff, c):
            gone = await transferred_away(consultation_id, staff)
            if gone:
                raise HTTPException(403, {"message": gone, "transferred": True})
            raise HTTPException(403, "this consultation belongs to another department")
        return c

    async def acting(consultation_id: str, staff: Staff, operation: Any) -> dict[str, Any]:
        """`act`, but a doctor acting on a patient they transferred is told so in words (console8), not a bare 403/409."""
        try:
            return await act(operation)
        except HTTPException as exc:
            if exc.status_code in (403, 409):
                gone = await transferred_away(consultation_id, staff)
                if gone:
                    raise HTTPException(exc.status_code, {"message": gone, "transferred": True}) from None
            raise

    # ---- session ---------------------------------------------------------------------------

    @router.post("/session", response_model=SignedIn, responses={401: {}, 429: {}})
    async def sign_in(body: SignInBody, response: Response) -> Any:
        """Sign in with username and password. Repeated wrong passwords lock the account for a while (429)."""
        result = await service.staff.authenticate(body.username, body.password)
        if result.staff is None:
            if result.reason == "locked" and result.locked_until is not None:
                retry = max(1, int((result.locked_until - dt.datetime.now(dt.timezone.utc)).total_seconds()))
                return JSONResponse({"detail": "too many wrong passwords; the account is locked for a while",
                                     "locked_until": result.locked_until.isoformat()},
                                    status_code=429, headers={"Retry-After": str(retry)})
            raise HTTPException(401, "wrong username or password")
        if takes_patients(result.staff.role):  # a pharmacist or an admin is never put on duty for patients
            await service.staff.set_status(result.staff.id, "online")
        csrf = auth.issue(response, result.staff)
        return SignedIn(staff=result.staff.to_dict(), csrf_token=csrf, home=home_page(result.staff.role))

    @router.delete("/session", status_code=204)
    async def sign_out(response: Response, session: ConsoleSession = changing) -> Response:
        """Sign out everywhere: every cookie of this person stops working."""
        await service.staff.end_sessions(session.staff.id)
        auth.clear(response)
        response.status_code = 204
        return response

    @router.get("/me", response_model=SignedIn)
    async def me(session: ConsoleSession = signed_in) -> Any:
        """Who is signed in, and the CSRF token of this sign-in."""
        return SignedIn(staff=session.staff.to_dict(), csrf_token=session.csrf, telegram=telegram_on(),
                        home=home_page(session.staff.role))

    def telegram_on() -> bool:
        # The Telegram plugin registers its output channel only when its token is configured.
        return "telegram" in runtime.engine.outputs

    @router.post("/me/telegram-link-code", response_model=TelegramLinkCode, responses={404: {}})
    async def telegram_link_code(session: ConsoleSession = changing) -> Any:
        """A one-time code that links the signed-in doctor's Telegram chat: send `/link CODE` to the bot."""
        if not telegram_on():
            raise HTTPException(404, "Telegram is not enabled in this deployment")
        code = await issue_link_code(runtime, session.staff.id, "telegram")
        return TelegramLinkCode(**code.to_dict())

    @router.put("/me/status", status_code=204)
    async def set_status(body: StatusBody, session: ConsoleSession = changing) -> Response:
        """Online (taking patients) or away."""
        await service.staff.set_status(session.staff.id, body.status)
        return Response(status_code=204)

    @router.get("/departments")
    async def departments(session: ConsoleSession = signed_in) -> list[dict[str, Any]]:
        """Every department (code, name, fee)."""
        return [d.to_dict() for d in service.departments.items]

    @router.get("/doctors")
    async def doctors(department: str | None = None, session: ConsoleSession = signed_in) -> list[dict[str, Any]]:
        """Colleagues to transfer to or invite: name, title, departments, status."""
        return [{k: v for k, v in s.to_dict().items() if k != "username"}
                for s in await service.staff.list(department) if s.active and s.role != "admin"]

    # ---- the queue and consultations -------------------------------------------------------

    @router.get("/queue")
    async def queue(session: ConsoleSession = signed_in) -> list[dict[str, Any]]:
        """Waiting patients of my departments and those transferred to me, in the order to see them."""
        staff = session.staff
        scope = service.departments.codes() if staff.is_admin else list(staff.departments)
        return await queue_cards(runtime, [e for e in await service.queue(scope, assigned_to=staff.id)
                                           if e.consultation.assigned_to in (None, staff.id) or staff.is_admin])

    @router.get("/consultations")
    async def my_consultations(scope: Literal["active", "recent"] = "active",
                               session: ConsoleSession = signed_in) -> list[dict[str, Any]]:
        """`active`: the sessions I take part in; `recent`: ended consultations of my departments."""
        staff = session.staff
        if scope == "active":
            return await consultation_cards(runtime, await service.active_for(staff.id))
        codes = service.departments.codes() if staff.is_admin else list(staff.departments)
        return await consultation_cards(runtime, await service.recent(codes))

    @router.get("/consultations/{consultation_id}")
    async def consultation(consultation_id: str, session: ConsoleSession = signed_in) -> dict[str, Any]:
        """One consultation: status, the intake summary on one screen, and the conversation."""
        c = await visible(consultation_id, session.staff)
        state = await runtime.engine.state(c.conversation_id)
        events = await runtime.engine.events(c.conversation_id)
        intake = build_intake(state, events).to_dict()
        intake["card"] = await treating_card(runtime, c, session.staff)  # the treating doctor's only
        for index, attachment in enumerate(intake["attachments"]):
            if attachment.get("path"):
                attachment["href"] = f"/api/console/consultations/{c.id}/attachments/{index}"
        return {
            "consultation": c.to_dict(),
            "position": await service.position(c) or None,
            "intake": intake,
            "messages": button_titles(events, _transcript(events, c.requested_at.timestamp()), runtime.cipher),
            "view": (await consultation_view(runtime, c, state, events, intake)).to_dict(),
            # Handover notes (交班留言) left about this patient by the doctors before (this read is `record.open`).
            "handover": await handovers.shown_to(c.conversation_id, session.staff.id),
        }

    @router.post("/consultations/{consultation_id}/handover", status_code=201)
    async def handover(consultation_id: str, body: HandoverBody, session: ConsoleSession = changing) -> dict[str, Any]:
        """Leave a handover note (交班留言) about this consultation's patient for the next doctor who opens them
        (a doctor who took part in it, or an administrator). Audited as `consultation.handover`."""
        c = await visible(consultation_id, session.staff)
        staff = session.staff
        if not staff.is_admin and staff.id not in c.participants:
            raise HTTPException(403, "only a doctor who took part in this consultation may leave a handover note")
        try:
            note_id = await handovers.write(c.id, c.conversation_id, staff.id, staff.display_name, body.text)
        except ValueError as exc:
            raise HTTPException(422, str(exc)) from None
        return {"id": note_id}

    @router.get("/consultations/{consultation_id}/attachments/{index}", response_class=FileResponse)
    async def attachment(consultation_id: str, index: int, session: ConsoleSession = signed_in) -> FileResponse:
        """A file the patient sent (an image), as stored by the channel."""
        c = await visible(consultation_id, session.staff)
        found = patient_attachments(await runtime.engine.events(c.conversation_id))
        if not 0 <= index < len(found) or not found[index].get("path"):
            raise HTTPException(404, "no such attachment")
        path = Path(found[index]["path"]).resolve()
        # Only files under the directories channels store media in are ever served.
        roots = [runtime.config.data_dir, runtime.config.get("wechat.media.dir")]
        if not any(path.is_relative_to(runtime.config.data_path(r).resolve()) for r in roots if r) or not path.is_file():
            raise HTTPException(404, "no such attachment")
        return FileResponse(path, media_type=found[index].get("content_type") or "application/octet-stream")

    @router.get("/alerts")
    async def open_alerts(session: ConsoleSession = signed_in) -> list[dict[str, Any]]:
        """The emergency alerts of my departments that no doctor has taken yet (raised before I signed in, too)."""
        return [wire.encode(a) for a in await service.open_alerts(session.staff)]

    @router.post("/alerts/{alert_id}/take", responses={404: {}, 403: {}})
    async def take_alert(alert_id: int, session: ConsoleSession = changing) -> dict[str, Any]:
        """I take this patient's open emergency alerts ("我来处理"): the other doctors' banners go. `taken`
        is false when another doctor took them first. `consultation_id` is the patient's consultation the page
        opens (waiting in a queue or in session); without one, `message` says why nothing opens (newcomer trial 9:
        the button opened nothing and said nothing for a patient no longer in the queue)."""
        try:
            taken = await service.take_alerts(alert_id, session.staff)
        except ConsultationError as exc:
            raise refused(exc) from None
        c = await service.alert_consultation(alert_id, session.staff)
        words = labels().data["alert_take"]
        message = words["taken" if taken else "taken_before"] + ("" if c is not None else words["not_in_queue"])
        return {"taken": taken, "consultation_id": c.id if c is not None else None, "message": message}

    @router.post("/alerts/{alert_id}/consult", responses={404: {}, 403: {}, 409: {}})
    async def consult_from_alert(alert_id: int, session: ConsoleSession = changing) -> dict[str, Any]:
        """联系患者: open a consultation with the patient of this emergency alert, who asked for no doctor (told to
        call 120). For a doctor rostered now who may see the alert; the session is active at once, the patient is
        told on their channel that the doctor has joined, and the audit trail records who opened it and from which
        alert (`consultation.open_by_doctor`). A patient waiting in a queue (any department) is taken: the queue
        entry closes, the consultation is this doctor's and `message` names where the patient was queued
        (newcomer trial 12). 409 when a doctor has the patient in session: `detail.message` says who has them, `detail.consultation_id` is the one to open when it is visible to this doctor."""
        staff = session.staff
        try:
            c, _, message = await open_from_alert_audited(runtime, alert_id, staff)  # audited there (Telegram too)
        except AlertConflict as exc:
            raise HTTPException(409, {"message": exc.message, "consultation_id": exc.consultation_id}) from None
        except ConsultationError as exc:
            raise HTTPException(STATUS_FOR.get(exc.code, 400), {"message": exc.message}) from None
        return {"consultation": c.to_dict(), "consultation_id": c.id, "message": message}

    @router.post("/alerts/{alert_id}/dismiss", responses={404: {}, 403: {}})
    async def dismiss_alert(alert_id: int, session: ConsoleSession = changing) -> dict[str, Any]:
        """知道了: acknowledge this alert. An open one is closed for every doctor (the patient is not taken); one
        closed already (re-triaged lower after a correction) is only acknowledged. Audited as `alert.dismiss`."""
        try:
            closed, _ = await dismiss_alert_for(runtime, alert_id, session.staff)  # audited there (Telegram too)
        except ConsultationError as exc:
            raise refused(exc) from None
        return {"closed": closed}

    @router.post("/consultations/{consultation_id}/accept")
    async def accept(consultation_id: str, session: ConsoleSession = changing) -> dict[str, Any]:
        """Take the patient: the session starts and the patient is told who you are. 409 if taken already."""
        return await acting(consultation_id, session.staff, service.accept(consultation_id, session.staff))

    @router.post("/consultations/{consultation_id}/messages")
    async def send(consultation_id: str, body: MessageBody, session: ConsoleSession = changing) -> dict[str, Any]:
        """Write to the patient (delivered through their channel)."""
        return await acting(consultation_id, session.staff, service.send(consultation_id, session.staff, body.text))

    @router.post("/consultations/{consultation_id}/transfer")
    async def transfer(consultation_id: str, body: TransferBody, session: ConsoleSession = changing) -> dict[str, Any]:
        """Hand the patient to another department's queue, or to a named doctor."""
        return await acting(consultation_id, session.staff, service.transfer(consultation_id, session.staff, department=body.department,
                                          to_staff_id=body.doctor_id, note=body.note))

    @router.post("/consultations/{consultation_id}/invite")
    async def invite(consultation_id: str, body: InviteBody, session: ConsoleSession = changing) -> dict[str, Any]:
        """Bring a second doctor into the session (a remote consultation)."""
        return await acting(consultation_id, session.staff, service.invite(consultation_id, session.staff, body.doctor_id))

    @router.post("/consultations/{consultation_id}/close")
    async def close(consultation_id: str, body: CloseBody, session: ConsoleSession = changing) -> dict[str, Any]:
        """End the session with a summary, advice, an optional level and a follow-up plan; the patient receives them."""
        closing = Closing(body.summary, body.advice, body.level, body.followup)
        return await acting(consultation_id, session.staff, service.close(consultation_id, session.staff, closing))

    @router.post("/consultations/{consultation_id}/paid")
    async def paid(consultation_id: str, body: PaidBody, session: ConsoleSession = admin) -> dict[str, Any]:
        """Mark the consultation's order paid (administrators; payment providers later): the patient is queued."""
        return await act(service.mark_paid(consultation_id, session.staff.actor, body.order_no))

    # ---- quick replies ---------------------------------------------------------------------

    @router.get("/quick-replies")
    async def quick_replies(session: ConsoleSession = signed_in) -> list[dict[str, Any]]:
        """My saved replies."""
        return [r.__dict__ for r in await service.staff.quick_replies(session.staff.id)]

    @router.post("/quick-replies", status_code=201)
    async def add_quick_reply(body: QuickReplyBody, session: ConsoleSession = changing) -> dict[str, Any]:
        """Save a reply to send with one click."""
        try:
            return (await service.staff.add_quick_reply(session.staff.id, body.text)).__dict__
        except StaffError as exc:
            raise refused(exc) from None

    @router.delete("/quick-replies/{reply_id}", status_code=204)
    async def remove_quick_reply(reply_id: int, session: ConsoleSession = changing) -> Response:
        if not await service.staff.remove_quick_reply(session.staff.id, reply_id):
            raise HTTPException(404, "no such quick reply")
        return Response(status_code=204)

    return router
