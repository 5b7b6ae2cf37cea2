"""In Chromium: the console says 连接中断 when its server goes away, and is live again once a server is back."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

from tests.conftest import write_config
from tests.console.test_browser import CHROMIUM, CHROMIUM_ARGS, cli
from tests.console.helpers import PASSWORD
from tests.services import IN_CI

pytestmark = [pytest.mark.browser]


def test_the_console_shows_the_lost_connection_and_reconnects_by_itself(
        tmp_path: Path, start_server: Callable[..., Any]) -> None:
    if not CHROMIUM.exists():
        (pytest.fail if IN_CI else pytest.skip)("Chromium is missing: apt-get install -y chromium")
    from playwright.sync_api import expect, sync_playwright

    server = start_server()
    database_url = f"sqlite:///{tmp_path}/server.db"
    cli(["staff", "add", "dr.li", "--name", "李明", "--title", "主治医师", "--department", "general"],
        write_config(tmp_path / "setup.yml"), database_url)
    alive = httpx.get(server.url + "/healthz", timeout=10)  # says why, should the server have gone meanwhile
    assert alive.status_code == 200, server.log.read_text(errors="replace")[-3000:]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(locale="zh-CN").new_page()
        page.goto(server.url + "/console/login")
        page.fill("#username", "dr.li")
        page.fill("#password", PASSWORD)
        page.click("#sign-in")
        connection = page.locator("#connection")
        expect(connection).to_have_attribute("data-state", "ready")
        expect(connection).to_have_text("实时连接")

        server.terminate()  # a restart: the stream ends with its retry hint, then nobody answers
        expect(connection).to_have_attribute("data-state", "lost", timeout=10_000)
        expect(connection).to_contain_text("连接中断")
        server.wait(10)

        start_server(port=server.port)
        expect(connection).to_have_attribute("data-state", "ready", timeout=30_000)
        expect(connection).to_have_text("实时连接")
        browser.close()
