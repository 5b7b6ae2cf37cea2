"""The report upload page in Chromium: a doctor signs in, fills the form (two results), uploads; the patient
then reads the report by typing "查报告" over REST. A pharmacist's upload is refused on the page."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

from tests.booking.helpers import ID_ADULT
from tests.conftest import write_config
from tests.console.helpers import PASSWORD
from tests.console.test_browser import CHROMIUM, CHROMIUM_ARGS, cli
from tests.services import IN_CI

pytestmark = [pytest.mark.browser]
BIND = ["/bind_card", "1", "1", "张三丰", ID_ADULT, "13800138000"]


def test_a_doctor_uploads_a_report_on_the_page(tmp_path: Path, start_server: Callable[..., Any]) -> None:
    if not CHROMIUM.exists():
        missing = pytest.fail if IN_CI else pytest.skip
        missing("Chromium is missing: apt-get install -y chromium")
    from playwright.sync_api import expect, sync_playwright

    database_url = f"sqlite:///{tmp_path}/server.db"
    config = write_config(tmp_path / "setup.yml")
    cli(["staff", "add", "dr.lab", "--name", "王检验", "--title", "主管技师", "--department", "general"], config, database_url)
    cli(["staff", "add", "ph.wang", "--name", "王药师", "--role", "pharmacist"], config, database_url)
    server = start_server()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for username, allowed in (("ph.wang", False), ("dr.lab", True)):
            page = browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 900}).new_page()
            page.goto(server.url + "/console/login")
            page.fill("#username", username)
            page.fill("#password", PASSWORD)
            page.click("#sign-in")
            page.wait_for_url(lambda url: "/login" not in url)
            page.goto(server.url + "/console/hospital/reports")
            expect(page.locator("#results-table tbody tr")).to_have_count(1)
            page.fill("#report-id-number", ID_ADULT)
            page.fill("#report-title", "血常规")
            page.fill("#report-issued", "2026-12-05T10:30")
            first = page.locator("#results-table tbody tr").nth(0)
            for field, value in (("name", "白细胞计数"), ("value", "12.6"), ("unit", "×10^9/L"), ("low", "3.5"), ("high", "9.5")):
                first.locator(f'input[data-field="{field}"]').fill(value)
            page.click("#add-result")
            second = page.locator("#results-table tbody tr").nth(1)
            for field, value in (("name", "血小板计数"), ("value", "210"), ("unit", "×10^9/L"), ("low", "125"), ("high", "350")):
                second.locator(f'input[data-field="{field}"]').fill(value)
            page.click("#upload")
            if allowed:
                expect(page.locator("#report-done")).to_contain_text("2 项结果")
                expect(page.locator("#report-done")).to_contain_text("1101**********002X")
                expect(page.locator("#report-id-number")).to_have_value("")  # cleared after the upload
            else:
                expect(page.locator("#report-error")).to_contain_text("没有权限")
                expect(page.locator("#report-error")).to_contain_text("only doctors and administrators")
        browser.close()

    with httpx.Client(base_url=server.url, timeout=30) as patient:
        for step in BIND:
            assert patient.post("/webhooks/rest/webhook", json={"sender": "p-page", "message": step}).status_code == 200
        said = "\n".join(m.get("text") or "" for m in patient.post(
            "/webhooks/rest/webhook", json={"sender": "p-page", "message": "查报告"}).json())
    assert "【血常规】" in said and "白细胞计数：12.6 ×10^9/L ↑（参考范围 3.5–9.5）" in said, said
    assert "血小板计数：210 ×10^9/L（参考范围 125–350）" in said
