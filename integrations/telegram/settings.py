"""Telegram settings: config.yml section `telegram:` for the shape, the environment for the secrets."""
from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import Literal

from bot.config import Config, ConfigError

DEFAULT_API_BASE = "https://api.telegram.org"
Mode = Literal["webhook", "polling"]


@dataclass(frozen=True)
class TelegramSettings:
    """Everything the Telegram channel needs to run; `enabled` is False when no token is set."""

    token: str
    api_base: str
    mode: Mode
    webhook_path_secret: str  # the secret part of /webhooks/telegram/<path>
    webhook_header_secret: str  # what Telegram must send in X-Telegram-Bot-Api-Secret-Token
    public_url: str | None  # when set (webhook mode), setWebhook is called at start with this base
    poll_timeout_seconds: int
    link_code_ttl_minutes: int

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    @property
    def bot_base_url(self) -> str:
        """What python-telegram-bot's `base_url` expects: it appends the token itself."""
        return f"{self.api_base}/bot"

    @property
    def file_base_url(self) -> str:
        return f"{self.api_base}/file/bot"

    @property
    def webhook_path(self) -> str:
        return f"/webhooks/telegram/{self.webhook_path_secret}"

    @property
    def webhook_url(self) -> str | None:
        return f"{self.public_url.rstrip('/')}{self.webhook_path}" if self.public_url else None


def _derived(secret_key: str, token: str, purpose: str) -> str:
    # Derived from the shared secret key so every worker agrees without another secret to distribute,
    # and a leaked webhook path does not reveal the header secret (different purposes).
    return hmac.new(secret_key.encode(), f"telegram:{purpose}:{token}".encode(), hashlib.sha256).hexdigest()[:40]


def load_telegram_settings(config: Config, env: dict[str, str] | None = None) -> TelegramSettings:
    """Read `telegram:` from config.yml and WENZHEN_TELEGRAM_* from the environment."""
    env = dict(os.environ if env is None else env)
    section = config.section("telegram")
    token = env.get("WENZHEN_TELEGRAM_TOKEN", "").strip()
    api_base = (env.get("WENZHEN_TELEGRAM_API_BASE") or section.get("api_base") or DEFAULT_API_BASE).rstrip("/")
    mode = section.get("mode", "webhook")
    if mode not in ("webhook", "polling"):
        raise ConfigError(f"{config.path}: telegram.mode must be webhook or polling, not {mode!r}")
    secret = env.get("WENZHEN_TELEGRAM_WEBHOOK_SECRET", "").strip()
    if secret and not all(c.isalnum() or c in "_-" for c in secret):
        # Telegram accepts only these characters in secret_token.
        raise ConfigError("WENZHEN_TELEGRAM_WEBHOOK_SECRET may contain only A-Z, a-z, 0-9, _ and -")
    if token and not secret:
        if not config.secret_key:
            raise ConfigError("the Telegram webhook secret is derived from the secret key, which is not set yet")
        secret = _derived(config.secret_key, token, "header")
    path_secret = _derived(secret or "-", token, "path") if token else ""
    try:
        poll_timeout = int(section.get("poll_timeout_seconds", 30))
        ttl = int(section.get("link_code_ttl_minutes", 15))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{config.path}: telegram.poll_timeout_seconds and link_code_ttl_minutes are whole numbers") from exc
    if poll_timeout < 0 or ttl < 1:
        raise ConfigError(f"{config.path}: telegram.poll_timeout_seconds must be >= 0 and link_code_ttl_minutes >= 1")
    return TelegramSettings(
        token=token,
        api_base=api_base,
        mode=mode,
        webhook_path_secret=path_secret,
        webhook_header_secret=secret,
        public_url=section.get("public_url") or None,
        poll_timeout_seconds=poll_timeout,
        link_code_ttl_minutes=ttl,
    )
