"""`wenzhen telegram …` on the command line: codes for real staff, one-line refusals otherwise."""
from __future__ import annotations

import asyncio
import datetime as dt
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from bot.consultations import StaffDirectory
from bot.db import Database
from bot.staff_links import StaffLinks
from integrations.telegram.linking import ChatLinks
from tests.conftest import write_config
from tests.telegram.fake_bot_api import TOKEN

SECRET = "test-secret-key-" + "x" * 32


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "WENZHEN_CONFIG": str(write_config(tmp_path / "config.yml")),
        "DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
        "WENZHEN_DATA_DIR": str(tmp_path / "data"),
        "WENZHEN_SECRET_KEY": SECRET,
        "WENZHEN_TELEGRAM_TOKEN": "",
    }


def wenzhen(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, ["telegram", *args], env=env)


def database(env: dict[str, str]) -> Database:
    return Database(env["DATABASE_URL"].replace("sqlite:", "sqlite+aiosqlite:"))


def test_link_code_prints_a_code_that_links_the_staff_members_chat_and_unlink_undoes_it(env):
    async def add_doctor() -> int:
        db = database(env)
        await db.upgrade()
        staff = await StaffDirectory(db, ["general"]).add("wang", "correct-horse-battery", display_name="王医生",
                                                         departments=["general"])
        await db.close()
        return staff.id

    async def redeem(code: str) -> int:
        db = database(env)
        try:
            return await ChatLinks(StaffLinks(db, SECRET, "telegram", dt.timedelta(minutes=15))).redeem(code, chat_id=99)
        finally:
            await db.close()

    async def linked() -> int | None:
        db = database(env)
        try:
            return await ChatLinks(StaffLinks(db, SECRET, "telegram", dt.timedelta(minutes=15))).staff_for_chat(99)
        finally:
            await db.close()

    staff_id = asyncio.run(add_doctor())
    result = wenzhen(env, "link-code", str(staff_id))
    assert result.exit_code == 0, result.output
    code = re.search(r"/link ([A-Z0-9]{4}-[A-Z0-9]{4})", result.output).group(1)
    assert asyncio.run(redeem(code)) == staff_id
    assert wenzhen(env, "unlink", str(staff_id)).output.strip() == "王医生: unlinked"
    assert asyncio.run(linked()) is None


def test_link_code_for_an_unknown_staff_member_exits_2_with_one_line(env):
    result = wenzhen(env, "link-code", "999")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == ["wenzhen: no staff member with id 999"]


def test_link_code_with_a_staff_id_that_is_not_a_number_exits_2(env):
    assert wenzhen(env, "link-code", "王医生").exit_code == 2


def test_webhook_without_a_token_says_telegram_is_off(env):
    result = wenzhen(env, "webhook")
    assert result.exit_code == 2
    assert "WENZHEN_TELEGRAM_TOKEN" in result.output


def test_webhook_prints_a_secret_path_under_webhooks_telegram(env):
    result = wenzhen({**env, "WENZHEN_TELEGRAM_TOKEN": TOKEN}, "webhook")
    assert result.exit_code == 0, result.output
    path = next(line for line in result.output.splitlines() if line.startswith("path: "))
    assert re.fullmatch(r"path: /webhooks/telegram/[0-9a-f]{40}", path)
