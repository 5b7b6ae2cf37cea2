"""What a REST patient receives outside the webhook's answer (CONTRACTS.md §2, extended; docs/webchat.md).

- `GET /conversations/{sender}/messages?after=SEQ`: the bot's and the doctors' messages stored
  after sequence number SEQ (`include=patient` adds the patient's own), with `last_seq` to ask
  from next time.
- `GET /conversations/{sender}/stream`: the same messages as Server-Sent Events, each with
  `id: <seq>`; a reconnecting client sends `Last-Event-ID` (browsers do) and receives everything
  after it, so nothing is lost across a dropped connection or a worker restart.
- `POST /conversations/{sender}/attachments`: an image (JPEG/PNG/WebP body) as a message of the
  patient; answered like the webhook. `GET /conversations/{sender}/attachments/{seq}/{index}`
  returns one the patient sent.

Authentication is the REST channel's (integrations/web/rest_auth.py): the deployment token, the
sender's own token, or the web-chat visitor cookie of that sender.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import os
from pathlib import Path
from typing import Any, AsyncIterator

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response, StreamingResponse

from bot import draining
from bot import events as ev
from bot.crypto import open_answer
from bot.engine import clean_text
from bot.events import Event
from bot.messages import Attachment, UserMessage
from bot.runtime import Runtime
from integrations.web.push import notify, topic
from integrations.web.rest_auth import RestAuth

MAX_MESSAGES = 200  # per answer; `more` says when there are others after `last_seq`
HEARTBEAT_SECONDS = 15.0
SEALED_TEXT = "（个人信息已加密保存）"
MAX_SEQ = 2**53
IMAGE_TYPES = {"image/jpeg": (".jpg", (b"\xff\xd8\xff",)), "image/png": (".png", (b"\x89PNG\r\n\x1a\n",)),
               "image/webp": (".webp", (b"RIFF",))}


def _problem(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status)


def parse_seq(value: str | None, name: str) -> int:
    """A sequence number from a query or header: a non-negative integer (ValueError otherwise)."""
    if value is None or value == "":
        return 0
    value = value.strip()
    if not value.isascii() or not value.isdigit() or len(value) > 16 or int(value) > MAX_SEQ:
        raise ValueError(f"'{name}' must be a sequence number (a non-negative integer), not {value[:40]!r}")
    return int(value)


STAFF_ROLES = ("doctor", "pharmacist", "admin")


def _by(actor: str) -> str:
    """Who wrote a message, for its label: `doctor`, `pharmacist` or `admin` (`doctor:7`), `system` (a
    reminder, a device alert, a broadcast, `system:…`), else `bot` (the dialogue)."""
    role = actor.split(":", 1)[0]
    if role in STAFF_ROLES:
        return role
    return "system" if role == "system" else "bot"


def _sender_of(actor: str) -> str:
    """`staff` for a doctor, pharmacist or admin (`doctor:7`), else `bot` (the dialogue, follow-ups, broadcasts)."""
    return "staff" if _by(actor) in STAFF_ROLES else "bot"


class Mailbox:
    """Reads a conversation's log as the messages a patient sees."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def _patient_line(self, sender: str, event: Event, titles: dict[str, str]) -> dict[str, Any] | None:
        text = str(event.data.get("text") or "")
        if text and open_answer(self.runtime.cipher, text) != text:
            text = SEALED_TEXT  # an identifying answer is never sent back in clear
        elif text.startswith("/"):
            text = titles.get(text, "")  # a tapped button shows its words; a page's own payload (/greet), nothing
        attachments = [
            {"kind": a.get("kind"), **({"href": f"/conversations/{sender}/attachments/{event.seq}/{i}"} if a.get("path") else {})}
            for i, a in enumerate(event.data.get("attachments") or []) if isinstance(a, dict)
        ]
        if not text and not attachments:
            return None
        line: dict[str, Any] = {"text": text}
        if attachments:
            line["attachments"] = attachments
        return line

    async def read(self, sender: str, after: int, include_patient: bool = False,
                   limit: int = MAX_MESSAGES) -> tuple[list[dict[str, Any]], int, bool]:
        """(messages after `after`, the last sequence number read, whether more remain)."""
        events = await self.runtime.store.events(sender, after)
        titles: dict[str, str] = {}
        if include_patient and after:  # the buttons a tap may answer were sent before `after`
            for event in (await self.runtime.store.events(sender, max(0, after - 200)))[:200]:
                _titles(event, titles)
        found: list[dict[str, Any]] = []
        last = after
        for event in events:
            if len(found) >= limit:
                return found, last, True
            last = event.seq or last
            _titles(event, titles)
            if event.type == ev.BOT:
                line = {k: v for k, v in event.data.items() if k in ("text", "buttons", "image", "custom")}
                found.append({"seq": event.seq, "timestamp": event.timestamp, "from": _sender_of(event.actor),
                              "by": _by(event.actor), "recipient_id": sender, **line})
            elif event.type == ev.USER and include_patient:
                patient = self._patient_line(sender, event, titles)
                if patient is not None:
                    found.append({"seq": event.seq, "timestamp": event.timestamp, "from": "patient", **patient})
        return found, last, False


def _titles(event: Event, titles: dict[str, str]) -> None:
    if event.type == ev.BOT:
        for button in event.data.get("buttons") or ():
            if isinstance(button, dict) and button.get("payload"):
                titles[str(button["payload"])] = str(button.get("title") or "")


def _frame(event: str, data: dict[str, Any], seq: int | None = None) -> str:
    head = f"id: {seq}\n" if seq is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _image_type(content: bytes, declared: str) -> str | None:
    """The image's real type when it is one we keep (the bytes must match the declared type)."""
    spec = IMAGE_TYPES.get(declared)
    if spec is None:
        return None
    if declared == "image/webp":
        return declared if content[:4] == b"RIFF" and content[8:12] == b"WEBP" else None
    return declared if any(content.startswith(magic) for magic in spec[1]) else None


def store_image(directory: Path, content: bytes, content_type: str) -> Path:
    """Write atomically, named by content hash (the same photo twice is one file), readable by us only."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (hashlib.sha256(content).hexdigest() + IMAGE_TYPES[content_type][0])
    if not path.exists():
        temporary = path.with_suffix(path.suffix + f".{os.getpid()}.part")
        temporary.write_bytes(content)
        os.chmod(temporary, 0o600)
        temporary.replace(path)
    return path


def messages_router(runtime: Runtime) -> APIRouter:
    router = APIRouter(tags=["rest channel"])
    auth = RestAuth(runtime.config)
    mailbox = Mailbox(runtime)
    section = runtime.config.section("webchat")
    media_dir = runtime.config.data_path(section.get("media_dir") or "media/web")
    max_image_bytes = int(section.get("max_image_bytes", 8 * 1024 * 1024))

    def refused(request: Request, sender: str) -> JSONResponse | None:
        if not sender.strip() or len(sender) > 256 or clean_text(sender)[0] != sender or "/" in sender:
            return _problem(400, "not a conversation id")
        if ":" in sender:  # another channel's conversation: only the deployment's own servers
            return None if auth.operator(request) else _problem(403, "conversations of other channels need the operator token")
        if not auth.may_act_as(request, sender):
            return _problem(401, "send the deployment token or this sender's token as 'Authorization: Bearer …'")
        return None

    @router.get("/conversations/{sender}/messages")
    async def messages(
        sender: str, request: Request,
        after: str | None = Query(None, description="sequence number: only messages stored after it (default 0)"),
        include: str | None = Query(None, description="`patient` to add the patient's own messages"),
        limit: str | None = Query(None, description=f"at most this many messages (1–{MAX_MESSAGES}, the default)"),
    ) -> JSONResponse:
        """The bot's and doctors' messages after sequence number `after`, oldest first; ask again from `last_seq`."""
        if (problem := refused(request, sender)) is not None:
            return problem
        try:
            since = parse_seq(after, "after")
            count = parse_seq(limit, "limit") if limit not in (None, "") else MAX_MESSAGES
        except ValueError as exc:
            return _problem(400, str(exc))
        if not 1 <= count <= MAX_MESSAGES:
            return _problem(400, f"'limit' must be between 1 and {MAX_MESSAGES}")
        if include not in (None, "", "patient"):
            return _problem(400, "'include' may only be 'patient'")
        found, last, more = await mailbox.read(sender, since, include == "patient", count)
        return JSONResponse({"sender_id": sender, "messages": found, "last_seq": last, "more": more})

    @router.get("/conversations/{sender}/stream", response_class=StreamingResponse,
                responses={200: {"content": {"text/event-stream": {}},
                                 "description": "events `ready` and `message` (id: the message's seq), `bye`"}})
    async def stream(
        sender: str, request: Request,
        after: str | None = Query(None, description="sequence number to start after, when no Last-Event-ID is sent"),
        include: str | None = Query(None, description="`patient` to add the patient's own messages"),
    ) -> Response:
        """Server-Sent Events: every message after `Last-Event-ID` (or `after`), then each new one as it is stored."""
        if (problem := refused(request, sender)) is not None:
            return problem
        try:
            resume = request.headers.get("last-event-id")
            since = parse_seq(resume, "Last-Event-ID") if resume not in (None, "") else parse_seq(after, "after")
        except ValueError as exc:
            return _problem(400, str(exc))
        if include not in (None, "", "patient"):
            return _problem(400, "'include' may only be 'patient'")
        with_patient = include == "patient"
        wake: asyncio.Queue[bool] = asyncio.Queue()  # False: the server is draining
        subscribed = asyncio.Event()

        async def pump() -> None:
            async with runtime.pubsub.subscribe(topic(sender)) as notices:
                subscribed.set()
                async for _ in notices:
                    wake.put_nowait(True)

        async def events() -> AsyncIterator[str]:
            nonlocal since
            listener = asyncio.create_task(pump())
            stop_draining = draining.on_drain(lambda: wake.put_nowait(False))
            try:
                await asyncio.wait_for(subscribed.wait(), 10)
                # Subscribed first, then read: nothing stored in between can be missed.
                yield "retry: 2000\n\n" + _frame("ready", {"sender_id": sender, "after": since}, since)
                while True:
                    more = True
                    while more:
                        found, since, more = await mailbox.read(sender, since, with_patient)
                        for line in found:
                            yield _frame("message", line, line["seq"])
                    try:
                        awake = await asyncio.wait_for(wake.get(), HEARTBEAT_SECONDS)
                        if not awake:  # shutting down: the browser comes back (to another worker) at once
                            yield "retry: 1000\n\n" + _frame("bye", {"reason": "server restarting"})
                            return
                        while not wake.empty():  # one read answers every poke queued meanwhile
                            if not wake.get_nowait():
                                yield "retry: 1000\n\n" + _frame("bye", {"reason": "server restarting"})
                                return
                    except asyncio.TimeoutError:
                        if await request.is_disconnected() or listener.done():
                            return  # a lost subscription ends the stream: the client reconnects and resumes
                        yield ": ping\n\n"
            finally:
                stop_draining()
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)

        return StreamingResponse(events(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})

    @router.post("/conversations/{sender}/attachments",
                 openapi_extra={"requestBody": {"content": {t: {"schema": {"type": "string", "format": "binary"}}
                                                            for t in IMAGE_TYPES}, "required": True}})
    async def upload(sender: str, request: Request, message_id: str | None = Query(None, max_length=128)) -> JSONResponse:
        """Send an image (the raw JPEG, PNG or WebP as the body) as `sender`; returns the bot's messages like the webhook."""
        if ":" in sender:
            return _problem(400, "attachments are for REST conversations")
        if (problem := refused(request, sender)) is not None:
            return problem
        declared = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if declared not in IMAGE_TYPES:
            return _problem(415, "send a JPEG, PNG or WebP image as the body, with its Content-Type")
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > max_image_bytes:
            return _problem(413, f"an image may have at most {max_image_bytes} bytes")
        content = b""
        async for chunk in request.stream():
            content += chunk
            if len(content) > max_image_bytes:
                return _problem(413, f"an image may have at most {max_image_bytes} bytes")
        if not content:
            return _problem(400, "the image is empty")
        content_type = _image_type(content, declared)
        if content_type is None:
            return _problem(415, f"the body is not a {declared} image")
        path = await asyncio.to_thread(store_image, media_dir, content, content_type)
        attachment = Attachment(kind="image", content_type=content_type, path=str(path), data={"size": len(content)})
        replies = await runtime.engine.handle(UserMessage(channel="rest", sender=sender, attachments=(attachment,),
                                                          message_id=message_id))
        await notify(runtime.pubsub, sender)
        return JSONResponse([{"recipient_id": sender, **r.to_dict()} for r in replies])

    @router.get("/conversations/{sender}/attachments/{seq}/{index}", response_class=FileResponse)
    async def attachment(sender: str, seq: int, index: int, request: Request) -> Response:
        """A file the patient sent, as stored."""
        if (problem := refused(request, sender)) is not None:
            return problem
        if not 1 <= seq <= MAX_SEQ or not 0 <= index < 16:
            return _problem(404, "no such attachment")
        found = await runtime.store.events(sender, seq - 1)
        event = found[0] if found and found[0].seq == seq else None
        items = (event.data.get("attachments") or []) if event is not None and event.type == ev.USER else []
        if index >= len(items) or not isinstance(items[index], dict) or not items[index].get("path"):
            return _problem(404, "no such attachment")
        path = Path(items[index]["path"]).resolve()
        if not path.is_relative_to(media_dir.resolve()) or not path.is_file():
            return _problem(404, "no such attachment")
        return FileResponse(path, media_type=items[index].get("content_type") or "application/octet-stream",
                            headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"})

    return router
