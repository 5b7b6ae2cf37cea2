"""Who may post as a REST sender and read its tracker: the deployment token, or the sender's own signed token.

`rest.auth: token` (the default): every webhook call and tracker read carries
`Authorization: Bearer <token>`, where the token is either the deployment token (a hospital's
own server, which may speak for any sender) or the sender's token, an HMAC of the sender id (a
hospital's server hands it to the one web page of that patient, so the page cannot act as anyone
else). Both derive from WENZHEN_SECRET_KEY; `wenzhen rest token` and `wenzhen rest sign SENDER`
print them. `rest.auth: open` is Rasa's unauthenticated REST channel, only when configured.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from bot.config import Config, ConfigError, ensure_secret_key
from bot.crypto import derive_key

MODES = ("token", "open")


class RestAuth:
    def __init__(self, config: Config) -> None:
        self.mode = str(config.get("rest.auth", "token"))
        if self.mode not in MODES:
            raise ConfigError(f"rest.auth must be one of {', '.join(MODES)}, not {self.mode!r}")
        self._key = derive_key(ensure_secret_key(config), b"wenzhen rest channel v1")

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
        """Whether the request may post as `sender` and read its tracker."""
        if self.mode == "open" or self.operator(request):
            return True
        return secrets.compare_digest(self._bearer(request).encode(), self.sender_token(sender).encode())
