"""`wenzhen export …`, `wenzhen audit …`, `wenzhen retention …`: supervision from the shell.

Each command opens the database only (no NLU, no channels) and is itself an audit entry, by
`cli:<operating-system user>`.
"""
from __future__ import annotations

import asyncio
import getpass
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from bot.cache import Cache, MemoryCache, RedisCache
from bot.cli import config_from, fail
from bot.config import Config, ConfigError
from bot.consultations.departments import load_departments
from bot.consultations.service import Settings
from bot.consultations.staff import StaffDirectory
from bot.db import Database
from bot.supervision import AuditEntry, AuditTrail
from bot.supervision.export import (
    Cursor,
    Exporter,
    ExportError,
    export_range,
    manifest_holds,
    public_key_hex,
)
from bot.supervision.models import set_practising_id
from bot.supervision.retention import RecordKeeper

T = TypeVar("T")
CHECKPOINT_EVERY = 1000  # records between checkpoints of a file export


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        return "cli:unknown"


READ_ONLY = ("list", "sessions", "log", "public-key")


async def record_cli_change(db: Database, ctx: click.Context) -> None:
    """Audit a `wenzhen staff …` / `wenzhen roster …` command that changed something (reads are not).
    Only the command is recorded, never its arguments (a password may be one of them)."""
    words = ctx.command_path.split()
    group, command = (words[-2], words[-1]) if len(words) >= 2 else ("cli", words[-1])
    if command in READ_ONLY:
        return
    await AuditTrail(db).record(AuditEntry(actor=_actor(), action=f"{group}.change", object_type=group,
                                           object_id=command, detail={"command": f"{group} {command}"}))


def _run(ctx: click.Context, work: Callable[[Config, Database, AuditTrail], Awaitable[T]]) -> T:
    config = config_from(ctx)

    async def main() -> T:
        db = Database(config.database_url)
        try:
            if db.is_sqlite:
                await db.upgrade()
            return await work(config, db, AuditTrail(db))
        finally:
            await db.close()

    try:
        return asyncio.run(main())
    except (ExportError, ConfigError, ValueError) as exc:
        fail(str(exc))
        raise  # unreachable
    except OSError as exc:
        fail(f"cannot reach the database: {exc}")
        raise


# ---- export ---------------------------------------------------------------------------------


@click.group("export")
def export_commands() -> None:
    """The regulator's export (docs/supervision.md)."""


@export_commands.command("consultations")
@click.option("--from", "date_from", required=True, help="first day (YYYY-MM-DD, the hospital's time zone) or ISO datetime")
@click.option("--to", "date_to", required=True, help="last day, included (YYYY-MM-DD) or ISO datetime (excluded)")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True)
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="the export file; FILE.manifest.json is written beside it")
@click.option("--cursor", default=None, help="start after this cursor (from a manifest's cursor_to)")
@click.option("--resume", is_flag=True, help="continue an interrupted export of FILE from its checkpoint")
@click.pass_context
def export_consultations(ctx: click.Context, date_from: str, date_to: str, fmt: str, output: Path,
                         cursor: str | None, resume: bool) -> None:
    """One record per consultation requested in the range, streamed to FILE, with a signed manifest."""
    checkpoint = output.with_name(output.name + ".checkpoint.json")
    manifest_path = output.with_name(output.name + ".manifest.json")

    async def work(config: Config, db: Database, audit: AuditTrail) -> dict[str, Any]:
        timezone = Settings.from_section(config.section("consultations")).timezone
        start, end = export_range(date_from, date_to, timezone)
        job = Exporter(config, db, start, end, fmt, Cursor.decode(cursor) if cursor else None)
        mode = "wb"
        if resume:
            if not checkpoint.exists():
                raise ExportError(f"no checkpoint {checkpoint} to resume from")
            saved = json.loads(checkpoint.read_text(encoding="utf-8"))
            if [saved["from"], saved["to"], saved["format"]] != [date_from, date_to, fmt]:
                raise ExportError("the checkpoint is of another range or format")
            with output.open("r+b") as f:
                f.truncate(saved["bytes"])  # whatever was written after the checkpoint is written again
                job.absorb(f.read())
            job.cursor = Cursor.decode(saved["cursor"]) if saved["cursor"] else job.cursor
            job.header, job.records, job.events = False, saved["records"], saved["events"]
            job.last = job.cursor
            mode = "ab"
        with output.open(mode) as f:
            async for chunk in job.chunks():
                f.write(chunk)
                if job.records and job.records % CHECKPOINT_EVERY == 0 and job.last is not None:
                    f.flush()
                    checkpoint.write_text(json.dumps({
                        "from": date_from, "to": date_to, "format": fmt, "cursor": job.last.encode(),
                        "records": job.records, "events": job.events, "bytes": f.tell()}), encoding="utf-8")
        manifest = job.manifest(complete=True)
        manifest_path.write_text(json.dumps(manifest.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        checkpoint.unlink(missing_ok=True)
        await audit.record(AuditEntry(actor=_actor(), action="export.consultations", object_type="export",
                                      object_id=fmt, detail={"from": date_from, "to": date_to, "records": job.records,
                                                             "sha256": manifest.sha256}))
        return manifest.to_dict()

    manifest = _run(ctx, work)
    click.echo(f"{manifest['records']} consultations, {manifest['events']} events → {output} "
               f"(sha256 {manifest['sha256']}; manifest {manifest_path})")


@export_commands.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--public-key", required=True, help="the deployment's key (`wenzhen export public-key`), hex")
def export_verify(file: Path, public_key: str) -> None:
    """Check FILE against FILE.manifest.json: the signature and the sha256. Exit 1 when they do not hold."""
    manifest_path = file.with_name(file.name + ".manifest.json")
    if not manifest_path.exists():
        fail(f"no manifest {manifest_path}")
    problem = manifest_holds(json.loads(manifest_path.read_text(encoding="utf-8")), file.read_bytes(), public_key)
    if problem:
        click.echo(f"NOT OK: {problem}")
        sys.exit(1)
    click.echo("OK: the signature holds and the file is the one signed")


@export_commands.command("public-key")
@click.pass_context
def export_public_key(ctx: click.Context) -> None:
    """Print the Ed25519 public key manifests are signed with (give it to the regulator once)."""
    click.echo(public_key_hex(config_from(ctx)))


@export_commands.command("practising-id")
@click.argument("username")
@click.argument("practising_id")
@click.pass_context
def export_practising_id(ctx: click.Context, username: str, practising_id: str) -> None:
    """Set a doctor's practising certificate number (执业证书编码), as the export reports it."""
    if not practising_id.strip() or len(practising_id) > 64:
        fail("PRACTISING_ID must have 1 to 64 characters")

    async def work(config: Config, db: Database, audit: AuditTrail) -> None:
        directory = StaffDirectory(db, load_departments(config).codes())
        staff = await directory.by_username(username)
        if staff is None:
            raise ValueError(f"no staff member {username!r}")
        await set_practising_id(db, staff.id, practising_id.strip())
        await audit.record(AuditEntry(actor=_actor(), action="staff.change", object_type="staff",
                                      object_id=str(staff.id), detail={"field": "practising_id"}))

    _run(ctx, work)
    click.echo(f"{username}: practising id set")


# ---- audit ----------------------------------------------------------------------------------


@click.group("audit")
def audit_commands() -> None:
    """The tamper-evident audit trail."""


@audit_commands.command("verify")
@click.pass_context
def audit_verify(ctx: click.Context) -> None:
    """Check the whole chain; name the first broken link. Exit 1 when it does not hold."""

    async def work(config: Config, db: Database, audit: AuditTrail) -> Any:
        result = await audit.verify()
        await audit.record(AuditEntry(actor=_actor(), action="audit.verify", object_type="audit", object_id="*",
                                      detail={"ok": result.ok}))
        return result

    result = _run(ctx, work)
    if result.broken is not None:
        click.echo(f"BROKEN after {result.entries} entries: {result.broken.describe()}")
        sys.exit(1)
    click.echo(f"OK: {result.entries} entries, {result.events} events vouched for")


@audit_commands.command("adopt")
@click.pass_context
def audit_adopt(ctx: click.Context) -> None:
    """Once, after upgrading a database from a release without the audit trail: vouch for the events it
    already held (only those older than the chain; recorded as `audit.adopt`)."""

    async def work(config: Config, db: Database, audit: AuditTrail) -> int:
        return await audit.adopt_existing(actor=_actor())

    count = _run(ctx, work)
    click.echo(f"adopted {count} events that predate the chain")


@audit_commands.command("log")
@click.option("--subject", default=None, help="one conversation id")
@click.option("--action", default=None, help="e.g. record.open, export.consultations")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000))
@click.pass_context
def audit_log(ctx: click.Context, subject: str | None, action: str | None, limit: int) -> None:
    """The newest entries (JSON lines), newest first."""

    async def work(config: Config, db: Database, audit: AuditTrail) -> list[AuditEntry]:
        return await audit.entries(subject=subject, actions=(action,) if action else (), limit=limit, newest_first=True)

    for entry in _run(ctx, work):
        click.echo(json.dumps(entry.to_dict(), ensure_ascii=False, sort_keys=True))


# ---- retention ------------------------------------------------------------------------------


def _cache(config: Config) -> Cache:
    if config.redis_url:
        import redis.asyncio as aioredis

        return RedisCache(aioredis.from_url(config.redis_url, decode_responses=True),
                          str(config.get("redis.prefix", "wenzhen:")))
    return MemoryCache()


@click.group("retention")
def retention_commands() -> None:
    """Retention periods and patients' erasure requests."""


@retention_commands.command("run")
@click.pass_context
def retention_run(ctx: click.Context) -> None:
    """Remove what expired now (the server also does this nightly)."""

    async def work(config: Config, db: Database, audit: AuditTrail) -> Any:
        return await RecordKeeper(config, db, audit, _cache(config)).sweep(actor=_actor())

    report = _run(ctx, work)
    click.echo(f"removed: {report.conversations} conversations, {report.records} consultation records, "
               f"{report.media_files} media files, {report.broadcast_logs} broadcast log rows, "
               f"{report.reports} uploaded reports, {report.appointments} appointments")


@retention_commands.command("erase")
@click.argument("conversation_id")
@click.pass_context
def retention_erase(ctx: click.Context, conversation_id: str) -> None:
    """Honour a patient's erasure request: deleted, or sealed where the law keeps the record."""

    async def work(config: Config, db: Database, audit: AuditTrail) -> Any:
        return await RecordKeeper(config, db, audit, _cache(config)).erase(conversation_id, _actor())

    outcome = _run(ctx, work)
    if outcome.kind == "refused":
        fail(f"refused: {outcome.reason}")
    click.echo(f"{conversation_id}: {outcome.kind}{' (' + outcome.reason + ')' if outcome.reason else ''}")
