"""End to end in a real browser: two server processes on PostgreSQL and Redis, the patient on one
(REST channel), the doctors on the other (the console in Chromium) — queue, accept, chat, transfer, close."""
from __future__ import annotations

from typing import Any, Callable

import httpx
import pytest

# CHROMIUM … cli stay importable from here for the other browser tests; the fixtures come from tests/browser.py.
from tests.browser import CHROMIUM, CHROMIUM_ARGS, BrowserSetup, cli, eventually, launch, sign_in  # noqa: F401
from tests.browser import upgrade as _upgrade  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


def test_a_doctor_takes_a_patient_from_another_worker_chats_transfers_and_a_colleague_closes(
    start_server: Callable[..., Any], browser_setup: BrowserSetup
) -> None:
    from playwright.sync_api import expect, sync_playwright

    setup = browser_setup
    setup.staff("dr.li", "李明", "主治医师", department="general")
    setup.staff("dr.chen", "陈芳", "副主任医师", department="fever")
    assert "dr.li" in setup.cli(["staff", "list"])

    patient_side, doctor_side = (start_server(database_url=setup.database_url, redis_url=setup.redis_url,
                                              redis={"prefix": setup.prefix}) for _ in range(2))
    patient = httpx.Client(base_url=patient_side.url, timeout=30)

    def say(text: str) -> list[dict[str, Any]]:
        response = patient.post("/webhooks/rest/webhook", json={"sender": "e2e-patient", "message": text})
        assert response.status_code == 200, response.text
        return response.json()

    def tracker() -> dict[str, Any]:
        return patient.get("/conversations/e2e-patient/tracker").json()

    def patient_saw(text: str) -> bool:
        return any(e["event"] == "bot" and text in (e.get("text") or "") for e in tracker()["events"])

    with sync_playwright() as playwright:
        browser = launch(playwright)
        li = browser.new_context(locale="zh-CN").new_page()
        sign_in(li, doctor_side.url, "dr.li", "李明")
        expect(li.locator("#connection")).to_have_attribute("data-state", "ready")
        expect(li.locator("#queue-empty")).to_be_visible()

        replies = say("/request_doctor")
        assert "第 1 位" in "".join(r.get("text", "") for r in replies)
        item = li.locator(".queue-item")
        expect(item).to_have_count(1)  # pushed over Redis from the patient's worker
        expect(item).to_contain_text("全科")
        item.click()
        expect(li.locator("#detail-status")).to_have_text("待接诊")
        li.click("#accept")
        expect(li.locator("#detail-status")).to_have_text("接诊中")
        assert tracker()["handoff"]["status"] == "active"
        assert eventually(lambda: patient_saw("李明主治医师已接诊"), "the patient is told who accepted")

        assert say("医生您好，我还是有点喘") == []
        expect(li.locator("#chat .line.patient").last).to_contain_text("医生您好，我还是有点喘")
        li.fill("#message", "请您测一下血氧，告诉我数值")
        li.click("#send")
        expect(li.locator("#chat .line.doctor").last).to_contain_text("请您测一下血氧")
        assert eventually(lambda: patient_saw("请您测一下血氧，告诉我数值"), "the doctor's message reaches the patient")

        emergency = say("我妈嘴唇发紫，喘不上气")
        assert "120" in "".join(r.get("text", "") for r in emergency)  # the bot still keeps watch
        expect(li.locator(".alert-banner")).to_contain_text("危急提示")
        expect(li.locator("#chat .line.patient").last).to_contain_text("嘴唇发紫")

        li.locator(".quick summary").click()
        li.fill("#quick-text", "请多喝温水，注意休息")
        li.click("#quick-save")
        expect(li.locator("#quick-replies .quick-use")).to_have_text(["请多喝温水，注意休息"])

        li.locator("#session-actions summary", has_text="转诊").click()
        li.select_option("#transfer-department", "fever")
        li.fill("#transfer-note-input", "持续发热，请发热门诊看")
        li.click("#transfer")
        assert eventually(lambda: tracker()["handoff"]["status"] == "transferred", "the transfer is recorded")
        assert tracker()["handoff"]["department"] == "fever"

        chen = browser.new_context(locale="zh-CN").new_page()
        sign_in(chen, patient_side.url, "dr.chen", "陈芳")  # the colleague works on the other worker
        expect(chen.locator("#connection")).to_have_attribute("data-state", "ready")
        chen.locator(".queue-item .accept-button").click()
        expect(chen.locator("#detail-status")).to_have_text("接诊中")
        expect(chen.locator("#chat")).to_contain_text("医生您好，我还是有点喘")
        expect(chen.locator("#transfer-text")).to_have_text("持续发热，请发热门诊看")
        chen.locator("#session-actions summary", has_text="结束问诊").click()
        chen.fill("#close-summary", "新冠感染，轻度气促")
        chen.fill("#close-advice", "今天到发热门诊复查血氧")
        chen.select_option("#close-level", "urgent")
        chen.fill("#close-followup", "明天上午电话随访")
        chen.click("#close")
        expect(chen.locator("#detail-status")).to_have_text("已结束")
        browser.close()

    state = tracker()
    assert state["handoff"]["status"] == "closed" and state["latest_triage"]["level"] == "urgent"
    assert patient_saw("明天上午电话随访") and patient_saw("新冠感染，轻度气促")
    assert [e["status"] for e in state["events"] if e["event"] == "handoff"] == [
        "waiting", "active", "transferred", "active", "closed"]
