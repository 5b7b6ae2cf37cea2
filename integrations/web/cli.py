"""`wenzhen rest token` and `wenzhen rest sign SENDER`: the REST channel's bearer tokens (integrations/web/rest_auth.py)."""
from __future__ import annotations

import click

from bot.cli import config_from, fail
from bot.config import ConfigError
from integrations.web.rest_auth import RestAuth


def _auth(ctx: click.Context) -> RestAuth:
    try:
        return RestAuth(config_from(ctx))
    except ConfigError as exc:
        fail(str(exc))
        raise  # unreachable


@click.group("rest")
def rest_commands() -> None:
    """The REST channel's tokens (for the hospital's own servers and web pages)."""


@rest_commands.command("token")
@click.pass_context
def token(ctx: click.Context) -> None:
    """Print the deployment token: it may post as any sender and read any tracker."""
    click.echo(_auth(ctx).deployment_token)


@rest_commands.command("sign")
@click.argument("sender")
@click.pass_context
def sign(ctx: click.Context, sender: str) -> None:
    """Print SENDER's own token: it may post as that sender and read its tracker, nothing else."""
    if not sender.strip():
        fail("SENDER must not be empty")
    click.echo(_auth(ctx).sender_token(sender))
