"""The chart page in a real browser: a doctor signs in, opens a monitored patient, and the SpO2 chart is
screenshotted in Chromium and checked for its red dashed threshold line, drawn below the readings."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import httpx
import pytest
from PIL import Image

from tests.conftest import write_config
from tests.console.helpers import PASSWORD
from tests.console.test_browser import CHROMIUM, CHROMIUM_ARGS, cli
from tests.monitoring.test_schedules import CONSULT
from tests.services import IN_CI

pytestmark = [pytest.mark.browser]
THRESHOLD_RGB = (0xD9, 0x30, 0x25)  # integrations/monitoring/charts.py THRESHOLD


def red_share_of_row(png: Path, y: float, x0: float, x1: float) -> float:
    """The share of the screenshot's pixels between x0 and x1, within 2 px of row y, that are the threshold red."""
    image = Image.open(png).convert("RGB")
    pixels = image.load()
    columns = range(max(0, int(x0)), min(image.width, int(x1)))
    red = sum(1 for x in columns if any(
        all(abs(a - b) <= 60 for a, b in zip(pixels[x, row], THRESHOLD_RGB))
        for row in range(max(0, int(y) - 2), min(image.height, int(y) + 3))))
    return red / max(1, len(columns))


def test_the_spo2_chart_is_drawn_with_its_threshold_line(tmp_path: Path, start_server: Callable[..., Any]) -> None:
    if not CHROMIUM.exists():
        missing = pytest.fail if IN_CI else pytest.skip
        missing("Chromium is missing: apt-get install -y chromium")
    from playwright.sync_api import expect, sync_playwright

    database_url = f"sqlite:///{tmp_path}/server.db"
    config = write_config(tmp_path / "setup.yml")
    cli(["staff", "add", "dr.li", "--name", "李明", "--title", "主治医师", "--department", "general", "--department", "fever"],
        config, database_url)
    server = start_server()
    with httpx.Client(base_url=server.url, timeout=30) as patient:
        # A consult outcome enrols the patient (no doctor now; yes to the daily check-ins — a no would stop the
        # reading reminders too); then the readings, typed.
        for step in (CONSULT, "不用了", "好的"):
            assert patient.post("/webhooks/rest/webhook", json={"sender": "browser-patient", "message": step}).status_code == 200
        for text in ("血氧97", "刚才血氧96，体温37度8", "血氧九十四", "血压一百五九十五"):
            response = patient.post("/webhooks/rest/webhook", json={"sender": "browser-patient", "message": text})
            assert response.status_code == 200 and "已记录" in response.text

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 900}).new_page()
        page.goto(server.url + "/console/login")
        page.fill("#username", "dr.li")
        page.fill("#password", PASSWORD)
        page.click("#sign-in")
        expect(page.locator("#me")).to_contain_text("李明")
        page.goto(server.url + "/console/monitoring/patients")
        row = page.locator("#monitored tbody tr").first
        expect(row).to_contain_text("趋势变差")  # 97 → 96 → 94 (after the intake's 97)
        row.locator("a").click()
        expect(page.locator("#who")).to_contain_text("父母 · 未绑定就诊卡")  # whom the intake said it is about; no card
        chart = page.locator('svg.trend-chart[data-measure="spo2"]')
        expect(chart).to_be_visible()
        line = chart.locator('line.threshold-line[data-value="93"]')
        expect(line).to_have_count(1)
        expect(chart).to_contain_text("警戒下限 93（默认）")
        shot = tmp_path / "spo2-chart.png"
        chart.screenshot(path=str(shot))
        page.screenshot(path=str(tmp_path / "patient-page.png"), full_page=True)
        line_box = line.bounding_box()
        chart_box = chart.bounding_box()
        points = [chart.locator("circle").nth(i).bounding_box() for i in range(chart.locator("circle").count())]
        browser.close()

    assert len(points) == 4  # the intake's SpO2 answer and the three typed
    assert line_box is not None and line_box["width"] > 400
    # SpO2 93 is below every reading (94–97): the line is drawn under every point.
    assert all(p is not None and p["y"] + p["height"] / 2 < line_box["y"] for p in points)
    # The screenshot shows it: along the line's row, a dashed run of the threshold red (6 px on, 4 off);
    # a row of the plot above it has none.
    assert chart_box is not None
    y = line_box["y"] + line_box["height"] / 2 - chart_box["y"]
    x0, x1 = line_box["x"] - chart_box["x"], line_box["x"] + line_box["width"] - chart_box["x"] - 200  # not the label
    assert red_share_of_row(shot, y, x0, x1) > 0.4
    assert red_share_of_row(shot, y - 30, x0, x1) < 0.05
