"""`wenzhen monitoring device add PATIENT_ID` (prints the device's token once), `… device revoke ID`, `… patients`."""
from __future__ import annotations

import asyncio
import secrets
from typing import Any, Awaitable, Callable

import click
from sqlalchemy import select

from bot.cli import config_from, fail
from bot.db import Database, utcnow
from bot.monitoring.models import DeviceRow, MonitoredPatient
from bot.monitoring.service import token_hash


def _run(ctx: click.Context, work: Callable[[Database], Awaitable[Any]]) -> Any:
    config = config_from(ctx)

    async def main() -> Any:
        db = Database(config.database_url)
        try:
            if db.is_sqlite:
                await db.upgrade()
            return await work(db)
        finally:
            await db.close()

    try:
        return asyncio.run(main())
    except OSError as exc:
        fail(f"cannot reach the database: {exc}")


@click.group("monitoring")
def monitoring_commands() -> None:
    """Home monitoring: devices that post readings (docs/monitoring.md)."""


@monitoring_commands.group("device")
def device() -> None:
    """Tokens of home devices (oximeters, BP cuffs) for POST /api/readings."""


@device.command("add")
@click.argument("patient_id", type=int)
@click.option("--name", default="home device", help="What the device is, e.g. 指夹血氧仪")
@click.pass_context
def add(ctx: click.Context, patient_id: int, name: str) -> None:
    """Create a device of patient PATIENT_ID (the number in the console) and print its token, once."""
    token = "wzd_" + secrets.token_urlsafe(32)

    async def work(db: Database) -> int:
        async with db.transaction() as session:
            if await session.get(MonitoredPatient, patient_id) is None:
                fail(f"no monitored patient {patient_id}")
            row = DeviceRow(name=name[:64], token_hash=token_hash(token), patient_id=patient_id, created_at=utcnow())
            session.add(row)
            await session.flush()
            return row.id

    device_id = _run(ctx, work)
    click.echo(f"device {device_id}\t{token}")


@device.command("revoke")
@click.argument("device_id", type=int)
@click.pass_context
def revoke(ctx: click.Context, device_id: int) -> None:
    """Stop a device's token from working."""

    async def work(db: Database) -> bool:
        async with db.transaction() as session:
            row = await session.get(DeviceRow, device_id)
            if row is None:
                return False
            row.revoked_at = utcnow()
            return True

    if not _run(ctx, work):
        fail(f"no device {device_id}")
    click.echo(f"device {device_id} revoked")


@device.command("list")
@click.pass_context
def listed(ctx: click.Context) -> None:
    """Every device: id, patient, name, revoked or not."""

    async def work(db: Database) -> list[DeviceRow]:
        async with db.session() as session:
            return list((await session.execute(select(DeviceRow).order_by(DeviceRow.id))).scalars())

    for row in _run(ctx, work):
        click.echo(f"{row.id}\t{row.patient_id}\t{row.name}\t{'revoked' if row.revoked_at else 'active'}")
