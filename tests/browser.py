"""What the browser tests share: Chromium (required in CI), a fresh PostgreSQL database with Redis for real
server processes, the `wenzhen` CLI against it, signing in to the console, and waiting for the other side.

tests/conftest.py registers the fixture (`pytest_plugins`): `browser_setup` gives a `BrowserSetup` —
Chromium checked, the database upgraded, a config file for `cli([...])` (staff, rosters);
`launch(playwright)` starts Chromium and `sign_in(page, url, username, name)` opens the console.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import pytest
from click.testing import CliRunner

from bot.cli import main as wenzhen
from tests.conftest import write_config
from tests.console.helpers import PASSWORD
from tests.services import IN_CI, REDIS_URL, create_postgres_database, drop_postgres_database, redis_prefix, require

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def eventually(check: Callable[[], Any], what: str, within: float = 20.0) -> Any:
    """Poll until `check()` is truthy: the patient's side sees the doctor's action through its own worker."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"never happened: {what}")


def cli(args: list[str], config: Path, database_url: str) -> str:
    # WENZHEN_CONFIG is listed so that the runner restores it: `--config` also sets it for the process.
    result = CliRunner().invoke(wenzhen, ["--config", str(config), *args], env={
        "WENZHEN_CONFIG": str(config), "DATABASE_URL": database_url.replace("+asyncpg", ""), "WENZHEN_STAFF_PASSWORD": PASSWORD,
        "WENZHEN_SECRET_KEY": "test-secret-key-" + "x" * 32})
    assert result.exit_code == 0, result.output
    return result.output


async def upgrade(database_url: str) -> None:
    from bot.db import Database

    db = Database(database_url)
    try:
        await db.upgrade()
    finally:
        await db.close()


def need_chromium() -> None:
    """Skip without Chromium on a workstation; fail in CI, where it must be installed."""
    if not CHROMIUM.exists():
        missing = pytest.fail if IN_CI else pytest.skip
        missing("Chromium is missing: apt-get install -y chromium")


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def sign_in(page: Page, url: str, username: str, name: str) -> None:
    """Sign in to the console at `url` and wait for the staff member's name."""
    from playwright.sync_api import expect

    page.goto(url + "/console/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    expect(page.locator("#me")).to_contain_text(name)


@dataclass(frozen=True)
class BrowserSetup:
    database_url: str
    redis_url: str
    prefix: str
    config: Path

    def cli(self, args: list[str]) -> str:
        return cli(args, self.config, self.database_url)

    def staff(self, username: str, name: str, title: str, department: str | None = None, role: str | None = None) -> None:
        """A staff member (password `PASSWORD`); with a department, rostered there round the clock."""
        self.cli(["staff", "add", username, "--name", name, "--title", title,
                  *(["--department", department] if department else []), *(["--role", role] if role else [])])
        if department:
            self.cli(["roster", "add", username, department, "daily", "00:00", "24:00"])


@pytest.fixture
def browser_setup(tmp_path: Path) -> Iterator[BrowserSetup]:
    """Chromium checked first; a fresh PostgreSQL database, upgraded (dropped afterwards); Redis with a key
    prefix of its own; a config file for the CLI."""
    need_chromium()
    require(REDIS_URL, "redis")
    database_url = asyncio.run(create_postgres_database())
    try:
        asyncio.run(upgrade(database_url))
        prefix = redis_prefix()
        yield BrowserSetup(database_url, REDIS_URL, prefix, write_config(tmp_path / "setup.yml", redis={"prefix": prefix}))
    finally:
        asyncio.run(drop_postgres_database(database_url))
