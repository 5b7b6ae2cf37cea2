"""Who may post as a REST sender and read its tracker: the deployment token, or the sender's own signed token.

`rest.auth: token` (the default): every webhook call and tracker read carries
`Authorization: Bearer <token>`, where the token is either the deployment token (a hospital's
own server, which may speak for any sender) or the sender's token, an HMAC of the sender id (a
hospital's server hands it to the one web page of that patient, so the page cannot act as anyone
else). Both derive from WENZHEN_SECRET_KEY; `wenzhen rest token` and `wenzhen rest sign SENDER`
print them. `rest.auth: open` is Rasa's unauthenticated REST channel, only when configured.

A third credential serves the patient web chat (`/chat`, docs/webchat.md): a **visitor session**,
an HttpOnly, SameSite=Strict cookie that `GET /chat/session` issues on first visit. It names one
fresh sender id (`web-…`) and a CSRF token, signed with the deployment's secret (itsdangerous,
timed): it acts as that sender only, like a sender's token, and a request that changes anything
must repeat the CSRF token in `X-CSRF-Token` (a page on another site can make the browser send
the cookie but cannot read the token). The page never sees the deployment token.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from bot.config import Config, ConfigError, ensure_secret_key
from bot.crypto import derive_key

MODES = ("token", "open")
VISITOR_COOKIE = "wz_chat"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Visitor:
    """A web-chat visitor: the sender id their cookie names and the CSRF token it carries."""

    sender: str
    csrf: str


class VisitorSessions:
    """Signed visitor cookies of the web chat: one sender id each, expiring after `webchat.session_days`."""

    def __init__(self, config: Config) -> None:
        section = config.section("webchat")
        self.max_age = int(float(section.get("session_days", 30)) * 86400)
        self.secure = bool(section.get("secure_cookie", True))
        self._signer = URLSafeTimedSerializer(ensure_secret_key(config), salt="wenzhen-chat-visitor")

    def read(self, request: Request) -> Visitor | None:
        token = request.cookies.get(VISITOR_COOKIE)
        if not token:
            return None
        try:
            data = self._signer.loads(token, max_age=self.max_age)
            sender, csrf = str(data["s"]), str(data["c"])
        except (BadSignature, KeyError, TypeError, ValueError):
            return None
        if not sender.startswith("web-") or not csrf:
            return None
        return Visitor(sender, csrf)

    @staticmethod
    def new() -> Visitor:
        """A first visit: a fresh sender id and CSRF token."""
        return Visitor("web-" + secrets.token_urlsafe(18), secrets.token_urlsafe(32))

    def issue(self, response: Response, visitor: Visitor) -> None:
        """Set (or renew) the visitor's cookie."""
        token = self._signer.dumps({"s": visitor.sender, "c": visitor.csrf})
        response.set_cookie(VISITOR_COOKIE, token, max_age=self.max_age, httponly=True, secure=self.secure,
                            samesite="strict", path="/")


class RestAuth:
    def __init__(self, config: Config) -> None:
        self.mode = str(config.get("rest.auth", "token"))
        if self.mode not in MODES:
            raise ConfigError(f"rest.auth must be one of {', '.join(MODES)}, not {self.mode!r}")
        self._key = derive_key(ensure_secret_key(config), b"wenzhen rest channel v1")
        self.visitors = VisitorSessions(config)

    @property
    def deployment_token(self) -> str:
        """The token of the deployment's own servers: any sender, and other channels' trackers."""
        return hmac.new(self._key, b"deployment", hashlib.sha256).hexdigest()

    def sender_token(self, sender: str) -> str:
        """The signed token of one sender id: that conversation only."""
        return hmac.new(self._key, b"sender:" + sender.encode("utf-8"), hashlib.sha256).hexdigest()

    @staticmethod
    def _bearer(request: Request) -> str:
        return request.headers.get("authorization", "").removeprefix("Bearer ").strip()

    def operator(self, request: Request) -> bool:
        return secrets.compare_digest(self._bearer(request).encode(), self.deployment_token.encode())

    def may_act_as(self, request: Request, sender: str) -> bool:
        """Whether the request may post as `sender` and read its tracker and messages."""
        if self.mode == "open" or self.operator(request):
            return True
        if secrets.compare_digest(self._bearer(request).encode(), self.sender_token(sender).encode()):
            return True
        return self.visitor_may_act_as(request, sender)

    def visitor_may_act_as(self, request: Request, sender: str) -> bool:
        """A web-chat visitor's cookie names `sender` (and, to change anything, the CSRF token is repeated)."""
        visitor = self.visitors.read(request)
        if visitor is None or not secrets.compare_digest(visitor.sender.encode(), sender.encode()):
            return False
        if request.method in SAFE_METHODS:
            return True
        given = request.headers.get(CSRF_HEADER, "")
        return bool(given) and secrets.compare_digest(given.encode(), visitor.csrf.encode())
