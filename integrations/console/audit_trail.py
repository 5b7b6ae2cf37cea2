"""Every console request that opens a patient's record or changes anything leaves an audit entry.

An ASGI middleware, so that every route — today's and those added later (prescriptions, their
review) — is covered without each handler remembering to: after the handler answered, the request
is matched against `RULES` and recorded with who (the signed-in staff member), what and on what.
Reads are recorded when they succeeded; a sign-in is recorded whatever its outcome. A record
sealed on the patient's erasure request is refused here to everyone (the regulator's export
still carries it).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request

from bot.consultations import ConsultationError, consultations
from bot.http_input import unsafe_text
from bot.runtime import Runtime
from bot.supervision import AuditEntry
from bot.supervision.models import is_sealed
from integrations.console.auth import ConsoleAuth

PREFIX = "/api/console/"
SIGN_IN = "/api/console/session"
MAX_SIGN_IN_BODY = 4096
WRITES = ("POST", "PUT", "PATCH", "DELETE")
SEALABLE = ("record.open", "attachment.open")  # what a sealed record refuses to everyone in the console


@dataclass(frozen=True)
class Rule:
    methods: tuple[str, ...]
    pattern: re.Pattern[str]
    action: str  # may name a group of the pattern: "consultation.{verb}"
    object_type: str


def _rule(methods: tuple[str, ...], pattern: str, action: str, object_type: str) -> Rule:
    return Rule(methods, re.compile("^" + PREFIX.rstrip("/") + pattern + "$"), action, object_type)


# First match wins. The routes of this area (export, audit) record richer entries themselves.
RULES = (
    _rule(("DELETE",), "/session", "staff.sign_out", "staff"),
    _rule(("GET",), r"/consultations/(?P<id>[^/]+)", "record.open", "consultation"),
    _rule(("GET",), r"/consultations/(?P<id>[^/]+)/attachments/(?P<index>\d+)", "attachment.open", "consultation"),
    _rule(WRITES, r"/consultations/(?P<id>[^/]+)/(?P<verb>[a-z_]+)", "consultation.{verb}", "consultation"),
    _rule(WRITES, r"/admin/staff(?:/(?P<id>\d+))?(?:/[a-z_-]+)?", "staff.change", "staff"),
    _rule(WRITES, r"/admin/roster/(?P<kind>shifts|overrides)(?:/(?P<id>\d+))?", "roster.change", "roster"),
    _rule(("GET", "POST"), r"/admin/(?:export|audit|erasure)(?:/.*)?", "", ""),  # the routes record these
    _rule(("GET", *WRITES), r"/monitoring(?:/.*)?", "", ""),  # so do home monitoring's (integrations/monitoring/)
    _rule(("POST",), r"/reports", "", ""),  # and the report upload's (integrations/console/reports.py)
    _rule(("POST",), r"/alerts/\d+/(?:consult|dismiss)", "", ""),  # and the alert routes' (console7)
    _rule(WRITES, r"/(?P<path>.+)", "console.change", "console"),
)


def match(method: str, path: str) -> tuple[Rule, dict[str, str]] | None:
    for rule in RULES:
        if method in rule.methods:
            found = rule.pattern.match(path)
            if found:
                return rule, {k: v for k, v in found.groupdict().items() if v is not None}
    return None


class ConsoleAuditMiddleware:
    def __init__(self, app: Callable[..., Any], runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime
        self._auth: ConsoleAuth | None = None  # built on first use: the runtime's services are ready by then

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX) or unsafe_text(scope["path"]):
            # A path with a NUL is refused by the routes' guard (400); nothing here may look it up.
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        sign_in = method == "POST" and path == SIGN_IN
        found = None if sign_in else match(method, path)
        if not sign_in and (found is None or not found[0].action):
            await self.app(scope, receive, send)
            return
        if found is not None and found[0].action in SEALABLE and await self._signed_in(scope) \
                and await self._sealed(found[1].get("id", "")):
            # Only a signed-in caller learns that a record is sealed; anyone else gets the route's 401.
            await _refuse(send, 403, "this record was sealed on the patient's request")
            return
        status = 500
        body = bytearray()

        async def capture_receive() -> dict[str, Any]:
            message = await receive()
            if message["type"] == "http.request" and len(body) < MAX_SIGN_IN_BODY:
                body.extend(message.get("body", b"")[:MAX_SIGN_IN_BODY])
            return message

        async def capture_send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        await self.app(scope, capture_receive if sign_in else receive, capture_send)
        if sign_in:
            await self._sign_in(bytes(body), status)
        elif found is not None and status < 400:
            staff = (scope.get("state") or {}).get("console_staff")
            if staff is not None:
                await self._record(found[0], found[1], staff)

    async def _signed_in(self, scope: dict[str, Any]) -> bool:
        if self._auth is None:
            self._auth = ConsoleAuth(self.runtime)
        try:
            await self._auth.current(Request(scope))
        except HTTPException:
            return False
        return True

    async def _sealed(self, consultation_id: str) -> bool:
        try:
            c = await consultations(self.runtime).get(consultation_id)
        except ConsultationError:
            return False
        return await is_sealed(self.runtime.db, c.conversation_id)

    async def _sign_in(self, body: bytes, status: int) -> None:
        try:
            username = str(json.loads(body.decode("utf-8")).get("username", ""))[:64]
        except (ValueError, AttributeError):
            return  # refused as malformed before any password was checked
        # A name the sign-in refused as unsafe (a NUL) is never looked up: PostgreSQL would refuse it.
        staff = await consultations(self.runtime).staff.by_username(username) if username and not unsafe_text(username) else None
        outcome = "ok" if status < 400 else "locked" if status == 429 else "refused"
        await self.runtime.audit.record(AuditEntry(
            actor=staff.actor if staff else "unknown", action="staff.sign_in", object_type="staff",
            object_id=str(staff.id) if staff else "", detail={"outcome": outcome, "channel": "console"}))

    async def _record(self, rule: Rule, groups: dict[str, str], staff: Any) -> None:
        object_id = groups.get("id") or groups.get("path") or ""
        subject = None
        if rule.object_type == "consultation":
            try:
                subject = (await consultations(self.runtime).get(object_id)).conversation_id
            except ConsultationError:
                subject = None
        detail = {k: v for k, v in groups.items() if k in ("index", "kind")}
        await self.runtime.audit.record(AuditEntry(
            actor=staff.actor, action=rule.action.format(**groups), object_type=rule.object_type,
            object_id=object_id, subject=subject, detail=detail))


async def _refuse(send: Callable[..., Any], status: int, reason: str) -> None:
    body = json.dumps({"detail": reason}).encode("utf-8")
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
