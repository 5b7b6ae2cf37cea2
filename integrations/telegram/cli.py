"""`wenzhen telegram …`: one-time link codes for doctors, unlinking, and the webhook address."""
from __future__ import annotations

import asyncio
import datetime as dt
from typing import Awaitable, Callable

import click

from bot.cli import config_from, fail
from bot.config import Config, ConfigError, ensure_secret_key
from bot.consultations import Staff, StaffDirectory, load_departments
from bot.db import Database
from bot.staff_links import StaffLinks
from integrations.telegram.linking import PROVIDER, ChatLinks
from integrations.telegram.settings import load_telegram_settings

Work = Callable[[ChatLinks, Staff], Awaitable[str]]



@click.group("telegram")
def telegram_cli() -> None:
    """Telegram for doctors: link codes and the webhook."""


async def _with_linker(config: Config, staff_id: int, work: Work) -> str:
    """Run `work(linker, staff)` against the configured database, for an existing staff member."""
    settings = load_telegram_settings(config)
    db = Database(config.database_url)
    try:
        if db.is_sqlite:
            await db.upgrade()
        staff = await StaffDirectory(db, load_departments(config).codes()).get(staff_id)
        if staff is None:
            raise ConfigError(f"no staff member with id {staff_id}")
        linker = ChatLinks(StaffLinks(db, config.secret_key, PROVIDER, dt.timedelta(minutes=settings.link_code_ttl_minutes)))
        return await work(linker, staff)
    finally:
        await db.close()


def _run(ctx: click.Context, staff_id: int, work: Work) -> None:
    config = config_from(ctx)
    try:
        ensure_secret_key(config)
        click.echo(asyncio.run(_with_linker(config, staff_id, work)))
    except ConfigError as exc:
        fail(str(exc))


@telegram_cli.command("link-code")
@click.argument("staff_id", type=int)
@click.pass_context
def link_code(ctx: click.Context, staff_id: int) -> None:
    """Print a one-time code that links STAFF_ID's Telegram chat (the doctor sends /link CODE)."""

    async def issue(linker: ChatLinks, staff: Staff) -> str:
        code = await linker.issue(staff.id)
        until = code.expires_at.astimezone().strftime("%Y-%m-%d %H:%M %Z")
        return f"{staff.display_name}: send  /link {code.display}  to the bot before {until}"

    _run(ctx, staff_id, issue)


@telegram_cli.command("unlink")
@click.argument("staff_id", type=int)
@click.pass_context
def unlink(ctx: click.Context, staff_id: int) -> None:
    """Unlink STAFF_ID's Telegram chat: no more notifications there."""

    async def remove(linker: ChatLinks, staff: Staff) -> str:
        return f"{staff.display_name}: " + ("unlinked" if await linker.unlink_staff(staff.id) else "was not linked")

    _run(ctx, staff_id, remove)


@telegram_cli.command("webhook")
@click.pass_context
def webhook(ctx: click.Context) -> None:
    """Print the webhook path (setWebhook runs at start when telegram.public_url is set)."""
    config = config_from(ctx)
    try:
        ensure_secret_key(config)
        settings = load_telegram_settings(config)
    except ConfigError as exc:
        fail(str(exc))
        return
    if not settings.enabled:
        fail("Telegram is off: set WENZHEN_TELEGRAM_TOKEN")
    click.echo(f"mode: {settings.mode}")
    click.echo(f"path: {settings.webhook_path}")
    click.echo(f"url: {settings.webhook_url or '(set telegram.public_url in config.yml)'}")
