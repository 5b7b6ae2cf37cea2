"""`wenzhen staff …` and `wenzhen roster …`: accounts, departments and on-duty hours from the shell."""
from __future__ import annotations

import asyncio
import datetime as dt
import sys
from typing import Any, Awaitable, Callable, TextIO, TypeVar

import click

from bot.cli import config_from, fail
from bot.config import Config
from bot.consultations import RosterError, StaffError, load_departments
from bot.consultations.roster import WEEKDAYS, Roster, check_can_serve, format_minute, parse_minute, parse_weekdays
from bot.consultations.service import Settings
from bot.consultations.staff import ROLES, Staff, StaffDirectory
from bot.db import Database, utcnow
from integrations.supervision.cli import record_cli_change

T = TypeVar("T")


def _run(ctx: click.Context, work: Callable[[StaffDirectory, Roster, Config], Awaitable[T]]) -> T:
    """Open the database, run `work`, close; account and roster errors become one line and exit 2."""
    config = config_from(ctx)
    settings = Settings.from_section(config.section("consultations"))

    async def main() -> T:
        db = Database(config.database_url)
        try:
            if db.is_sqlite:
                await db.upgrade()
            directory = StaffDirectory(db, load_departments(config).codes(), settings.lockout)
            result = await work(directory, Roster(db, settings.timezone), config)
            await record_cli_change(db, ctx)
            return result
        finally:
            await db.close()

    try:
        return asyncio.run(main())
    except (StaffError, RosterError) as exc:
        fail(str(exc))
        raise  # unreachable
    except OSError as exc:
        fail(f"cannot reach the database: {exc}")
        raise


async def _find(directory: StaffDirectory, who: str) -> Staff:
    staff = await directory.by_username(who)
    if staff is None and who.isdigit():
        staff = await directory.get(int(who))
    if staff is None:
        raise StaffError(f"no staff member {who!r}")
    return staff


def _line(staff: Staff) -> str:
    state = staff.status if staff.active else "disabled"
    return (f"{staff.id}\t{staff.username}\t{staff.display_name}\t{staff.title or '-'}\t{staff.role}\t"
            f"{','.join(staff.departments) or '-'}\t{state}")


def _password(given: str | None, from_stdin: bool) -> str:
    """The password: given (option or environment), else stdin's first line when asked or when stdin is
    not a terminal (no GetPassWarning, no echo), else asked twice at the terminal without echo."""
    if given is not None and not from_stdin:
        return given
    stream: TextIO = sys.stdin
    if from_stdin or not stream.isatty():
        line = str(stream.readline()).rstrip("\r\n")
        if not line:
            fail("no password on stdin (give it on the first line, e.g. `printf '%s\\n' \"$PW\" | wenzhen staff add …`)")
        return line
    entered: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return entered


@click.group()
def staff() -> None:
    """Doctors, pharmacists and administrators of the console."""


@staff.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="the name patients see, e.g. 李明")
@click.option("--role", type=click.Choice(ROLES), default="doctor", show_default=True)
@click.option("--title", default="", help="e.g. 主治医师")
@click.option("--department", "departments", multiple=True, help="department code (repeat for several)")
@click.option("--password", default=None, envvar="WENZHEN_STAFF_PASSWORD",
              help="$WENZHEN_STAFF_PASSWORD; else read from stdin or asked for at a terminal")
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of stdin")
@click.pass_context
def staff_add(ctx: click.Context, username: str, display_name: str, role: str, title: str,
              departments: tuple[str, ...], password: str | None, password_stdin: bool) -> None:
    """Create an account."""
    password = _password(password, password_stdin)

    async def work(directory: StaffDirectory, _: Roster, __: Config) -> Staff:
        return await directory.add(username, password, display_name=display_name, role=role, title=title,
                                   departments=list(departments))

    click.echo(_line(_run(ctx, work)))


@staff.command("list")
@click.option("--department", default=None, help="only this department")
@click.pass_context
def staff_list(ctx: click.Context, department: str | None) -> None:
    """id, username, name, title, role, departments, status — one per line."""
    async def work(directory: StaffDirectory, _: Roster, __: Config) -> list[Staff]:
        return await directory.list(department)

    for member in _run(ctx, work):
        click.echo(_line(member))


@staff.command("update")
@click.argument("who")
@click.option("--name", "display_name", default=None)
@click.option("--title", default=None)
@click.option("--role", type=click.Choice(ROLES), default=None)
@click.option("--department", "departments", multiple=True, help="replaces the departments (repeat for several)")
@click.option("--active/--disabled", default=None, help="enable or disable the account")
@click.pass_context
def staff_update(ctx: click.Context, who: str, display_name: str | None, title: str | None, role: str | None,
                 departments: tuple[str, ...], active: bool | None) -> None:
    """Change an account (WHO is the username or id)."""
    async def work(directory: StaffDirectory, _: Roster, __: Config) -> Staff:
        found = await _find(directory, who)
        return await directory.update(found.id, display_name=display_name, title=title, role=role,
                                      departments=list(departments) if departments else None, active=active)

    click.echo(_line(_run(ctx, work)))


@staff.command("passwd")
@click.argument("who")
@click.option("--password", default=None, envvar="WENZHEN_STAFF_PASSWORD",
              help="$WENZHEN_STAFF_PASSWORD; else read from stdin or asked for at a terminal")
@click.option("--password-stdin", is_flag=True, help="read the password from the first line of stdin")
@click.pass_context
def staff_passwd(ctx: click.Context, who: str, password: str | None, password_stdin: bool) -> None:
    """Set a new password (also unlocks the account and ends its sessions)."""
    password = _password(password, password_stdin)

    async def work(directory: StaffDirectory, _: Roster, __: Config) -> None:
        await directory.set_password((await _find(directory, who)).id, password)

    _run(ctx, work)
    click.echo("password changed")


@click.group()
def roster() -> None:
    """On-duty hours: weekly shifts and date overrides, in the configured time zone (Asia/Shanghai)."""


def _department(config: Config, code: str) -> str:
    departments = load_departments(config)
    found = departments.find(code)
    if found is None:
        raise RosterError(f"unknown department {code!r}; known: {', '.join(departments.codes())}")
    return found.code


@roster.command("add")
@click.argument("who")
@click.argument("department")
@click.argument("weekdays")
@click.argument("start")
@click.argument("end")
@click.pass_context
def roster_add(ctx: click.Context, who: str, department: str, weekdays: str, start: str, end: str) -> None:
    """Weekly shifts: WHO serves DEPARTMENT on WEEKDAYS (mon, mon-fri, sat,sun, daily, 周一) from START to END (HH:MM)."""
    async def work(directory: StaffDirectory, roster_: Roster, config: Config) -> list[Any]:
        member = await _find(directory, who)
        code = _department(config, department)
        check_can_serve(member, code)
        return [await roster_.add_shift(member.id, code, day, parse_minute(start), parse_minute(end))
                for day in parse_weekdays(weekdays)]

    for shift in _run(ctx, work):
        click.echo(f"shift {shift.id}: {who} {shift.department} {WEEKDAYS[shift.weekday]} "
                   f"{format_minute(shift.start_minute)}-{format_minute(shift.end_minute)}")


@roster.command("override")
@click.argument("who")
@click.argument("department")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("start", required=False)
@click.argument("end", required=False)
@click.pass_context
def roster_override(ctx: click.Context, who: str, department: str, day: dt.datetime,
                    start: str | None, end: str | None) -> None:
    """On DAY (YYYY-MM-DD) WHO works START-END instead of the weekly shifts; without times: off that day."""
    async def work(directory: StaffDirectory, roster_: Roster, config: Config) -> Any:
        member = await _find(directory, who)
        code = _department(config, department)
        if start:  # a day off may always be recorded; hours only for a doctor who can see the queue
            check_can_serve(member, code)
        return await roster_.add_override(member.id, code, day.date(),
                                          parse_minute(start) if start else None, parse_minute(end) if end else None)

    override = _run(ctx, work)
    hours = f"{override.to_dict()['start']}-{override.to_dict()['end']}" if override.start_minute is not None else "off"
    click.echo(f"override {override.id}: {who} {override.department} {override.day.isoformat()} {hours}")


@roster.command("remove")
@click.option("--shift", "shift_id", type=int, default=None)
@click.option("--override", "override_id", type=int, default=None)
@click.pass_context
def roster_remove(ctx: click.Context, shift_id: int | None, override_id: int | None) -> None:
    """Remove a shift or an override by id (see `roster list`)."""
    if (shift_id is None) == (override_id is None):
        fail("give exactly one of --shift ID or --override ID")

    async def work(_: StaffDirectory, roster_: Roster, __: Config) -> bool:
        return await (roster_.remove_shift(shift_id) if shift_id is not None else roster_.remove_override(override_id or 0))

    if not _run(ctx, work):
        fail("no such shift or override")
    click.echo("removed")


@roster.command("list")
@click.option("--department", default=None)
@click.pass_context
def roster_list(ctx: click.Context, department: str | None) -> None:
    """Weekly shifts and upcoming overrides."""
    async def work(directory: StaffDirectory, roster_: Roster, config: Config) -> tuple[list[Any], list[Any], dict[int, str]]:
        code = _department(config, department) if department else None
        names = {s.id: s.username for s in await directory.list()}
        today = roster_.local(utcnow()).date()
        return await roster_.shifts(code), await roster_.overrides(code, today), names

    shifts, overrides, names = _run(ctx, work)
    for s in shifts:
        d = s.to_dict()
        click.echo(f"shift {s.id}\t{names.get(s.staff_id, s.staff_id)}\t{s.department}\t{d['weekday']}\t{d['start']}-{d['end']}")
    for o in overrides:
        d = o.to_dict()
        hours = f"{d['start']}-{d['end']}" if d["start"] else "off"
        click.echo(f"override {o.id}\t{names.get(o.staff_id, o.staff_id)}\t{o.department}\t{d['day']}\t{hours}")


@roster.command("sessions")
@click.argument("department")
@click.pass_context
def roster_sessions(ctx: click.Context, department: str) -> None:
    """When DEPARTMENT takes patients in the next two weeks (merged shifts)."""
    async def work(_: StaffDirectory, roster_: Roster, config: Config) -> tuple[list[Any], Roster]:
        now = utcnow()
        return [s for s in await roster_.sessions(_department(config, department), now) if s.end > now], roster_

    sessions, roster_ = _run(ctx, work)
    if not sessions:
        click.echo("nobody is rostered in the next two weeks")
    for s in sessions:
        start = roster_.local(s.start)  # the weekday in Chinese, never the locale's "Sat"
        click.echo(f"{start:%Y-%m-%d} 周{'一二三四五六日'[start.weekday()]} {start:%H:%M} - "
                   f"{roster_.local(s.end):%Y-%m-%d %H:%M}\t"
                   f"staff {','.join(str(i) for i in sorted(s.staff_ids))}")
