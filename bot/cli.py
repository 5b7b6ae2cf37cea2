"""The `wenzhen` command: chat, serve, db, nlu, and the commands plugins add (staff, roster, broadcast, wechat)."""
from __future__ import annotations

import asyncio
import logging
import os
import sys
import uuid
from pathlib import Path
from typing import Any

import click

from bot.config import Config, ConfigError, load_config
from nlu.cli import nlu as nlu_commands


class _Group(click.Group):
    """Adds the plugins' commands lazily, so `--help` and bad configs fail with one clear line."""

    def _plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        try:
            from bot.plugins import load_plugins

            config = load_config(ctx.params.get("config_path"))
            return {c.name: c for p in load_plugins(config.plugins) for c in p.commands if c.name}
        except ConfigError:
            return {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self._plugin_commands(ctx)))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name) or self._plugin_commands(ctx).get(name)
        return with_config_option(command) if command is not None else None


def _remember_config(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value:
        root = ctx.find_root()
        root.ensure_object(dict)
        root.obj["config_path"] = value
        os.environ["WENZHEN_CONFIG"] = value  # for uvicorn workers and commands that load it themselves


def with_config_option(command: click.Command) -> click.Command:
    """Accept `--config` on a subcommand too (`wenzhen serve --config X`), meaning what it means on `wenzhen`."""
    if not any(param.name == "config_path" for param in command.params):
        command.params.append(click.Option(
            ["--config", "config_path"], type=click.Path(dir_okay=False), expose_value=False, is_eager=True,
            callback=_remember_config, help="configuration file (default: $WENZHEN_CONFIG or ./config.yml)",
        ))
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            with_config_option(sub)
    return command


def fail(reason: str) -> None:
    """Exit 2 with one line: what the command line tool says on bad input."""
    click.echo(f"wenzhen: {reason}", err=True)
    sys.exit(2)


def fail_if_unreachable(config: Config) -> None:
    """Exit 2 with one line when Redis or the shared database does not answer."""
    from bot.startup import StartupError, check_services

    try:
        asyncio.run(check_services(config))
    except StartupError as exc:
        fail(str(exc))


def config_from(ctx: click.Context) -> Config:
    try:
        return load_config(ctx.obj.get("config_path") if ctx.obj else None)
    except ConfigError as exc:
        fail(str(exc))
        raise  # unreachable


@click.group(cls=_Group)
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="configuration file (default: $WENZHEN_CONFIG or ./config.yml)")
@click.option("--log-level", default="WARNING", show_default=True, type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"]))
@click.pass_context
def main(ctx: click.Context, config_path: str | None, log_level: str) -> None:
    """问诊 wenzhen: a triage and consultation bot for internet hospitals."""
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    logging.basicConfig(level=log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if config_path:
        os.environ["WENZHEN_CONFIG"] = config_path


@main.command()
@click.option("--sender", default=None, help="conversation id (default: a new one)")
@click.pass_context
def chat(ctx: click.Context, sender: str | None) -> None:
    """Chat with the bot in the terminal, as a patient."""
    config = config_from(ctx)
    log_file = _chat_logs_to_file(config)
    asyncio.run(_chat(config, sender or f"cli-{uuid.uuid4().hex[:8]}", log_file))


CHAT_LOG = "chat.log"
QUEUED_PAYLOAD = "/cancel_consultation"  # the button of every reply that says the patient waits for a doctor


def _chat_logs_to_file(config: Config) -> Path | None:
    """Session seven (fix11c): the terminal chat's screen is the conversation. Log lines ("write conflict, retrying
    turn") go to `chat.log` in the data directory, never between the bot's replies; without a writable data directory
    only errors reach stderr."""
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old, logging.StreamHandler) and not isinstance(old, logging.FileHandler):
            root.removeHandler(old)
    handler: logging.Handler
    where: Path | None
    try:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        handler, where = logging.FileHandler(config.data_dir / CHAT_LOG, encoding="utf-8"), config.data_dir / CHAT_LOG
    except OSError:
        handler, where = logging.StreamHandler(), None
        handler.setLevel(logging.ERROR)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    return where


async def _chat(config: Config, sender: str, log_file: Path | None = None) -> None:
    try:
        import readline  # noqa: F401  (line editing and history for input())
    except ImportError:
        pass
    from bot.messages import UserMessage, conversation_id_for, without_tel_links
    from bot.runtime import Runtime

    try:
        runtime = Runtime(config)
    except ConfigError as exc:
        fail(str(exc))
    await runtime.start()
    cid = conversation_id_for("cli", sender)

    async def say(key: str, **variables: Any) -> str:
        # The terminal's own words are responses too, in the conversation's language.
        return runtime.responses.text(key, await runtime.engine.state(cid), variables)

    click.echo(click.style(await say("cli_chat_banner"), fg="green"))
    if log_file is not None:
        click.echo(click.style(await say("cli_chat_log_file", path=str(log_file)), fg="green"))
    try:
        while True:
            try:
                text = await asyncio.to_thread(input, await say("cli_chat_you"))
            except (EOFError, KeyboardInterrupt):
                click.echo()
                break
            replies = await runtime.engine.handle(UserMessage(channel="cli", sender=sender, text=text))
            for reply in replies:
                if reply.text:
                    click.echo(click.style(await say("cli_chat_bot"), fg="cyan") + without_tel_links(reply.text))
                if reply.custom and "triage" in reply.custom:
                    level = await say(f"triage_level_{reply.custom['triage'].get('level')}")
                    label = await say("cli_chat_triage", level=level)
                    click.echo(click.style("      " + label, fg="yellow"))
                for i, button in enumerate(reply.buttons, 1):
                    click.echo(f"      {i}. {button.title}")
                if any(b.payload.startswith(QUEUED_PAYLOAD) for b in reply.buttons):
                    # Queued for a doctor: a doctor's replies are delivered to the web chat and REST, not to this
                    # terminal (a second engine on the same database, README "make chat"): say so, honestly.
                    click.echo(click.style(await say("cli_chat_doctor_elsewhere"), fg="yellow"))
    finally:
        await runtime.stop()


@main.command()
@click.option("--host", default=None, help="address to bind (default from config.yml server.host)")
@click.option("--port", default=None, type=int, help="port (default from config.yml server.port)")
@click.option("--workers", default=None, type=int, help="worker processes (several need DATABASE_URL and REDIS_URL)")
@click.option("--access-log", is_flag=True, help="log one line per HTTP request")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int | None, access_log: bool) -> None:
    """Start the HTTP server: channels, doctor console, health and metrics."""
    import uvicorn

    from bot.startup import GRACEFUL_SHUTDOWN_SECONDS, StartupError, check_port, log_config, prepare, serve_one

    config = config_from(ctx)
    host = host or str(config.get("server.host", "127.0.0.1"))
    port = port if port is not None else int(config.get("server.port", 5005))
    workers = workers or int(config.get("server.workers", 1))
    if workers > 1 and config.embedded:
        fail("several workers need shared state: set DATABASE_URL (PostgreSQL) and REDIS_URL")
    if not 0 <= port <= 65535:
        fail(f"port {port} is out of range")
    try:  # fail here, with one line, rather than in uvicorn or in every worker
        check_port(host, port)
        asyncio.run(prepare(config))
        if workers == 1:
            serve_one(config, host, port, access_log)
            return
        from bot.runtime import Runtime

        Runtime(config)
    except (StartupError, ConfigError) as exc:
        fail(str(exc))
    os.environ.update(WENZHEN_SERVE_ADDRESS=f"{host}:{port}", WENZHEN_SERVE_WORKERS=str(workers))
    # Open responses get a few seconds to finish after SIGTERM (event streams end at once, see bot/draining.py).
    uvicorn.run(
        "bot.startup:serving_app", factory=True, host=host, port=port, workers=workers,
        log_config=log_config(access_log), access_log=access_log, timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


main.add_command(nlu_commands)


@main.group()
def db() -> None:
    """Database commands."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create or migrate the database to the newest schema (Alembic)."""
    from bot.db import Database

    config = config_from(ctx)

    async def run() -> None:
        database = Database(config.database_url)
        try:
            await database.upgrade()
        finally:
            await database.close()

    try:
        asyncio.run(run())
    except OSError as exc:
        fail(f"cannot reach the database: {exc}")
    click.echo("database is up to date")


@main.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Check the configuration and reach the database and Redis (a health check for `worker`)."""
    from bot.startup import StartupError, check_services, redact

    config = config_from(ctx)
    try:
        asyncio.run(check_services(config))
    except StartupError as exc:
        fail(str(exc))
    click.echo(f"ok: database {redact(config.database_url)}, redis {redact(config.redis_url) if config.redis_url else 'off'}")


@main.command()
@click.pass_context
def worker(ctx: click.Context) -> None:
    """Run background work only (scheduled jobs, the task queue), without HTTP."""
    config = config_from(ctx)
    fail_if_unreachable(config)

    async def run() -> None:
        from bot.runtime import Runtime

        try:
            runtime = Runtime(config)
        except ConfigError as exc:
            fail(str(exc))
        await runtime.start()
        try:
            await asyncio.Event().wait()
        finally:
            await runtime.stop()

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass


for _command in main.commands.values():
    with_config_option(_command)

if __name__ == "__main__":
    main()
