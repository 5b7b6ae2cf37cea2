"""In Chromium (newcomer trial 9): "我来处理" for a patient who is in no queue says so in Chinese on the page instead of
nothing; for a patient who asked for a doctor after the banner came, it opens the consultation. A real server, the
patient typing Chinese over REST."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import pytest

from tests.console.test_console_screens import LAPTOP, signed_in

if TYPE_CHECKING:
    from tests.console.conftest import ConsoleSite

pytestmark = [pytest.mark.browser]
PORT = 19421  # fix9's range


def test_take_says_why_nothing_opens_or_opens_the_patient(console_site: Callable[[int], ConsoleSite]) -> None:
    from playwright.sync_api import expect

    site = console_site(PORT)
    site.doctor("dr.li", "李明", "general")
    server, patient = site.server, site.patient
    said = patient.post("/webhooks/rest/webhook", json={"sender": "away", "message": "我妈突然嘴歪了，说话不清楚"}).json()
    assert "120" in "".join(m.get("text") or "" for m in said)

    with site.chromium() as browser:
        li = signed_in(browser, server.url, "dr.li", LAPTOP)
        expect(li.locator("#alerts .alert-banner")).to_have_count(1)
        li.locator("#alerts .alert-banner button", has_text="我来处理").click()
        expect(li.locator("#alerts .alert-banner")).to_have_count(0)
        expect(li.locator("#toast")).to_be_visible()
        expect(li.locator("#toast")).to_contain_text("不在候诊队列")

        # A second patient: the banner comes while they are in no queue, then they ask for a doctor.
        patient.post("/webhooks/rest/webhook", json={"sender": "joins", "message": "我爸胸口剧痛，一身冷汗"})
        banner = li.locator("#alerts .alert-banner")
        expect(banner).to_have_count(1)
        expect(banner.locator("button", has_text="我来处理")).to_be_visible()
        patient.post("/webhooks/rest/webhook", json={"sender": "joins", "message": '/request_doctor{"consult_department": "general"}'})
        banner.locator("button", has_text="我来处理").click()
        expect(li.locator("#detail")).to_be_visible()
        expect(li.locator("#accept")).to_be_visible()  # a waiting patient, opened to be taken
