"""The webhook route Telegram posts updates to: `/webhooks/telegram/<secret path>` under `serve`.

Two secrets guard it: the path (unguessable, derived from the secret key) and the
`X-Telegram-Bot-Api-Secret-Token` header Telegram sends once `setWebhook` gave it the token.
"""
from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from bot.http_input import Refused, clean, read_json
from integrations.telegram.service import channel_for

if TYPE_CHECKING:
    from bot.runtime import Runtime

MAX_UPDATE_BYTES = 1_000_000  # Telegram's updates are a few KB; anything near this is not one
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def telegram_router(runtime: "Runtime") -> APIRouter:
    """The webhook route, present only when Telegram is on and in webhook mode."""
    router = APIRouter()
    channel = channel_for(runtime)
    if channel is None or channel.settings.mode != "webhook":
        return router
    settings = channel.settings

    @router.post("/webhooks/telegram/{path_secret}", include_in_schema=False)
    async def receive(path_secret: str, request: Request) -> JSONResponse:
        if not hmac.compare_digest(path_secret.encode(), settings.webhook_path_secret.encode()):
            raise HTTPException(404, "Not Found")
        header = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(header.encode(), settings.webhook_header_secret.encode()):
            raise HTTPException(403, "wrong or missing secret token")
        if not channel.running:
            raise HTTPException(503, "the Telegram channel is starting")
        body = await request.body()
        if len(body) > MAX_UPDATE_BYTES:
            raise HTTPException(413, "update too large")
        try:
            data = clean(read_json(body))  # names and texts end up in SQL: no NUL, no lone surrogate
        except Refused as exc:
            raise HTTPException(400, exc.reason) from None
        if not isinstance(data, dict) or type(data.get("update_id")) is not int:
            raise HTTPException(400, "not a Telegram update: an object with an integer update_id is expected")
        try:
            await channel.process(data)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        return JSONResponse({"ok": True})

    return router
