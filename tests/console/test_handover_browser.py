"""Handover notes in Chromium: the night doctor accepts a patient, leaves a 交班留言 and closes; the patient asks
again in the morning and the day doctor, opening the patient, sees the note with its author."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

from tests.browser import launch, need_chromium, sign_in
from tests.conftest import write_config
from tests.console.test_browser import cli

pytestmark = [pytest.mark.browser]
NOTE = "夜里血氧掉到93，已嘱吸氧，早上请复查"


def test_the_day_doctor_sees_the_night_doctors_handover_note(tmp_path: Path, start_server: Callable[..., Any]) -> None:
    need_chromium()
    from playwright.sync_api import expect, sync_playwright

    database_url = f"sqlite:///{tmp_path}/server.db"
    config = write_config(tmp_path / "setup.yml")
    for username, name in (("dr.night", "王夜班"), ("dr.day", "李白班")):
        cli(["staff", "add", username, "--name", name, "--title", "主治医师", "--department", "general"], config, database_url)
        cli(["roster", "add", username, "general", "daily", "00:00", "24:00"], config, database_url)
    server = start_server()
    patient = httpx.Client(base_url=server.url, timeout=30)

    def say(text: str) -> None:
        assert patient.post("/webhooks/rest/webhook", json={"sender": "hand-page", "message": text}).status_code == 200

    with sync_playwright() as playwright:
        browser = launch(playwright)
        night = browser.new_context(locale="zh-CN").new_page()
        sign_in(night, server.url, "dr.night", "王夜班")
        say("/request_doctor")
        night.locator(".queue-item").first.click()
        night.click("#accept")
        expect(night.locator("#detail-status")).to_have_text("接诊中")
        expect(night.locator("#handover-notes")).to_be_hidden()  # nothing left about this patient yet
        night.locator("#session-actions summary", has_text="交班留言").click()
        night.fill("#handover-input", NOTE)
        night.click("#handover")
        expect(night.locator("#handover-list")).to_contain_text(NOTE)  # shown to its author as his own
        expect(night.locator("#handover-list")).to_contain_text("我 · ")
        night.locator("#session-actions summary", has_text="结束问诊").click()
        night.fill("#close-summary", "夜间低氧")
        night.click("#close")
        expect(night.locator("#detail-status")).not_to_have_text("接诊中")

        say("/restart")
        say("/request_doctor")
        day = browser.new_context(locale="zh-CN").new_page()
        sign_in(day, server.url, "dr.day", "李白班")
        day.locator(".queue-item").first.click()
        expect(day.locator("#handover-notes")).to_be_visible()
        expect(day.locator("#handover-list")).to_contain_text(NOTE)
        expect(day.locator("#handover-list")).to_contain_text("王夜班")
        day.screenshot(path=str(tmp_path / "handover.png"), full_page=True)
        browser.close()
