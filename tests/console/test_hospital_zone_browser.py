"""Times on the console are the hospital's (config `consultations.timezone`), in 24-hour form, whatever the
browser's zone: a doctor in a browser set to New York types a report's issue time "2026-12-05 10:30" and
the upload carries 10:30 Shanghai time (+08:00), not New York's; the shared head is on the page."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.booking.helpers import ID_ADULT
from tests.conftest import write_config
from tests.console.helpers import PASSWORD
from tests.console.test_browser import CHROMIUM, CHROMIUM_ARGS, cli
from tests.services import IN_CI

pytestmark = [pytest.mark.browser]


def test_a_report_issue_time_is_read_in_the_hospitals_zone_not_the_browsers(
        tmp_path: Path, start_server: Callable[..., Any]) -> None:
    if not CHROMIUM.exists():
        missing = pytest.fail if IN_CI else pytest.skip
        missing("Chromium is missing: apt-get install -y chromium")
    from playwright.sync_api import expect, sync_playwright

    database_url = f"sqlite:///{tmp_path}/server.db"
    config = write_config(tmp_path / "setup.yml")
    cli(["staff", "add", "dr.tz", "--name", "王检验", "--title", "主管技师", "--department", "general"], config, database_url)
    server = start_server()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-US", timezone_id="America/New_York", viewport={"width": 1200, "height": 900})
        page = context.new_page()
        page.goto(server.url + "/console/login")
        page.fill("#username", "dr.tz")
        page.fill("#password", PASSWORD)
        page.click("#sign-in")
        page.wait_for_url(lambda url: "/login" not in url)
        page.goto(server.url + "/console/hospital/reports")
        expect(page.locator('link[rel="icon"]')).to_have_attribute("href", "/console/static/favicon.svg")
        # common.js, in this New York browser: a UTC instant shown in Shanghai's 24-hour time.
        assert page.evaluate("Console.dateTime('2026-12-05T07:05:00Z')") == "2026年12月5日 15:05"
        page.fill("#report-id-number", ID_ADULT)
        page.fill("#report-title", "血常规")
        page.fill("#report-issued", "2026-12-05 10:30")
        first = page.locator("#results-table tbody tr").nth(0)
        for field, value in (("name", "白细胞计数"), ("value", "12.6"), ("unit", "×10^9/L")):
            first.locator(f'input[data-field="{field}"]').fill(value)
        with page.expect_request(lambda r: r.url.endswith("/api/console/reports") and r.method == "POST") as sent:
            page.click("#upload")
        assert json.loads(sent.value.post_data or "{}")["issued"] == "2026-12-05T10:30:00+08:00"
        expect(page.locator("#report-done")).to_contain_text("1 项结果")
        browser.close()
