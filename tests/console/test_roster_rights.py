"""Only a doctor who can see a department's queue makes it staffed: rostering elsewhere is refused,
and a stray shift (from before the check) never tells a patient a place in a queue nobody sees."""
from __future__ import annotations

from pathlib import Path

import httpx
from click.testing import CliRunner

from bot.cli import main as wenzhen
from bot.consultations import consultations
from bot.runtime import Runtime
from tests.conftest import write_config
from tests.console.helpers import PASSWORD, on_duty, say, texts, tracker
from tests.console.test_console_api import sign_in


def test_rostering_a_doctor_on_a_department_they_do_not_belong_to_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config.yml")
    env = {"WENZHEN_CONFIG": str(config), "DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
           "WENZHEN_DATA_DIR": str(tmp_path / "data"), "WENZHEN_STAFF_PASSWORD": PASSWORD, "REDIS_URL": ""}

    def run(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(wenzhen, ["--config", str(config), *args], env=env)

    assert run("staff", "add", "dr.li", "--name", "李明", "--department", "fever").exit_code == 0
    refused = run("roster", "add", "dr.li", "general", "daily", "00:00", "24:00")
    assert refused.exit_code == 2, refused.output
    assert "does not belong to general" in refused.output.strip().splitlines()[-1]
    assert "Traceback" not in refused.output
    assert run("roster", "override", "dr.li", "全科", "2030-01-05", "08:00", "12:00").exit_code == 2
    assert run("roster", "sessions", "general").output == "nobody is rostered in the next two weeks\n"
    assert run("roster", "add", "dr.li", "fever", "daily", "00:00", "24:00").exit_code == 0
    assert "周" in run("roster", "sessions", "fever").output
    assert run("staff", "add", "ph.wang", "--name", "王药师", "--role", "pharmacist", "--department", "fever").exit_code == 0
    pharmacist = run("roster", "add", "ph.wang", "fever", "mon", "08:00", "12:00")
    assert pharmacist.exit_code == 2 and "only doctors" in pharmacist.output


async def test_a_stray_shift_does_not_queue_a_patient_nobody_can_see(runtime: Runtime, client: httpx.AsyncClient) -> None:
    fever_doctor = await on_duty(runtime, "dr.li", ["fever"])
    roster = consultations(runtime).roster
    for weekday in range(7):  # a row written before the check existed
        await roster.add_shift(fever_doctor.id, "general", weekday, 0, 24 * 60)
    replies = texts(await say(client, "p1", '/request_doctor{"consult_department": "general"}'))
    assert "位" not in replies and "预计等待" not in replies, replies
    assert (await tracker(client, "p1"))["handoff"] is None
    # the fever clinic, which dr.li does see, still queues
    queued = texts(await say(client, "p2", '/request_doctor{"consult_department": "fever"}'))
    assert "第 1 位" in queued, queued


async def test_the_admin_api_refuses_a_shift_outside_the_doctors_departments(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "admin", [], role="admin", name="管理员", rostered=False)
    sun = await on_duty(runtime, "dr.sun", ["pediatrics"], rostered=False)
    admin = {"X-CSRF-Token": await sign_in(client, "admin")}
    wrong = await client.post("/api/console/admin/roster/shifts", headers=admin, json={
        "staff_id": sun.id, "department": "general", "weekday": "sat", "start": "08:00", "end": "12:00"})
    assert wrong.status_code == 422 and "does not belong" in wrong.json()["detail"]
    off = await client.post("/api/console/admin/roster/overrides", headers=admin, json={
        "staff_id": sun.id, "department": "pediatrics", "day": "2030-01-05"})
    assert off.status_code == 201
