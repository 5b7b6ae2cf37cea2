"""`/api/console/admin/audit…` and `/api/console/admin/erasure`: reading and checking the audit trail,
and honouring a patient's erasure request (administrators only; every call is itself audited)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import BaseModel, Field

from bot.runtime import Runtime
from bot.supervision import AuditEntry
from bot.supervision.retention import RecordKeeper
from integrations.console.auth import ConsoleAuth, ConsoleSession


class ErasureBody(BaseModel):
    conversation_id: str = Field(min_length=1, max_length=191, description="the patient's conversation id")


def audit_routes(runtime: Runtime) -> APIRouter:
    auth = ConsoleAuth(runtime)
    admin = Depends(auth.admin)
    router = APIRouter(prefix="/api/console/admin", tags=["supervision"])

    async def note(session: ConsoleSession, action: str, object_id: str, detail: dict[str, Any]) -> None:
        await runtime.audit.record(AuditEntry(actor=session.staff.actor, action=action, object_type="audit",
                                              object_id=object_id, detail=detail))

    @router.get("/audit")
    async def entries(after: int = Query(0, ge=0), limit: int = Query(200, ge=1, le=1000),
                      subject: str | None = Query(None, max_length=191), action: str | None = Query(None, max_length=64),
                      session: ConsoleSession = admin) -> dict[str, Any]:
        """Entries in chain order after entry `after` (a page); `next` continues."""
        found = await runtime.audit.entries(subject=subject, actions=(action,) if action else (), after_id=after, limit=limit)
        await note(session, "audit.read", subject or "*", {"after": after, "action": action})
        return {"entries": [e.to_dict() for e in found], "next": found[-1].id if len(found) == limit else None}

    @router.get("/audit/verify")
    async def verify(session: ConsoleSession = admin) -> dict[str, Any]:
        """Walk the chain: `ok`, how many entries and events were checked, and the first broken link."""
        result = await runtime.audit.verify()
        await note(session, "audit.verify", "*", {"ok": result.ok})
        broken = result.broken
        return {"ok": result.ok, "entries": result.entries, "events": result.events,
                "broken": None if broken is None else {**broken.__dict__, "description": broken.describe()}}

    @router.post("/erasure")
    async def erasure(body: ErasureBody, session: ConsoleSession = admin) -> dict[str, str]:
        """A patient's erasure request: deleted, or sealed where the law keeps the record (409 while open)."""
        keeper = RecordKeeper(runtime.config, runtime.db, runtime.audit, runtime.cache)
        outcome = await keeper.erase(body.conversation_id, session.staff.actor)
        if outcome.kind == "refused":
            raise HTTPException(404 if outcome.reason == "no such conversation" else 409, outcome.reason)
        return {"outcome": outcome.kind, "reason": outcome.reason}

    return router
