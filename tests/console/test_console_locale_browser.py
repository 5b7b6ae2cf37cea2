"""A browser in another locale and zone, signed out: no request fails before sign-in, and times are
the hospital's in 24-hour Chinese form (Chromium with locale en-US and zone America/New_York)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.console.helpers import PASSWORD
from tests.console.test_browser import CHROMIUM, CHROMIUM_ARGS, cli
from tests.services import IN_CI

pytestmark = [pytest.mark.browser]


def test_signed_out_nothing_fails_and_times_are_24_hour_chinese_in_an_english_browser(
        tmp_path: Path, start_server: Callable[..., Any]) -> None:
    if not CHROMIUM.exists():
        (pytest.fail if IN_CI else pytest.skip)("Chromium is missing: apt-get install -y chromium")
    from playwright.sync_api import expect, sync_playwright

    from tests.conftest import write_config

    server = start_server()
    config, database = write_config(tmp_path / "setup.yml"), f"sqlite:///{tmp_path}/server.db"
    cli(["staff", "add", "admin.zhao", "--name", "赵强", "--role", "admin"], config, database)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="en-US", timezone_id="America/New_York")
            page = context.new_page()
            failed: list[str] = []
            errors: list[str] = []
            page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
            page.on("requestfailed", lambda r: failed.append(f"failed {r.url}"))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(server.url + "/console")  # the workbench, signed out: straight to the sign-in page
            page.wait_for_url(server.url + "/console/login")
            expect(page.locator("#sign-in")).to_be_visible()
            page.wait_for_load_state("networkidle")
            assert failed == [] and errors == [], (failed, errors)

            page.fill("#username", "admin.zhao")
            page.fill("#password", PASSWORD)
            page.click("#sign-in")
            page.wait_for_url(server.url + "/console/admin")
            # 2026-12-07 07:05 UTC is 15:05 in Shanghai, 02:05 AM in New York: the page says 15:05.
            shown = page.evaluate("[Console.time('2026-12-07T07:05:00Z'), Console.dateTime('2026-12-07T07:05:00Z'),"
                                  " Console.time('2026-12-07T16:30:00Z')]")
            assert shown == ["15:05", "2026年12月7日 15:05", "00:30"], shown
            assert not any(re.search(r"AM|PM|上午|下午", s) for s in shown)
            # The shift times are typed in 24-hour form too (a time field would show AM/PM here).
            assert page.locator("#shift-start").input_value() == "08:00"
            assert page.locator("#shift-start").get_attribute("type") == "text"
            assert failed == [], failed
        finally:
            browser.close()
