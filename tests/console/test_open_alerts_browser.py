"""In Chromium: an emergency raised before any doctor signed in is on the console when one does, until a
doctor takes it ("我来处理"); the colleague's console drops it at once (fix6). A real server, the patient
typing Chinese over REST."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.console.test_browser import CHROMIUM, CHROMIUM_ARGS, cli
from tests.console.test_console_screens import LAPTOP, signed_in
from tests.services import IN_CI

pytestmark = [pytest.mark.browser]
PORT = 18421  # fix6's range


def test_an_alert_from_before_sign_in_shows_until_a_doctor_takes_it(tmp_path: Path, start_server: Callable[..., Any]) -> None:
    if not CHROMIUM.exists():
        (pytest.fail if IN_CI else pytest.skip)("Chromium is missing: apt-get install -y chromium")
    from playwright.sync_api import expect, sync_playwright

    from tests.conftest import write_config

    server = start_server(port=PORT)
    database = f"sqlite:///{tmp_path}/server.db"
    config = write_config(tmp_path / "setup.yml")
    for who, name in [("dr.li", "李明"), ("dr.chen", "陈芳")]:
        cli(["staff", "add", who, "--name", name, "--title", "主治医师", "--department", "general"], config, database)
        cli(["roster", "add", who, "general", "daily", "00:00", "24:00"], config, database)
    patient = httpx.Client(base_url=server.url, timeout=30)
    said = patient.post("/webhooks/rest/webhook", json={"sender": "early", "message": "我爸突然胸口剧痛，出了一身冷汗"}).json()
    assert "120" in "".join(m.get("text") or "" for m in said)  # nobody is signed in yet

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        li = signed_in(browser, server.url, "dr.li", LAPTOP)
        chen = signed_in(browser, server.url, "dr.chen", LAPTOP)
        for page in (li, chen):
            banner = page.locator("#alerts .alert-banner")
            expect(banner).to_have_count(1)
            expect(banner).to_contain_text("危急提示")
            expect(banner).to_contain_text("我爸突然胸口剧痛")
            # The alert's time is the hospital's clock (config: Asia/Shanghai), as every other time on the
            # console; it showed the browser's clock (UTC here), eight hours off the chat beside it.
            text = banner.inner_text()
            local = [(datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(minutes=m)) for m in range(3)]
            assert any(f"{t.month}月{t.day}日 {t:%H:%M}" in text for t in local), text
        li.locator("#alerts .alert-banner button", has_text="我来处理").click()
        expect(li.locator("#alerts .alert-banner")).to_have_count(0)
        expect(chen.locator("#alerts .alert-banner")).to_have_count(0)  # alert_taken over the stream
        chen.reload()
        expect(chen.locator("#connection")).to_have_attribute("data-state", "ready")
        expect(chen.locator("#alerts .alert-banner")).to_have_count(0)
        browser.close()
