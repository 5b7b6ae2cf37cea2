"""In Chromium (console7): from the emergency alert of a patient in no queue the doctor presses 联系患者 — the chat
opens, the patient is told the doctor joined, and they talk; a patient's confirmed correction turns another alert
grey with the reason, and 知道了 takes it away. A real server, the patient typing Chinese over REST."""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import httpx
import pytest

from tests.console.test_console_screens import LAPTOP, signed_in

if TYPE_CHECKING:
    from tests.console.conftest import ConsoleSite

pytestmark = [pytest.mark.browser]
PORT = 19137  # console7's range


def _bot_texts(patient: httpx.Client, sender: str) -> list[str]:
    events = patient.get(f"/conversations/{sender}/tracker").json()["events"]
    return [str(e.get("text") or "") for e in events if e.get("event") == "bot"]


def test_a_doctor_reaches_the_patient_from_the_alert_and_a_corrected_alert_turns_grey(
        console_site: Callable[[int], ConsoleSite]) -> None:
    from playwright.sync_api import expect

    site = console_site(PORT)
    site.doctor("dr.li", "李明", "general")
    server, patient = site.server, site.patient
    said = patient.post("/webhooks/rest/webhook", json={"sender": "grandma", "message": "我外婆突然说不出话，右手也没力气了"}).json()
    assert "120" in "".join(m.get("text") or "" for m in said)

    with site.chromium() as browser:
        li = signed_in(browser, server.url, "dr.li", LAPTOP)
        banner = li.locator("#alerts .alert-banner")
        expect(banner).to_have_count(1)
        banner.locator("button", has_text="联系患者").click()
        expect(li.locator("#alerts .alert-banner")).to_have_count(0)
        expect(li.locator("#toast")).to_contain_text("已接诊")
        expect(li.locator("#message")).to_be_visible()
        told = _bot_texts(patient, "grandma")[-1]
        assert "李明" in told and "已接诊" in told and "直接和医生说" in told, told
        li.locator("#message").fill("我是李医生，外婆现在能听懂你说话吗？")
        li.locator("#send").click()
        expect(li.locator("#chat")).to_contain_text("外婆现在能听懂")
        assert any("外婆现在能听懂" in t for t in _bot_texts(patient, "grandma"))
        patient.post("/webhooks/rest/webhook", json={"sender": "grandma", "message": "能听懂，就是说话含糊"})
        expect(li.locator("#chat")).to_contain_text("说话含糊")

        # Another patient: an emergency, then a correction the patient confirms.
        patient.post("/webhooks/rest/webhook", json={"sender": "brother", "message": "我哥刚才突然晕倒了"})
        expect(li.locator("#alerts .alert-banner")).to_have_count(1)
        patient.post("/webhooks/rest/webhook", json={"sender": "brother", "message": "说错了，他没有晕倒，只是有点头晕"})
        patient.post("/webhooks/rest/webhook", json={"sender": "brother", "message": "对"})
        grey = li.locator("#alerts .alert-banner.alert-closed")
        expect(grey).to_have_count(1)
        expect(grey).to_contain_text("更正")
        expect(li.locator("#alerts .alert-banner")).to_have_count(1)  # replaced, not piled up
        grey.locator("button", has_text="知道了").click()
        expect(li.locator("#alerts .alert-banner")).to_have_count(0)
