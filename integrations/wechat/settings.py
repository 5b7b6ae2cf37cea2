"""The WeChat channel's settings: secrets from the environment, everything else from config.yml `wechat:`."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from bot.config import Config, ConfigError

DEFAULT_API_BASE = "https://api.weixin.qq.com"
MODES = ("plaintext", "compatible", "safe")


@dataclass(frozen=True)
class WeChatSettings:
    """Everything the webhook, the API client and the jobs read; built once per runtime."""

    token: str
    app_id: str
    app_secret: str
    aes_key: str | None
    api_base: str = DEFAULT_API_BASE
    mode: str = "compatible"  # plaintext | compatible (both accepted) | safe (encrypted only)
    reply_budget_seconds: float = 4.0
    timestamp_window_seconds: int = 300
    max_body_bytes: int = 64 * 1024
    dedupe_ttl_seconds: int = 600
    service_window_hours: float = 48.0
    max_messages_per_interaction: int = 20
    http_timeout_seconds: float = 10.0
    templates: dict[str, str] = field(default_factory=dict)  # notice name -> template id
    template_url: str | None = None
    click_payloads: dict[str, str] = field(default_factory=dict)  # menu key -> payload
    scene_payloads: dict[str, str] = field(default_factory=dict)  # QR scene key -> payload
    menu: list[dict[str, Any]] = field(default_factory=list)
    media_dir: Path = Path("media")
    media_max_bytes: int = 10 * 1024 * 1024
    media_content_types: tuple[str, ...] = ("image/jpeg", "image/png", "audio/amr", "audio/mpeg", "audio/speex")


def _mapping(section: Mapping[str, Any], key: str) -> dict[str, str]:
    value = section.get(key) or {}
    if not isinstance(value, dict):
        raise ConfigError(f"wechat.{key} must be a mapping")
    return {str(k): str(v) for k, v in value.items()}


def load_settings(config: Config, env: Mapping[str, str] | None = None) -> WeChatSettings | None:
    """None when the channel is off (no token/AppID/secret in the environment)."""
    env = os.environ if env is None else env
    token = env.get("WENZHEN_WECHAT_TOKEN", "")
    app_id = env.get("WENZHEN_WECHAT_APPID", "")
    secret = env.get("WENZHEN_WECHAT_SECRET", "")
    if not (token and app_id and secret):
        return None
    aes_key = env.get("WENZHEN_WECHAT_AES_KEY") or None
    section = config.section("wechat")
    mode = str(section.get("mode") or ("compatible" if aes_key else "plaintext"))
    if mode not in MODES:
        raise ConfigError(f"wechat.mode must be one of {', '.join(MODES)}, not {mode!r}")
    if mode != "plaintext" and (aes_key is None or len(aes_key) != 43):
        raise ConfigError(f"wechat.mode {mode} needs WENZHEN_WECHAT_AES_KEY (the 43-character EncodingAESKey)")
    budget = float(section.get("reply_budget_seconds", 4.0))
    if not 0 < budget < 5:
        raise ConfigError("wechat.reply_budget_seconds must be between 0 and 5 (WeChat gives up after 5 s)")
    media = section.get("media") or {}
    cs = section.get("customer_service") or {}
    menu = section.get("menu") or []
    if not isinstance(menu, list):
        raise ConfigError("wechat.menu must be a list of buttons")
    return WeChatSettings(
        token=token,
        app_id=app_id,
        app_secret=secret,
        aes_key=aes_key,
        api_base=(env.get("WENZHEN_WECHAT_API_BASE") or DEFAULT_API_BASE).rstrip("/"),
        mode=mode,
        reply_budget_seconds=budget,
        timestamp_window_seconds=int(section.get("timestamp_window_seconds", 300)),
        max_body_bytes=int(section.get("max_body_bytes", 64 * 1024)),
        dedupe_ttl_seconds=int(section.get("dedupe_ttl_seconds", 600)),
        service_window_hours=float(cs.get("window_hours", 48)),
        max_messages_per_interaction=int(cs.get("max_messages_per_interaction", 20)),
        templates=_mapping(section, "templates"),
        template_url=section.get("template_url"),
        click_payloads=_mapping(section, "click"),
        scene_payloads=_mapping(section, "scenes"),
        menu=menu,
        media_dir=config.data_path(media.get("dir") or "media"),
        media_max_bytes=int(media.get("max_bytes", 10 * 1024 * 1024)),
        media_content_types=tuple(media.get("content_types") or WeChatSettings.media_content_types),
    )
