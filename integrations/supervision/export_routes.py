"""`/api/console/admin/export/…`: the regulator's export over HTTP (administrators only).

A page of records streams as JSON lines or CSV; `X-Export-Next-Cursor` says where the next page
starts (absent on the last). `…/manifest` with the same query returns the signed manifest of
exactly the bytes that page holds (the export is deterministic), so nothing has to be kept.
"""
from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from bot.consultations import consultations
from bot.runtime import Runtime
from bot.supervision import AuditEntry
from bot.supervision.export import (
    Cursor,
    Exporter,
    ExportError,
    export_range,
    public_key_hex,
)
from bot.supervision.models import set_practising_id
from integrations.console.auth import ConsoleAuth, ConsoleSession

MAX_PAGE = 10_000
MEDIA = {"jsonl": "application/x-ndjson; charset=utf-8", "csv": "text/csv; charset=utf-8"}


class PractisingIdBody(BaseModel):
    practising_id: str = Field(min_length=1, max_length=64, description="执业证书编码")


def export_routes(runtime: Runtime) -> APIRouter:
    auth = ConsoleAuth(runtime)
    admin = Depends(auth.admin)
    router = APIRouter(prefix="/api/console/admin", tags=["supervision"])
    timezone = consultations(runtime).settings.timezone

    async def exporter(date_from: str, date_to: str, format: str, cursor: str | None, limit: int) -> Exporter:
        try:
            start, end = export_range(date_from, date_to, timezone)
            return Exporter(runtime.config, runtime.db, start, end, format,
                            Cursor.decode(cursor) if cursor else None, limit)
        except ExportError as exc:
            raise HTTPException(422, str(exc)) from None

    def query(name: str) -> Any:
        return Query(..., alias=name, description="YYYY-MM-DD (the hospital's day, included) or an ISO datetime")

    @router.get("/export/consultations", response_class=StreamingResponse,
                responses={200: {"content": {MEDIA["jsonl"]: {}, MEDIA["csv"]: {}}}})
    async def export(date_from: str = query("from"), date_to: str = query("to"),
                     format: Literal["jsonl", "csv"] = "jsonl", cursor: str | None = Query(None, max_length=512),
                     limit: int = Query(1000, ge=1, le=MAX_PAGE),
                     session: ConsoleSession = admin) -> StreamingResponse:
        """One page of consultation records for the supervision platform (docs/supervision.md)."""
        job = await exporter(date_from, date_to, format, cursor, limit)
        # The next cursor is known before the body streams: the page's last consultation, if more follow.
        page = await job.page(job.cursor, limit + 1)
        headers = {"X-Export-Next-Cursor": Cursor(page[limit - 1].requested_at, page[limit - 1].id).encode()} \
            if len(page) > limit else {}
        await runtime.audit.record(AuditEntry(
            actor=session.staff.actor, action="export.consultations", object_type="export", object_id=format,
            detail={"from": date_from, "to": date_to, "cursor": cursor, "limit": limit, "records": min(len(page), limit)}))
        return StreamingResponse(job.chunks(), media_type=MEDIA[format], headers=headers)

    @router.get("/export/consultations/manifest")
    async def manifest(date_from: str = query("from"), date_to: str = query("to"),
                       format: Literal["jsonl", "csv"] = "jsonl", cursor: str | None = Query(None, max_length=512),
                       limit: int = Query(1000, ge=1, le=MAX_PAGE),
                       session: ConsoleSession = admin) -> dict[str, Any]:
        """The signed manifest (records, events, sha256) of the page the same query returns."""
        job = await exporter(date_from, date_to, format, cursor, limit)
        async for _ in job.chunks():
            pass
        result = job.manifest(complete=not await job.has_more())
        await runtime.audit.record(AuditEntry(
            actor=session.staff.actor, action="export.manifest", object_type="export", object_id=format,
            detail={"from": date_from, "to": date_to, "cursor": cursor, "sha256": result.sha256}))
        return result.to_dict()

    @router.get("/export/public-key")
    async def public_key(session: ConsoleSession = admin) -> dict[str, str]:
        """The Ed25519 key manifests are signed with (hex), for the regulator to keep."""
        return {"algorithm": "ed25519", "public_key": public_key_hex(runtime.config)}

    @router.put("/staff/{staff_id}/practising-id", status_code=204)
    async def practising_id(staff_id: int, body: PractisingIdBody, session: ConsoleSession = admin) -> None:
        """The doctor's practising certificate number, as the export reports it."""
        if await consultations(runtime).staff.get(staff_id) is None:
            raise HTTPException(404, "no such staff member")
        await set_practising_id(runtime.db, staff_id, body.practising_id.strip())

    return router
