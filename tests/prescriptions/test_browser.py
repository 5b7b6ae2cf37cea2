"""End to end in a real browser (Chromium) against a server process on PostgreSQL and Redis: the patient on
REST consults, the doctor prescribes in the console (formulary search, instant checks, sign), the pharmacist
rejects, the doctor amends, the pharmacist approves, the patient is told and chooses delivery in typed
Chinese, the pharmacy records payment, dispenses and ships; the patient is told at each step."""
from __future__ import annotations

from typing import Any, Callable

import httpx
import pytest

from tests.browser import BrowserSetup, eventually, launch, sign_in
from tests.conftest import free_port
from tests.console.helpers import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]


def test_prescribe_reject_amend_approve_deliver_ship_in_the_browser(
    start_server: Callable[..., Any], browser_setup: BrowserSetup
) -> None:
    from playwright.sync_api import Page, expect, sync_playwright

    setup = browser_setup
    setup.staff("dr.li", "李明", "主治医师", department="general")
    setup.staff("ph.wang", "王芳", "主管药师", role="pharmacist")
    port = free_port()  # known before the start: the e-prescription links name it
    server = start_server(database_url=setup.database_url, redis_url=setup.redis_url, port=port,
                          redis={"prefix": setup.prefix}, prescriptions={"public_url": f"http://127.0.0.1:{port}"})
    patient = httpx.Client(base_url=server.url, timeout=30)

    def say(text: str) -> list[dict[str, Any]]:
        response = patient.post("/webhooks/rest/webhook", json={"sender": "rx-e2e", "message": text})
        assert response.status_code == 200, response.text
        return response.json()

    def bot_lines() -> list[dict[str, Any]]:
        return [e for e in patient.get("/conversations/rx-e2e/tracker").json()["events"] if e["event"] == "bot"]

    def patient_saw(text: str) -> bool:
        return any(text in (e.get("text") or "") for e in bot_lines())

    say("我爸72岁，有高血压，一直吃氨氯地平")
    say("转人工")

    def signed_in(page: Page, username: str, name: str) -> None:
        sign_in(page, server.url, username, name)

    with sync_playwright() as playwright:
        browser = launch(playwright)
        li = browser.new_context(locale="zh-CN").new_page()
        signed_in(li, "dr.li", "李明")
        li.locator(".queue-item").first.click()
        li.click("#accept")
        expect(li.locator("#detail-status")).to_have_text("接诊中")
        li.click("#prescribe-link")

        # The form is prefilled from the intake; search the formulary; the checks answer at once.
        expect(li.locator("#rx-age")).to_have_value("72")
        expect(li.locator("#rx-medications")).to_have_value("降压药")
        li.fill("#rx-diagnosis", "原发性高血压（复诊，血压控制平稳）")
        li.fill("#rx-search", "对乙酰氨基酚")
        expect(li.locator("#rx-results li")).to_have_count(2)
        li.locator("#rx-results .rx-add").nth(0).click()
        li.locator("#rx-results .rx-add").nth(1).click()
        expect(li.locator('#rx-findings [data-check="duplicate"]')).to_contain_text("含相同成分")
        li.locator("#rx-lines tbody tr button").nth(1).click()
        li.locator("#rx-lines tbody tr button").nth(0).click()
        # The first suggestion for a sustained-release ibuprofen fits its daily maximum (600 mg: 每日2次).
        li.fill("#rx-search", "布洛芬缓释")
        li.locator('#rx-results li[data-code="ibuprofen_sr_300"] .rx-add').click()
        expect(li.locator('#rx-lines tr[data-code="ibuprofen_sr_300"] .rx-frequency')).to_have_value("bid")
        expect(li.locator('#rx-findings [data-check^="dose"]')).to_have_count(0)  # dose, dose_daily
        li.locator('#rx-lines tr[data-code="ibuprofen_sr_300"] button').click()
        li.fill("#rx-search", "氨氯地平")
        li.locator('#rx-results li[data-code="amlodipine_tab_5"] .rx-add').click()
        expect(li.locator('#rx-findings [data-check="age"]')).to_contain_text("老年患者慎用")
        expect(li.locator("#rx-total")).to_have_text("¥4.20")
        li.click("#rx-sign")  # not acknowledged: refused, the form stays
        expect(li.locator("#toast")).to_contain_text("请逐条确认提示")
        li.check("#rx-ack")
        li.click("#rx-sign")
        expect(li.locator("#mine tbody tr .rx-status").first).to_have_text("待审核")
        assert eventually(lambda: patient_saw("正在由药师审核"), "the patient is told the prescription is under review")
        li.goto(server.url + "/console")  # the workbench: a rejection arrives live on its event stream
        expect(li.locator("#connection")).to_have_text("实时连接")

        wang = browser.new_context(locale="zh-CN").new_page()
        signed_in_to = server.url + "/console/prescriptions"
        wang.goto(server.url + "/console/login")
        wang.fill("#username", "ph.wang")
        wang.fill("#password", PASSWORD)
        wang.click("#sign-in")
        wang.wait_for_url("**/console/prescriptions")  # a pharmacist starts on the review page
        wang.goto(signed_in_to)
        review = wang.locator("#review-queue .review")
        expect(review).to_have_count(1)
        expect(review).to_contain_text("已等待")
        expect(review).to_contain_text("老年患者慎用")
        wang.fill(".review-reason", "72岁首次调整，建议从半片起始")
        wang.click(".review-reject")
        expect(wang.locator("#review-queue")).to_contain_text("没有待审核的处方")
        banner = li.locator("#alerts .alert-banner", has_text="未通过药师审核")
        expect(banner).to_contain_text("72岁首次调整，建议从半片起始")
        expect(banner).to_contain_text("苯磺酸氨氯地平片")
        expect(banner.locator("a")).to_have_attribute("href", "/console/prescriptions")

        li.goto(signed_in_to)
        row = li.locator("#mine tbody tr").first
        expect(row.locator(".rx-status")).to_have_text("已驳回")
        expect(row.locator(".rx-reason")).to_have_text("72岁首次调整，建议从半片起始")
        row.locator(".rx-amend").click()
        li.fill("#rx-lines .rx-dose", "0.5")
        li.check("#rx-ack")
        li.click("#rx-sign")
        expect(li.locator("#mine tbody tr .rx-status").first).to_have_text("待审核")

        wang.reload()
        expect(wang.locator("#review-queue .review")).to_contain_text("第2版")
        wang.click(".review-approve")
        assert eventually(lambda: patient_saw("已由药师审核通过"), "the patient is told the prescription was approved")

        approved = [e for e in bot_lines() if "已由药师审核通过" in (e.get("text") or "")][-1]
        assert "每次0.5片" in approved["text"] and "电子处方：" in approved["text"]
        deliver = next(b["payload"] for b in approved["buttons"] if b["title"] == "送药到家")
        assert "收货地址" in "".join(r.get("text", "") for r in say(deliver))
        assert "订单已生成" in "".join(r.get("text", "") for r in say("福建省尤溪县城关镇水东路12号 张建国 13800000000"))
        link = approved["text"].split("电子处方：")[1].strip()
        printable = httpx.get(link)
        assert printable.status_code == 200 and "王芳" in printable.text and "苯磺酸氨氯地平片" in printable.text

        wang.reload()
        order = wang.locator("#orders tbody tr").first
        expect(order.locator(".order-status")).to_have_text("待支付")
        order.locator(".order-receipt").fill("POS-20221215-001")
        order.locator(".order-paid").click()
        expect(wang.locator("#orders tbody tr .order-status").first).to_have_text("已支付")
        wang.locator("#orders .order-dispensing").click()
        expect(wang.locator("#orders tbody tr .order-status").first).to_have_text("配药中")
        wang.locator("#orders .order-tracking").fill("SF1234567890")
        wang.locator("#orders .order-shipped").click()
        expect(wang.locator("#orders tbody tr .order-status").first).to_have_text("已发货")
        browser.close()

    assert patient_saw("【已支付】") and patient_saw("【配药中】") and patient_saw("SF1234567890")
