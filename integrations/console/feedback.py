"""The console's complaints and suggestions (投诉建议) for administrators: `/console/admin/feedback`
and its JSON API `GET /api/console/admin/feedback`, behind the console's sign-in (administrators only).

Named under `plugins:`; the feedback itself is taken by the patients' flow (actions/services/feedback.py).
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from actions.services.feedback import list_feedback
from bot.plugins import Plugin
from bot.runtime import Runtime
from integrations.console.auth import ConsoleAuth, ConsoleSession
from integrations.console.pages import admin_page


def feedback_api(runtime: Runtime) -> APIRouter:
    admin = Depends(ConsoleAuth(runtime).admin)
    router = APIRouter(prefix="/api/console/admin/feedback", tags=["feedback"])

    @router.get("")
    async def listed(session: ConsoleSession = admin) -> list[dict[str, Any]]:
        """The newest complaints and suggestions first, decrypted (administrators)."""
        return [item.to_dict() for item in await list_feedback(runtime.db, runtime.cipher)]

    return router


plugin = Plugin(name="console-feedback", routers=[feedback_api, admin_page("feedback")])
