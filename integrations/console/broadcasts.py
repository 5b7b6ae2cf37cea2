"""The console's broadcasts page for administrators: pick an article or write a message, pick an audience
and channels, preview, schedule, follow the report.

The page is `/console/admin/broadcasts`; its JSON API is under `/api/console/admin/broadcasts`, behind
the console's own sign-in (administrators only, CSRF on every change). Named under `plugins:`.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field

from actions.knowledge.answering import knowledge_base, today
from actions.knowledge.campaigns import article_content, message_content
from bot import broadcasts as bc
from bot.plugins import Plugin
from bot.runtime import Runtime
from integrations.console.auth import ConsoleAuth, ConsoleSession
from integrations.console.pages import admin_page


class AudienceBody(BaseModel):
    groups: list[str] = Field(default_factory=list, max_length=20)
    match: Literal["any", "all"] = "any"
    departments: list[str] = Field(default_factory=list, max_length=50)
    tags: list[str] = Field(default_factory=list, max_length=50)

    def audience(self) -> bc.Audience:
        return bc.Audience(tuple(self.groups), self.match, tuple(self.departments), tuple(self.tags))


class CampaignBody(BaseModel):
    """A campaign as the page sends it: an article id or a message, the audience, the methods."""

    name: str = Field(min_length=1, max_length=200)
    article_id: str | None = Field(default=None, max_length=64)
    message: str | None = Field(default=None, max_length=2000)
    audience: AudienceBody = Field(default_factory=AudienceBody)
    methods: list[str] = Field(min_length=1, max_length=10)


class ScheduleBody(BaseModel):
    at: dt.datetime | None = None  # without a zone: China time


def _content(runtime: Runtime, body: CampaignBody) -> bc.Content:
    if bool(body.article_id) == bool(body.message):
        raise bc.BroadcastError("give exactly one of an article or a message")
    if body.article_id:
        return article_content(runtime, body.article_id)
    return message_content(runtime, body.name, body.message or "")


def _plan_dict(content: bc.Content, plan: bc.Plan) -> dict[str, Any]:
    skipped: dict[str, int] = {}
    for _, _, reason in plan.skipped:
        skipped[reason] = skipped.get(reason, 0) + 1
    return {"text": content.text, "recipients": plan.counts(), "skipped": skipped}


def _campaign_dict(row: bc.CampaignRow) -> dict[str, Any]:
    return {
        "id": row.id, "name": row.name, "kind": row.kind, "status": row.status, "methods": row.methods,
        "audience": row.audience, "article_id": row.article_id, "text": row.content.get("text"),
        "scheduled_at": row.scheduled_at.isoformat() if row.scheduled_at else None,
        "created_by": row.created_by,
    }


def broadcasts_api(runtime: Runtime) -> APIRouter:
    auth = ConsoleAuth(runtime)
    admin = Depends(auth.admin)
    router = APIRouter(prefix="/api/console/admin/broadcasts", tags=["broadcasts"])

    async def guarded(work: Any) -> Any:
        try:
            return await work
        except bc.BroadcastError as exc:
            raise HTTPException(422, str(exc)) from None

    @router.get("/options")
    async def options(session: ConsoleSession = admin) -> dict[str, Any]:
        """What a campaign can be made of: servable articles, audience groups, delivery methods."""
        day = today()
        return {
            "articles": [{"id": a.id, "title": a.title, "expires": a.expires.isoformat()}
                         for a in knowledge_base(runtime).articles if a.servable(day)],
            "groups": sorted(bc.Settings.of(runtime).audiences),
            "methods": sorted(bc.METHODS),
        }

    @router.get("")
    async def list_campaigns(session: ConsoleSession = admin) -> list[dict[str, Any]]:
        return [_campaign_dict(row) for row in await bc.list_campaigns(runtime)]

    @router.post("/preview")
    async def preview(body: CampaignBody, session: ConsoleSession = admin) -> dict[str, Any]:
        """The message exactly as patients will read it, and how many each method would reach now."""
        async def work() -> dict[str, Any]:
            content = _content(runtime, body)
            return _plan_dict(content, await bc.plan(runtime, body.audience.audience(), body.methods))

        return await guarded(work())

    @router.post("", status_code=201)
    async def create(body: CampaignBody, session: ConsoleSession = admin) -> dict[str, Any]:
        async def work() -> dict[str, Any]:
            content = _content(runtime, body)
            campaign_id = await bc.create_campaign(
                runtime, body.name, content, body.audience.audience(), body.methods, f"admin:{session.staff.id}"
            )
            return _campaign_dict(await bc.get_campaign(runtime, campaign_id))

        return await guarded(work())

    @router.post("/{campaign_id}/schedule")
    async def schedule(campaign_id: int, body: ScheduleBody, session: ConsoleSession = admin) -> dict[str, Any]:
        await guarded(bc.schedule_campaign(runtime, campaign_id, body.at))
        return _campaign_dict(await bc.get_campaign(runtime, campaign_id))

    @router.post("/{campaign_id}/cancel")
    async def cancel(campaign_id: int, session: ConsoleSession = admin) -> dict[str, Any]:
        await guarded(bc.cancel_campaign(runtime, campaign_id))
        return _campaign_dict(await bc.get_campaign(runtime, campaign_id))

    @router.get("/{campaign_id}/report")
    async def report(campaign_id: int, session: ConsoleSession = admin) -> dict[str, Any]:
        return (await guarded(bc.report(runtime, campaign_id))).to_dict()

    return router


plugin = Plugin(name="console-broadcasts", routers=[broadcasts_api, admin_page("broadcasts")])
