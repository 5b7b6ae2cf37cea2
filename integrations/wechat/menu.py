"""The official account's custom menu: validated against WeChat's limits, pushed by `wenzhen wechat menu push`."""
from __future__ import annotations

import asyncio
import json
from typing import Any

import click

from bot.config import Config, ConfigError
from integrations.wechat.api import WeChatAPI, WeChatAPIError, token_store
from integrations.wechat.settings import WeChatSettings, load_settings

MAX_TOP = 3
MAX_SUB = 5
TOP_NAME_BYTES = 16
SUB_NAME_BYTES = 60
KEY_BYTES = 128
URL_BYTES = 1024
# Button types and the field each one needs besides its name.
BUTTON_FIELDS = {
    "click": "key",
    "view": "url",
    "miniprogram": "pagepath",
    "scancode_push": "key",
    "scancode_waitmsg": "key",
    "pic_sysphoto": "key",
    "pic_photo_or_album": "key",
    "pic_weixin": "key",
    "location_select": "key",
}


class MenuError(ValueError):
    """The menu breaks one of WeChat's rules; the message says which button and why."""


def _bytes(value: Any) -> int:
    return len(str(value).encode("utf-8"))


def _button(raw: Any, where: str, name_limit: int) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise MenuError(f"{where}: a button must be a mapping")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise MenuError(f"{where}: a button needs a name")
    if _bytes(name) > name_limit:
        raise MenuError(f"{where} ({name}): the name is longer than {name_limit} bytes")
    kind = raw.get("type")
    if kind not in BUTTON_FIELDS:
        raise MenuError(f"{where} ({name}): type must be one of {', '.join(BUTTON_FIELDS)}")
    needed = BUTTON_FIELDS[kind]
    if not raw.get(needed):
        raise MenuError(f"{where} ({name}): a {kind} button needs '{needed}'")
    if kind == "miniprogram" and not (raw.get("appid") and raw.get("url")):
        raise MenuError(f"{where} ({name}): a miniprogram button needs appid and url")
    if raw.get("key") is not None and _bytes(raw["key"]) > KEY_BYTES:
        raise MenuError(f"{where} ({name}): the key is longer than {KEY_BYTES} bytes")
    if raw.get("url") is not None and _bytes(raw["url"]) > URL_BYTES:
        raise MenuError(f"{where} ({name}): the url is longer than {URL_BYTES} bytes")
    return {k: v for k, v in raw.items() if k in ("type", "name", "key", "url", "appid", "pagepath")}


def build_menu(menu: list[Any]) -> dict[str, Any]:
    """The `menu/create` body for config.yml's `wechat.menu`, or MenuError."""
    if not isinstance(menu, list) or not menu:
        raise MenuError("wechat.menu must be a non-empty list of buttons")
    if len(menu) > MAX_TOP:
        raise MenuError(f"wechat.menu has {len(menu)} top-level buttons; WeChat allows {MAX_TOP}")
    buttons = []
    for i, top in enumerate(menu, start=1):
        where = f"wechat.menu[{i}]"
        if isinstance(top, dict) and "sub_button" in top:
            name = top.get("name")
            if not isinstance(name, str) or not name.strip() or _bytes(name) > TOP_NAME_BYTES:
                raise MenuError(f"{where}: a menu needs a name of at most {TOP_NAME_BYTES} bytes")
            subs = top["sub_button"]
            if not isinstance(subs, list) or not subs:
                raise MenuError(f"{where} ({name}): sub_button must be a non-empty list")
            if len(subs) > MAX_SUB:
                raise MenuError(f"{where} ({name}) has {len(subs)} sub-buttons; WeChat allows {MAX_SUB}")
            buttons.append({"name": name, "sub_button": [
                _button(sub, f"{where}.sub_button[{j}]", SUB_NAME_BYTES) for j, sub in enumerate(subs, start=1)
            ]})
        else:
            buttons.append(_button(top, where, TOP_NAME_BYTES))
    return {"button": buttons}


def unmapped_click_keys(settings: WeChatSettings, menu: dict[str, Any]) -> list[str]:
    """CLICK keys in the menu with no payload in `wechat.click` (they would only get the help text)."""
    keys = []
    for top in menu["button"]:
        for button in top.get("sub_button", [top]):
            if button.get("type") == "click" and button["key"] not in settings.click_payloads:
                keys.append(button["key"])
    return keys


async def push_menu(config: Config, settings: WeChatSettings) -> dict[str, Any]:
    """Validate and publish the menu, with the deployment's shared access token."""
    body = build_menu(settings.menu)
    redis = None
    if config.redis_url:
        import redis.asyncio as aioredis

        redis = aioredis.from_url(config.redis_url, decode_responses=True)
    api = WeChatAPI(settings, token_store(redis, str(config.get("redis.prefix", "wenzhen:"))))
    try:
        await api.create_menu(body)
    finally:
        await api.close()
        if redis is not None:
            await redis.aclose()
    return body


@click.group("wechat")
def wechat_group() -> None:
    """The WeChat official account."""


@wechat_group.group("menu")
def menu_group() -> None:
    """The account's custom menu (config.yml `wechat.menu`)."""


def _settings(ctx: click.Context) -> tuple[Config, WeChatSettings]:
    from bot.cli import config_from, fail

    config = config_from(ctx)
    try:
        settings = load_settings(config)
    except ConfigError as exc:
        fail(str(exc))
        raise SystemExit(2) from exc
    if settings is None:
        fail("set WENZHEN_WECHAT_TOKEN, WENZHEN_WECHAT_APPID and WENZHEN_WECHAT_SECRET first")
        raise SystemExit(2)
    return config, settings


@menu_group.command("show")
@click.pass_context
def menu_show(ctx: click.Context) -> None:
    """Validate the menu and print what would be pushed."""
    from bot.cli import fail

    config, settings = _settings(ctx)
    try:
        body = build_menu(settings.menu)
    except MenuError as exc:
        fail(str(exc))
        return
    click.echo(json.dumps(body, ensure_ascii=False, indent=2))
    for key in unmapped_click_keys(settings, body):
        click.echo(f"warning: menu key {key} has no payload under wechat.click", err=True)


@menu_group.command("push")
@click.pass_context
def menu_push(ctx: click.Context) -> None:
    """Validate the menu and publish it to the official account."""
    from bot.cli import fail

    config, settings = _settings(ctx)
    try:
        body = asyncio.run(push_menu(config, settings))
    except MenuError as exc:
        fail(str(exc))
        return
    except WeChatAPIError as exc:
        fail(f"WeChat refused the menu: {exc}")
        return
    count = sum(len(top.get("sub_button", [top])) for top in body["button"])
    click.echo(f"menu pushed: {len(body['button'])} menus, {count} buttons")
