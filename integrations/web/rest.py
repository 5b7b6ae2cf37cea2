"""REST channel: `POST /webhooks/rest/webhook`, `GET /conversations/{sender}/tracker`, `POST /model/parse`."""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from bot.engine import clean_text
from bot.http_input import Refused, clean, read_json
from bot.db import WriterBusy
from bot.locks import LockTimeout
from bot.messages import UserMessage
from bot.outages import RETRY_AFTER_SECONDS, log_outage, service_of, unavailable
from bot.pubsub import RedisPubSub
from bot.runtime import Runtime
from integrations.web.push import ConversationAppended, notify, topic
from integrations.web.rest_auth import RestAuth

MAX_BODY_BYTES = 256 * 1024
MAX_SENDER_CHARS = 128

_MESSAGE_SCHEMA = {
    "type": "object",
    "required": ["sender", "message"],
    "properties": {
        "sender": {"type": "string", "description": "conversation id", "maxLength": MAX_SENDER_CHARS},
        "message": {"type": "string", "description": "text, or a payload starting with /"},
        "metadata": {"type": "object"},
    },
}
_PARSE_SCHEMA = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}


class BadRequest(Exception):
    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason


def _problem(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status)


async def _json_body(request: Request) -> dict[str, Any]:
    """Read a JSON object body, refusing what is too large, not UTF-8 or not JSON — each with its reason."""
    return _json_object(await request.body())


def _json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object, or BadRequest: too large (413), not UTF-8 or not JSON, not an object."""
    if len(body) > MAX_BODY_BYTES:
        raise BadRequest(413, f"body larger than {MAX_BODY_BYTES} bytes")
    try:
        data = read_json(body)
    except Refused as exc:
        raise BadRequest(exc.status, exc.reason) from None
    if not isinstance(data, dict):
        raise BadRequest(400, "body must be a JSON object")
    return data


def _valid_sender(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(400, "'sender' must be a non-empty string")
    if len(value) > MAX_SENDER_CHARS or clean_text(value)[0] != value or ":" in value or "/" in value:
        raise BadRequest(400, f"'sender' must be at most {MAX_SENDER_CHARS} printable characters without ':' or '/'")
    return value


WEBHOOK_PATH = "/webhooks/rest/webhook"


def _json(value: Any) -> bytes:
    """The answer's JSON, as JSONResponse renders it (compact, UTF-8)."""
    return orjson.dumps(value)


async def _webhook(runtime: Runtime, auth: RestAuth, request: Request, body: bytes) -> tuple[int, Any]:
    """One webhook call: (status, JSON answer). The FastAPI route and the lean ASGI path share it."""
    try:
        data = _json_object(body)
        sender = _valid_sender(data.get("sender"))
        text = data.get("message", "")
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise BadRequest(400, "'message' must be a string")
        metadata = data.get("metadata") or {}
        if not isinstance(metadata, dict):
            raise BadRequest(400, "'metadata' must be an object")
        metadata = clean(metadata)  # stored with the message: no NUL or lone surrogate may reach the JSON column
    except BadRequest as exc:
        return exc.status, {"error": exc.reason}
    if not auth.may_act_as(request, sender):
        return 401, {"error": "send the deployment token or this sender's token as 'Authorization: Bearer …'"}
    message_id = metadata.get("message_id")
    # The sender's open streams (the web chat) read the turn too: on Redis the wake-up goes with the
    # conversation lock's release (one round trip for both), else it is published after the turn.
    wake = runtime.pubsub.wake(topic(sender), ConversationAppended(sender)) if isinstance(runtime.pubsub, RedisPubSub) else None
    replies = await runtime.engine.handle(
        UserMessage(
            channel="rest",
            sender=sender,
            text=text,
            metadata=metadata,
            message_id=str(message_id)[:128] if message_id is not None else None,
        ),
        wake=wake,
    )
    if wake is None or not wake.sent:
        await notify(runtime.pubsub, sender)
    return 200, [{"recipient_id": sender, **r.to_dict()} for r in replies]


class RestFastPath:
    """ASGI middleware: `POST /webhooks/rest/webhook` (without a query string) answered here, without
    FastAPI's routing, dependency solving and response classes — the same checks, the same answers
    (`_webhook`), the same 503s for a busy conversation or an outage and 500 for anything else as the
    app's exception handlers give. Every other request goes on to the app. A third of a turn's
    server time went to that layer (docs/performance.md)."""

    def __init__(self, app: Callable[..., Awaitable[None]], runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime
        self.auth = RestAuth(runtime.config)

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if (scope["type"] != "http" or scope["path"] != WEBHOOK_PATH or scope["method"] != "POST"
                or scope.get("query_string")):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size <= MAX_BODY_BYTES:
                chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks) if size <= MAX_BODY_BYTES else b"x" * (MAX_BODY_BYTES + 1)
        headers: list[tuple[bytes, bytes]] = []
        try:
            status, answer = await _webhook(self.runtime, self.auth, Request(scope), body)
        except (LockTimeout, WriterBusy):  # nothing stored; embedded SQLite's writer busy past the turn's retries
            status, answer = 503, {"error": "conversation busy", "reason": "上一条消息还在处理中，请稍后再发"}
            headers.append((b"retry-after", b"2"))
        except Exception as exc:
            service = service_of(exc)
            if service is None:
                logging.getLogger("wenzhen.http").exception("unhandled error", exc_info=exc)
                status, answer = 500, {"error": "internal error", "reason": "服务暂时出错，请稍后再试"}
            else:
                log_outage(service, exc)
                response = unavailable(service)
                status, answer = response.status_code, orjson.loads(response.body)
                headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
        payload = _json(answer)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-length", str(len(payload)).encode()), (b"content-type", b"application/json"),
                                *headers]})
        await send({"type": "http.response.body", "body": payload})


def rest_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["rest channel"])
    auth = RestAuth(runtime.config)

    @router.post(WEBHOOK_PATH, openapi_extra={"requestBody": {"content": {"application/json": {"schema": _MESSAGE_SCHEMA}}, "required": True}})
    async def webhook(request: Request) -> Response:
        """Send one message as `sender`; returns the bot's messages (Rasa's REST channel shape)."""
        status, answer = await _webhook(runtime, auth, request, await request.body())
        return Response(_json(answer), status_code=status, media_type="application/json")

    @router.get("/conversations/{sender}/tracker")
    async def tracker(sender: str, request: Request) -> JSONResponse:
        """The conversation's state: slots, active flow, latest triage, handoff and events."""
        if ":" in sender:  # another channel's conversation: patients' data, only with the operator token
            if not auth.operator(request):
                return _problem(403, "conversations of other channels need the operator token")
        elif not auth.may_act_as(request, sender):
            return _problem(401, "send the deployment token or this sender's token as 'Authorization: Bearer …'")
        if not await runtime.store.exists(sender):
            return _problem(404, f"no conversation {sender!r}")
        state = await runtime.engine.state(sender)
        events = await runtime.engine.events(sender)
        return JSONResponse(
            {
                "sender_id": sender,
                "slots": state.slots,
                "active_flow": state.active_flow,
                "stack": [f.to_dict() for f in state.stack],
                "latest_triage": state.latest_triage,
                "handoff": state.handoff,
                "events": [e.to_dict() for e in events],
            }
        )

    @router.post("/model/parse", openapi_extra={"requestBody": {"content": {"application/json": {"schema": _PARSE_SCHEMA}}, "required": True}})
    async def parse(request: Request) -> JSONResponse:
        """Parse one text: intent, ranking and entities (CONTRACTS.md §3)."""
        try:
            data = await _json_body(request)
        except BadRequest as exc:
            return _problem(exc.status, exc.reason)
        text = data.get("text")
        if not isinstance(text, str):
            return _problem(400, "'text' must be a string")
        return JSONResponse(runtime.interpreter.parse(clean_text(text)[0]).to_dict())

    return router
