"""In Chromium (console8, a newcomer doctor's trial): at 1280 px and at 390 px the 已接诊 toast covers neither the chat
header, the patient's header nor the reply box; the automatic 已接诊 line is a centred system notice without an author
(it read "王芳（我）"); after 转诊 the doctor's page lets the patient go with "已转给张强医生" — no silent 403 and no
patient left 接诊中. A real server, the patients typing Chinese over REST."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import httpx
import pytest

from tests.console.test_console_screens import PHONE, signed_in

if TYPE_CHECKING:
    from tests.console.conftest import ConsoleSite

pytestmark = [pytest.mark.browser]
PORT = 19101  # console8's range
DESKTOP = {"width": 1280, "height": 800}


def _overlap(page: Any, a: str, b: str) -> bool:
    one, two = page.locator(a).bounding_box(), page.locator(b).bounding_box()
    if not one or not two:
        return False
    return not (one["x"] + one["width"] <= two["x"] or two["x"] + two["width"] <= one["x"]
                or one["y"] + one["height"] <= two["y"] or two["y"] + two["height"] <= one["y"])


def _queue(patient: httpx.Client, sender: str, first_words: str) -> None:
    patient.post("/webhooks/rest/webhook", json={"sender": sender, "message": first_words})
    said = patient.post("/webhooks/rest/webhook", json={"sender": sender, "message": '/request_doctor{"consult_department": "general"}'})
    assert said.status_code == 200, said.text


def test_the_toast_covers_nothing_the_notice_has_no_author_and_a_transfer_lets_the_patient_go(
        console_site: Callable[[int], ConsoleSite]) -> None:
    from playwright.sync_api import expect

    site = console_site(PORT)
    site.doctor("dr.wang", "王芳", "general")
    site.doctor("dr.zhang", "张强", "pediatrics")
    server, patient = site.server, site.patient
    _queue(patient, "sore-throat", "我嗓子疼两天了，咽口水都疼")

    with site.chromium() as browser:
        wang = signed_in(browser, server.url, "dr.wang", DESKTOP)
        wang.locator("#queue .accept-button").first.click()
        toast = wang.locator("#toast")
        expect(toast).to_contain_text("已接诊")
        expect(wang.locator("#message")).to_be_visible()
        for covered in (".chat-head", "#message", "#send", ".detail-head", "#alerts", ".topbar"):
            assert not _overlap(wang, "#toast", covered), f"the toast covers {covered} at 1280 px"

        notice = wang.locator("#chat .line.notice", has_text="已接诊")
        expect(notice).to_have_count(1)
        assert notice.locator(".who").count() == 0
        assert notice.evaluate("n => getComputedStyle(n).textAlign") == "center"
        expect(wang.locator("#chat")).not_to_contain_text("王芳（我）")

        # 转诊 to a named doctor of another department: the page lets the patient go, in words.
        wang.locator("#session-actions summary", has_text="转诊").click()
        wang.select_option("#transfer-doctor", label="张强 主治医师（儿科）")
        wang.fill("#transfer-note-input", "咽痛两天，请儿科会诊")
        wang.locator("#transfer").click()
        expect(toast).to_contain_text("已转给张强医生")
        expect(wang.locator("#detail")).to_be_hidden()
        expect(wang.locator("#active .active-item")).to_have_count(0)
        expect(wang.locator("#queue .queue-item")).to_have_count(0)

        # The phone: the toast is a strip above the tabs' panels, never over the chat header or the reply box.
        _queue(patient, "cough-adult", "我咳嗽一个星期了，晚上咳得厉害")
        phone = signed_in(browser, server.url, "dr.wang", PHONE)
        phone.locator("#queue .accept-button").first.click()
        expect(phone.locator("#toast")).to_contain_text("已接诊")
        expect(phone.locator("#message")).to_be_visible()
        for covered in (".chat-head", "#message", "#send", ".tabs"):
            assert not _overlap(phone, "#toast", covered), f"the toast covers {covered} at 390 px"
        expect(phone.locator("#chat .line.notice", has_text="已接诊")).to_have_count(1)
