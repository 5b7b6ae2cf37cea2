"""Console sign-in: a signed, HttpOnly session cookie and a CSRF token every state-changing request repeats.

The cookie carries the staff id, their session version (bumped on sign-out and password change,
so old cookies die) and the CSRF token, signed with the deployment's secret (itsdangerous). A
request that changes anything must send the token back in `X-CSRF-Token`: a page on another site
can make the browser send the cookie, but cannot read the token.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

from fastapi import HTTPException, Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.config import ensure_secret_key
from bot.consultations import Staff, consultations
from bot.runtime import Runtime

COOKIE = "wz_console"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class ConsoleSession:
    """Who is signed in, and the CSRF token of their sign-in."""

    staff: Staff
    csrf: str


class ConsoleAuth:
    def __init__(self, runtime: Runtime) -> None:
        section = runtime.config.section("consultations").get("console") or {}
        self.service = consultations(runtime)
        self.max_age = int(float(section.get("session_hours", 12)) * 3600)
        self.secure = bool(section.get("secure_cookie", True))
        self._signer = URLSafeTimedSerializer(ensure_secret_key(runtime.config), salt="wenzhen-console-session")

    def issue(self, response: Response, staff: Staff) -> str:
        """Set the session cookie; returns the CSRF token the page must send back."""
        csrf = secrets.token_urlsafe(32)
        token = self._signer.dumps({"sid": staff.id, "v": staff.session_version, "csrf": csrf})
        response.set_cookie(COOKIE, token, max_age=self.max_age, httponly=True, secure=self.secure,
                            samesite="strict", path="/")
        return csrf

    def clear(self, response: Response) -> None:
        response.delete_cookie(COOKIE, path="/", httponly=True, secure=self.secure, samesite="strict")

    async def current(self, request: Request) -> ConsoleSession:
        """The signed-in staff member, or 401."""
        token = request.cookies.get(COOKIE)
        if not token:
            raise HTTPException(401, "not signed in")
        try:
            data = self._signer.loads(token, max_age=self.max_age)
            staff_id, version, csrf = int(data["sid"]), int(data["v"]), str(data["csrf"])
        except (BadSignature, KeyError, TypeError, ValueError):
            raise HTTPException(401, "the sign-in has expired or ended; sign in again") from None
        staff = await self.service.staff.get(staff_id)
        if staff is None or not staff.active or staff.session_version != version:
            raise HTTPException(401, "the sign-in has expired or ended; sign in again")
        request.state.console_staff = staff  # who the audit trail names (integrations/console/audit_trail.py)
        return ConsoleSession(staff, csrf)

    async def changing(self, request: Request) -> ConsoleSession:
        """The signed-in staff member of a state-changing request with the right CSRF token, or 401/403."""
        session = await self.current(request)
        given = request.headers.get(CSRF_HEADER, "")
        if not given or not secrets.compare_digest(given.encode(), session.csrf.encode()):
            raise HTTPException(403, "CSRF token missing or wrong")
        return session

    async def admin(self, request: Request) -> ConsoleSession:
        session = await self.changing(request) if request.method not in ("GET", "HEAD") else await self.current(request)
        if not session.staff.is_admin:
            raise HTTPException(403, "administrators only")
        return session
