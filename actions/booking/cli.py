"""`wenzhen hospital …`: the embedded hospital system's staff path — upload a report, list slots."""
from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import click

from nlu.yaml_files import load_yaml


@click.group("hospital")
def hospital_group() -> None:
    """The embedded hospital system (config.yml `hospital.system: embedded`)."""


def _embedded(runtime: Any) -> Any:
    from bot.cli import fail
    from bot.hospital import HospitalSystem
    from bot.hospital.embedded import EmbeddedHospital

    system = runtime.services.get(HospitalSystem)
    if not isinstance(system, EmbeddedHospital):
        fail("reports are uploaded here only with hospital.system: embedded (a FHIR system has its own)")
    return system


def read_report_file(path: Path) -> dict[str, Any]:
    """A report file: id_number, title, issued (ISO), observations [{name, value, unit, low, high} or
    {name, text, reference_text}]. Checked before anything is stored."""
    from bot.hospital.embedded import observation_from_dict
    from bot.patients import valid_id_number

    raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    if not valid_id_number(str(raw.get("id_number") or "")):
        raise click.BadParameter(f"{path}: id_number is not a valid resident ID number")
    if not raw.get("title") or not raw.get("observations"):
        raise click.BadParameter(f"{path}: needs title and observations")
    try:
        issued = dt.datetime.fromisoformat(str(raw.get("issued")))
        observations = [observation_from_dict(o) for o in raw["observations"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise click.BadParameter(f"{path}: {exc}") from exc
    if issued.tzinfo is None:
        raise click.BadParameter(f"{path}: issued needs an offset, e.g. 2026-12-05T10:30:00+08:00")
    return {"id_number": str(raw["id_number"]), "title": str(raw["title"]), "issued": issued,
            "observations": observations}


@hospital_group.command("report-add")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "uploaded_by", required=True, help="the staff member uploading it (kept with the report)")
@click.pass_context
def report_add(ctx: click.Context, file: Path, uploaded_by: str) -> None:
    """Upload a report (YAML file; the ID number is read from the file, never from the command line)."""
    from bot.cli import config_from
    from bot.runtime import Runtime

    report = read_report_file(file)
    config = config_from(ctx)

    async def main() -> int:
        runtime = Runtime(config)
        await runtime.start(run_jobs=False, upgrade=True)
        try:
            from bot.supervision.audit import AuditEntry

            # The report and its audit entry in one transaction.
            return int(await _embedded(runtime).add_report(
                uploaded_by=uploaded_by, audit=runtime.audit, **report,
                entry=AuditEntry(actor=f"staff:{uploaded_by}", action="hospital.report_add",
                                 object_type="hospital_report", object_id="",
                                 detail={"results": len(report["observations"])})))
        finally:
            await runtime.stop()

    click.echo(f"report {asyncio.run(main())} stored ({len(report['observations'])} results)")


@hospital_group.command("slots")
@click.argument("department")
@click.argument("day", required=False)
@click.pass_context
def slots(ctx: click.Context, department: str, day: str | None) -> None:
    """The free hourly slots of a department on a day (today by default)."""
    from bot.cli import config_from
    from bot.runtime import Runtime

    config = config_from(ctx)

    async def main() -> None:
        runtime = Runtime(config)
        await runtime.start(run_jobs=False, upgrade=True)
        try:
            system = _embedded(runtime)
            when = dt.date.fromisoformat(day) if day else dt.datetime.now(system.zone).date()
            for slot in await system.slots(department, when):
                doctor = slot.doctor.name if slot.doctor else "-"
                click.echo(f"{slot.id}\t{slot.start.astimezone(system.zone):%Y-%m-%d %H:%M}\t{doctor}\t{slot.free} free")
        finally:
            await runtime.stop()

    asyncio.run(main())
