"""The console's administration API under /api/console/admin: staff accounts and rosters (administrators)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Response

from bot.consultations import RosterError, consultations, parse_minute, parse_weekday
from bot.consultations.roster import check_can_serve
from bot.runtime import Runtime
from integrations.console.auth import ConsoleAuth, ConsoleSession
from integrations.console.http import act, refused
from integrations.console.schemas import OverrideBody, PasswordBody, ShiftBody, StaffBody, StaffPatch


def console_admin_api(runtime: Runtime) -> APIRouter:
    """The router factory the plugin hands the app."""
    service = consultations(runtime)
    auth = ConsoleAuth(runtime)
    router = APIRouter(prefix="/api/console", tags=["doctor console"])
    admin = Depends(auth.admin)


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

    async def checked_staff(staff_id: int, department: str, working: bool = True) -> None:
        if department not in service.departments:
            raise HTTPException(422, f"unknown department {department!r}")
        member = await service.staff.get(staff_id)
        if member is None:
            raise HTTPException(422, "no such staff member")
        if working:  # hours only for a doctor who sees the department's queue; a day off always
            try:
                check_can_serve(member, department)
            except RosterError as exc:
                raise refused(exc) from None

    @router.post("/admin/roster/shifts", status_code=201)
    async def add_shift(body: ShiftBody, session: ConsoleSession = admin) -> dict[str, Any]:
        """Add a weekly shift (administrators)."""
        await checked_staff(body.staff_id, body.department)
        try:
            shift = await service.roster.add_shift(body.staff_id, body.department, parse_weekday(body.weekday),
                                                   parse_minute(body.start), parse_minute(body.end))
        except RosterError as exc:
            raise refused(exc) from None
        return shift.to_dict()

    @router.delete("/admin/roster/shifts/{shift_id}", status_code=204)
    async def remove_shift(shift_id: int, session: ConsoleSession = admin) -> Response:
        if not await service.roster.remove_shift(shift_id):
            raise HTTPException(404, "no such shift")
        return Response(status_code=204)

    @router.post("/admin/roster/overrides", status_code=201)
    async def add_override(body: OverrideBody, session: ConsoleSession = admin) -> dict[str, Any]:
        """Other hours on one date, or off that day (administrators)."""
        await checked_staff(body.staff_id, body.department, working=bool(body.start))
        try:
            override = await service.roster.add_override(
                body.staff_id, body.department, body.day,
                parse_minute(body.start) if body.start else None, parse_minute(body.end) if body.end else None)
        except RosterError as exc:
            raise refused(exc) from None
        return override.to_dict()

    @router.delete("/admin/roster/overrides/{override_id}", status_code=204)
    async def remove_override(override_id: int, session: ConsoleSession = admin) -> Response:
        if not await service.roster.remove_override(override_id):
            raise HTTPException(404, "no such override")
        return Response(status_code=204)

    return router
