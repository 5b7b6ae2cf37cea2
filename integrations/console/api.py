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
from pydantic import BaseModel, Field

from bot import events as ev
from bot.consultations import (
    Closing,
    Consultation,
    ConsultationError,
    RosterError,
    Staff,
    StaffError,
    build_intake,
    consultations,
    patient_attachments,
    parse_minute,
    parse_weekday,
)
from bot.consultations.waiting_patient import waiting_patient
from bot.runtime import Runtime
from bot.staff_links import issue_link_code
from integrations.console.auth import ConsoleAuth, ConsoleSession

STATUS_FOR = {"not_found": 404, "forbidden": 403, "conflict": 409, "invalid": 422}
TRANSCRIPT_LIMIT = 300  # the newest events a consultation page shows


class SignInBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class SignedIn(BaseModel):
    staff: dict[str, Any]
    csrf_token: str = Field(description="send as X-CSRF-Token with every state-changing request")
    telegram: bool = Field(False, description="whether this deployment's Telegram bot is on (doctors may link it)")


class TelegramLinkCode(BaseModel):
    provider: str
    code: str
    command: str = Field(description="what the doctor sends to the Telegram bot, e.g. /link ABCD-EFGH")
    expires_at: str


class StatusBody(BaseModel):
    status: Literal["online", "away"]


class MessageBody(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class TransferBody(BaseModel):
    department: str | None = Field(None, max_length=32, description="department code")
    doctor_id: int | None = Field(None, description="a named doctor; only they may accept")
    note: str = Field("", max_length=2000)


class InviteBody(BaseModel):
    doctor_id: int


class CloseBody(BaseModel):
    summary: str = Field(min_length=1, max_length=4000)
    advice: str = Field("", max_length=4000)
    level: Literal["emergency", "urgent", "consult", "selfcare"] | None = Field(
        None, description="overrides the bot's triage level")
    followup: str = Field("", max_length=2000, description="the follow-up plan the patient receives")


class PaidBody(BaseModel):
    order_no: str | None = Field(None, max_length=64)


class QuickReplyBody(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class StaffBody(BaseModel):
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    display_name: str = Field(min_length=1, max_length=64)
    role: Literal["doctor", "pharmacist", "admin"] = "doctor"
    title: str = Field("", max_length=64)
    departments: list[str] = Field(default_factory=list, max_length=20)


class StaffPatch(BaseModel):
    display_name: str | None = Field(None, max_length=64)
    title: str | None = Field(None, max_length=64)
    role: Literal["doctor", "pharmacist", "admin"] | None = None
    departments: list[str] | None = Field(None, max_length=20)
    active: bool | None = None


class PasswordBody(BaseModel):
    password: str = Field(min_length=1, max_length=256)


class ShiftBody(BaseModel):
    staff_id: int
    department: str = Field(max_length=32)
    weekday: str = Field(max_length=8, description="mon..sun, 1..7 or 周一..周日")
    start: str = Field(max_length=5, description="HH:MM, Asia/Shanghai")
    end: str = Field(max_length=5, description="HH:MM; 24:00 is midnight")


class OverrideBody(BaseModel):
    staff_id: int
    department: str = Field(max_length=32)
    day: dt.date
    start: str | None = Field(None, max_length=5, description="omit start and end: off that day")
    end: str | None = Field(None, max_length=5)


def _refused(exc: ConsultationError | StaffError | RosterError) -> HTTPException:
    if isinstance(exc, ConsultationError):
        return HTTPException(STATUS_FOR.get(exc.code, 400), exc.message)
    return HTTPException(422, str(exc))


def _transcript(events: list[ev.Event], since: float) -> list[dict[str, Any]]:
    """The conversation as the doctor reads it: patient, bot and doctor lines; older ones marked as intake."""
    lines = []
    for event in events:
        if event.type not in (ev.USER, ev.BOT):
            continue
        lines.append({
            "seq": event.seq,
            "at": dt.datetime.fromtimestamp(event.timestamp, dt.timezone.utc).isoformat(),
            "from": "patient" if event.type == ev.USER else event.actor,
            "text": event.data.get("text") or "",
            "attachments": event.data.get("attachments") or [],
            "in_session": event.timestamp >= since,
        })
    return lines[-TRANSCRIPT_LIMIT:]


def console_api(runtime: Runtime) -> APIRouter:
    """The router factory the plugin hands the app."""
    service = consultations(runtime)
    auth = ConsoleAuth(runtime)
    router = APIRouter(prefix="/api/console", tags=["doctor console"])
    signed_in = Depends(auth.current)
    changing = Depends(auth.changing)
    admin = Depends(auth.admin)

    async def visible(consultation_id: str, staff: Staff) -> Consultation:
        try:
            c = await service.get(consultation_id)
        except ConsultationError as exc:
            raise _refused(exc) from None
        if not service.can_view(staff, c):
            raise HTTPException(403, "this consultation belongs to another department")
        return c

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
        await service.staff.set_status(result.staff.id, "online")
        csrf = auth.issue(response, result.staff)
        return SignedIn(staff=result.staff.to_dict(), csrf_token=csrf)

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
        return SignedIn(staff=session.staff.to_dict(), csrf_token=session.csrf, telegram=telegram_on())

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
        return [{**e.to_dict(), "patient": (await waiting_patient(runtime, e.consultation.conversation_id)).to_dict()}
                for e in await service.queue(scope, assigned_to=staff.id)
                if e.consultation.assigned_to in (None, staff.id) or staff.is_admin]

    @router.get("/consultations")
    async def my_consultations(scope: Literal["active", "recent"] = "active",
                               session: ConsoleSession = signed_in) -> list[dict[str, Any]]:
        """`active`: the sessions I take part in; `recent`: ended consultations of my departments."""
        staff = session.staff
        if scope == "active":
            return [c.to_dict() for c in await service.active_for(staff.id)]
        codes = service.departments.codes() if staff.is_admin else list(staff.departments)
        return [c.to_dict() for c in await service.recent(codes)]

    @router.get("/consultations/{consultation_id}")
    async def consultation(consultation_id: str, session: ConsoleSession = signed_in) -> dict[str, Any]:
        """One consultation: status, the intake summary on one screen, and the conversation."""
        c = await visible(consultation_id, session.staff)
        state = await runtime.engine.state(c.conversation_id)
        events = await runtime.engine.events(c.conversation_id)
        intake = build_intake(state, events).to_dict()
        for index, attachment in enumerate(intake["attachments"]):
            if attachment.get("path"):
                attachment["href"] = f"/api/console/consultations/{c.id}/attachments/{index}"
        return {
            "consultation": c.to_dict(),
            "position": await service.position(c) or None,
            "intake": intake,
            "messages": _transcript(events, c.requested_at.timestamp()),
        }

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
        if not any(path.is_relative_to(runtime.config.resolve(r).resolve()) for r in roots if r) or not path.is_file():
            raise HTTPException(404, "no such attachment")
        return FileResponse(path, media_type=found[index].get("content_type") or "application/octet-stream")

    async def act(operation: Any) -> dict[str, Any]:
        try:
            result = await operation
        except (ConsultationError, StaffError) as exc:
            raise _refused(exc) from None
        return result.to_dict() if result is not None else {"ok": True}

    @router.post("/consultations/{consultation_id}/accept")
    async def accept(consultation_id: str, session: ConsoleSession = changing) -> dict[str, Any]:
        """Take the patient: the session starts and the patient is told who you are. 409 if taken already."""
        return await act(service.accept(consultation_id, session.staff))

    @router.post("/consultations/{consultation_id}/messages")
    async def send(consultation_id: str, body: MessageBody, session: ConsoleSession = changing) -> dict[str, Any]:
        """Write to the patient (delivered through their channel)."""
        return await act(service.send(consultation_id, session.staff, body.text))

    @router.post("/consultations/{consultation_id}/transfer")
    async def transfer(consultation_id: str, body: TransferBody, session: ConsoleSession = changing) -> dict[str, Any]:
        """Hand the patient to another department's queue, or to a named doctor."""
        return await act(service.transfer(consultation_id, session.staff, department=body.department,
                                          to_staff_id=body.doctor_id, note=body.note))

    @router.post("/consultations/{consultation_id}/invite")
    async def invite(consultation_id: str, body: InviteBody, session: ConsoleSession = changing) -> dict[str, Any]:
        """Bring a second doctor into the session (a remote consultation)."""
        return await act(service.invite(consultation_id, session.staff, body.doctor_id))

    @router.post("/consultations/{consultation_id}/close")
    async def close(consultation_id: str, body: CloseBody, session: ConsoleSession = changing) -> dict[str, Any]:
        """End the session with a summary, advice, an optional level and a follow-up plan; the patient receives them."""
        closing = Closing(body.summary, body.advice, body.level, body.followup)
        return await act(service.close(consultation_id, session.staff, closing))

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
            raise _refused(exc) from None

    @router.delete("/quick-replies/{reply_id}", status_code=204)
    async def remove_quick_reply(reply_id: int, session: ConsoleSession = changing) -> Response:
        if not await service.staff.remove_quick_reply(session.staff.id, reply_id):
            raise HTTPException(404, "no such quick reply")
        return Response(status_code=204)

    # ---- administration: staff and rosters ------------------------------------------------

    @router.get("/admin/staff")
    async def list_staff(session: ConsoleSession = admin) -> list[dict[str, Any]]:
        """Every account (administrators)."""
        return [s.to_dict() for s in await service.staff.list()]

    @router.post("/admin/staff", status_code=201)
    async def add_staff(body: StaffBody, session: ConsoleSession = admin) -> dict[str, Any]:
        """Create an account (administrators)."""
        return await act(service.staff.add(body.username, body.password, display_name=body.display_name,
                                           role=body.role, title=body.title, departments=body.departments))

    @router.patch("/admin/staff/{staff_id}")
    async def update_staff(staff_id: int, body: StaffPatch, session: ConsoleSession = admin) -> dict[str, Any]:
        """Change name, title, role, departments, or disable an account (administrators)."""
        return await act(service.staff.update(staff_id, **body.model_dump(exclude_unset=True)))

    @router.put("/admin/staff/{staff_id}/password", status_code=204)
    async def set_password(staff_id: int, body: PasswordBody, session: ConsoleSession = admin) -> Response:
        """Set a new password; the person's sessions end (administrators)."""
        await act(service.staff.set_password(staff_id, body.password))
        return Response(status_code=204)

    @router.get("/admin/roster")
    async def roster(department: str | None = None, session: ConsoleSession = admin) -> dict[str, Any]:
        """Weekly shifts and upcoming overrides (administrators)."""
        today = service.roster.local(dt.datetime.now(dt.timezone.utc)).date()
        return {"shifts": [s.to_dict() for s in await service.roster.shifts(department)],
                "overrides": [o.to_dict() for o in await service.roster.overrides(department, today)]}

    async def checked_staff(staff_id: int, department: str) -> None:
        if department not in service.departments:
            raise HTTPException(422, f"unknown department {department!r}")
        if await service.staff.get(staff_id) is None:
            raise HTTPException(422, "no such staff member")

    @router.post("/admin/roster/shifts", status_code=201)
    async def add_shift(body: ShiftBody, session: ConsoleSession = admin) -> dict[str, Any]:
        """Add a weekly shift (administrators)."""
        await checked_staff(body.staff_id, body.department)
        try:
            shift = await service.roster.add_shift(body.staff_id, body.department, parse_weekday(body.weekday),
                                                   parse_minute(body.start), parse_minute(body.end))
        except RosterError as exc:
            raise _refused(exc) from None
        return shift.to_dict()

    @router.delete("/admin/roster/shifts/{shift_id}", status_code=204)
    async def remove_shift(shift_id: int, session: ConsoleSession = admin) -> Response:
        if not await service.roster.remove_shift(shift_id):
            raise HTTPException(404, "no such shift")
        return Response(status_code=204)

    @router.post("/admin/roster/overrides", status_code=201)
    async def add_override(body: OverrideBody, session: ConsoleSession = admin) -> dict[str, Any]:
        """Other hours on one date, or off that day (administrators)."""
        await checked_staff(body.staff_id, body.department)
        try:
            override = await service.roster.add_override(
                body.staff_id, body.department, body.day,
                parse_minute(body.start) if body.start else None, parse_minute(body.end) if body.end else None)
        except RosterError as exc:
            raise _refused(exc) from None
        return override.to_dict()

    @router.delete("/admin/roster/overrides/{override_id}", status_code=204)
    async def remove_override(override_id: int, session: ConsoleSession = admin) -> Response:
        if not await service.roster.remove_override(override_id):
            raise HTTPException(404, "no such override")
        return Response(status_code=204)

    return router
