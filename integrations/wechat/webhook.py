"""`GET/POST /webhooks/wechat`: the official account's server URL (CONTRACTS §4)."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from bot.log_limits import log_limited
from integrations.wechat.channel import channel_for
from integrations.wechat.protocol import Rejected, read_message, verify_url

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("wenzhen.wechat")
PATH = "/webhooks/wechat"


def _refuse(exc: Rejected) -> PlainTextResponse:
    log.warning("wechat webhook refused a request: %s (%d)", exc.reason, exc.status)
    return PlainTextResponse(exc.reason, status_code=exc.status)


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it passes the limit (never buffering a huge upload whole)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise Rejected(413, "body too large")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Rejected(413, "body too large")
        chunks.append(chunk)
    return b"".join(chunks)


def webhook_router(runtime: "Runtime") -> APIRouter:
    router = APIRouter(tags=["wechat"])

    @router.get(PATH, response_class=PlainTextResponse, summary="WeChat server URL verification")
    async def verify(request: Request) -> Response:
        channel = channel_for(runtime)
        if channel is None:
            return PlainTextResponse("the WeChat channel is not configured", status_code=404)
        try:
            return PlainTextResponse(verify_url(channel.settings, request.query_params))
        except Rejected as exc:
            return _refuse(exc)

    @router.post(PATH, response_class=PlainTextResponse, summary="WeChat messages and events")
    async def receive(request: Request) -> Response:
        channel = channel_for(runtime)
        if channel is None:
            return PlainTextResponse("the WeChat channel is not configured", status_code=404)
        try:
            body = await _read_body(request, channel.settings.max_body_bytes)
            inbound = read_message(channel.settings, request.query_params, body)
        except Rejected as exc:
            return _refuse(exc)
        try:
            answer = await channel.answer(inbound, request.is_disconnected)
        except Exception as exc:  # one line per interval: an outage fails every message the same way
            log_limited(log, "wechat-answer", "wechat: handling a message failed (%s: %s); WeChat will retry it",
                        exc.__class__.__name__, str(exc)[:200], level=logging.ERROR)
            return PlainTextResponse("temporarily unavailable", status_code=503)
        media_type = "text/plain" if answer == "success" else "application/xml"
        return Response(answer, media_type=media_type)

    return router
