"""The console's complaints and suggestions (投诉建议) for administrators: `/console/admin/feedback`
and its JSON API `GET /api/console/admin/feedback`, behind the console's sign-in (administrators only).

Named under `plugins:`; the feedback itself is taken by the patients' flow (actions/services/feedback.py).
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse

from actions.services.feedback import list_feedback
from bot.plugins import Plugin
from bot.runtime import Runtime
from integrations.console.auth import ConsoleAuth, ConsoleSession
from integrations.console.pages import SECURITY_HEADERS, STATIC


def feedback_api(runtime: Runtime) -> APIRouter:
    admin = Depends(ConsoleAuth(runtime).admin)
    router = APIRouter(prefix="/api/console/admin/feedback", tags=["feedback"])

    @router.get("")
    async def listed(session: ConsoleSession = admin) -> list[dict[str, Any]]:
        """The newest complaints and suggestions first, decrypted (administrators)."""
        return [item.to_dict() for item in await list_feedback(runtime.db, runtime.cipher)]

    return router


def feedback_page(_: Runtime) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/console/admin/feedback")
    async def page() -> FileResponse:
        # A public shell like the console's other pages: the data comes from the API, which checks the role.
        return FileResponse(STATIC / "feedback.html", media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)

    @router.get("/console/admin/feedback.js")
    async def script() -> FileResponse:
        return FileResponse(STATIC / "feedback.js", media_type="text/javascript", headers=SECURITY_HEADERS)

    return router


plugin = Plugin(name="console-feedback", routers=[feedback_api, feedback_page])
