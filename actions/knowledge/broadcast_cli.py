"""`wenzhen broadcast …`: create, preview, schedule, cancel, resume and report health-education campaigns."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any, Awaitable, Callable, TypeVar

import click

from bot import broadcasts as bc
from bot.config import ConfigError

from actions.knowledge.campaigns import article_content, message_content

T = TypeVar("T")


def _run(ctx: click.Context, work: Callable[[Any], Awaitable[T]], run_jobs: bool = False) -> T:
    """Run `work(runtime)` in a started runtime; bad input exits 2 with one line."""
    from bot.cli import config_from, fail
    from bot.runtime import Runtime

    config = config_from(ctx)

    async def main() -> T:
        runtime = Runtime(config)
        await runtime.start(run_jobs=run_jobs, upgrade=True)
        try:
            return await work(runtime)
        finally:
            await runtime.stop()

    try:
        return asyncio.run(main())
    except (bc.BroadcastError, ConfigError) as exc:
        fail(str(exc))
        raise  # unreachable: fail exits


def _when(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use ISO format, e.g. 2026-12-01T09:00 (China time unless an offset is given)") from None


def _show_preview(content: bc.Content, plan: bc.Plan) -> None:
    click.echo("---- message ----")
    click.echo(content.text)
    click.echo("---- recipients ----")
    for method, count in plan.counts().items():
        click.echo(f"{method}: {count}")
    reasons: dict[str, int] = {}
    for _, _, reason in plan.skipped:
        reasons[reason] = reasons.get(reason, 0) + 1
    for reason, count in sorted(reasons.items()):
        click.echo(f"skipped ({reason}): {count}")


@click.group("broadcast")
def broadcast_group() -> None:
    """Health-education broadcasts: pick an article or write a message, pick an audience, preview, schedule."""


@broadcast_group.command("create")
@click.option("--name", required=True, help="the campaign's name (for admins)")
@click.option("--article", "article_id", help="id of a knowledge-base article (file name without .md)")
@click.option("--message", help="a message to send instead of an article")
@click.option("--group", "groups", multiple=True, help="audience group (broadcasts.audiences in config.yml); repeat")
@click.option("--match", type=click.Choice(["any", "all"]), default="any", show_default=True)
@click.option("--department", "departments", multiple=True, help="department of the last consultation; repeat")
@click.option("--tag", "tags", multiple=True, help="channel user tag (WeChat tag); repeat")
@click.option("--method", "methods", multiple=True, required=True,
              help="delivery method in order of preference: wechat_mass, wechat_cs, wechat_template, telegram")
@click.option("--by", "created_by", default="admin:cli", show_default=True)
@click.pass_context
def create(ctx: click.Context, name: str, article_id: str | None, message: str | None, groups: tuple[str, ...],
           match: str, departments: tuple[str, ...], tags: tuple[str, ...], methods: tuple[str, ...],
           created_by: str) -> None:
    """Create a draft campaign and show its preview."""
    if bool(article_id) == bool(message):
        raise click.UsageError("give exactly one of --article or --message")
    audience = bc.Audience(groups=groups, match=match, departments=departments, tags=tags)

    async def work(runtime: Any) -> None:
        content = article_content(runtime, article_id) if article_id else message_content(runtime, name, message or "")
        campaign_id = await bc.create_campaign(runtime, name, content, audience, list(methods), created_by)
        click.echo(f"campaign {campaign_id} created (draft)")
        _show_preview(content, await bc.plan(runtime, audience, list(methods)))

    _run(ctx, work)


@broadcast_group.command("preview")
@click.argument("campaign_id", type=int)
@click.pass_context
def preview(ctx: click.Context, campaign_id: int) -> None:
    """Show the message and who would receive it if it started now."""

    async def work(runtime: Any) -> None:
        campaign = await bc.get_campaign(runtime, campaign_id)
        audience = bc.Audience.from_dict(campaign.audience)
        _show_preview(bc.Content(**campaign.content), await bc.plan(runtime, audience, list(campaign.methods)))

    _run(ctx, work)


@broadcast_group.command("schedule")
@click.argument("campaign_id", type=int)
@click.option("--at", "at", help="start time, ISO format (default: now)")
@click.option("--wait", is_flag=True, help="run the delivery in this process and wait for the report")
@click.pass_context
def schedule(ctx: click.Context, campaign_id: int, at: str | None, wait: bool) -> None:
    """Schedule a draft campaign; `wenzhen serve` or `wenzhen worker` delivers it."""

    start_at = _when(at)

    async def work(runtime: Any) -> None:
        due = await bc.schedule_campaign(runtime, campaign_id, start_at)
        click.echo(f"campaign {campaign_id} scheduled for {due.astimezone(bc.HOSPITAL_TZ).isoformat()}")
        if wait:
            while (await bc.get_campaign(runtime, campaign_id)).status in ("scheduled", "running"):
                await asyncio.sleep(1)
            click.echo(json.dumps((await bc.report(runtime, campaign_id)).to_dict(), ensure_ascii=False, indent=2))

    _run(ctx, work, run_jobs=wait)


@broadcast_group.command("cancel")
@click.argument("campaign_id", type=int)
@click.pass_context
def cancel(ctx: click.Context, campaign_id: int) -> None:
    """Cancel a campaign: nothing more is sent; what was sent stays recorded."""
    _run(ctx, lambda runtime: bc.cancel_campaign(runtime, campaign_id))
    click.echo(f"campaign {campaign_id} cancelled")


@broadcast_group.command("resume")
@click.argument("campaign_id", type=int)
@click.pass_context
def resume(ctx: click.Context, campaign_id: int) -> None:
    """Queue again the batches whose jobs gave up (after a long outage); nobody gets a message twice."""
    count = _run(ctx, lambda runtime: bc.resume_campaign(runtime, campaign_id))
    click.echo(f"campaign {campaign_id}: {count} batch(es) queued again")


@broadcast_group.command("report")
@click.argument("campaign_id", type=int)
@click.pass_context
def report(ctx: click.Context, campaign_id: int) -> None:
    """Sent, delivered, failed and skipped, with reasons, as JSON."""
    result = _run(ctx, lambda runtime: bc.report(runtime, campaign_id))
    click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))


@broadcast_group.command("list")
@click.pass_context
def list_(ctx: click.Context) -> None:
    """Every campaign, newest first."""
    for row in _run(ctx, bc.list_campaigns):
        click.echo(f"{row.id}\t{row.status}\t{row.kind}\t{','.join(row.methods)}\t{row.name}")


@broadcast_group.command("sync-tags")
@click.pass_context
def sync_tags(ctx: click.Context) -> None:
    """Mirror the channels' user tags (WeChat tags API) for audiences."""
    for channel, count in _run(ctx, bc.sync_tags).items():
        click.echo(f"{channel}: {count} tagged user(s)")
