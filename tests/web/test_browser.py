"""The patient web chat in Chromium, at phone (390 px) and desktop width: typed Chinese through the real
NLU and engine, a tapped button, the hand-over to a doctor in the console on another worker, the
doctor's replies pushed to the page without a reload, an image, and a reconnect that loses nothing."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.conftest import write_config
from tests.console.helpers import PASSWORD
from tests.console.test_browser import CHROMIUM, CHROMIUM_ARGS, _upgrade, cli
from tests.services import IN_CI, REDIS_URL, create_postgres_database, drop_postgres_database, redis_prefix, require
from tests.web.test_messages import png

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]

# Without a CJK font every Chinese character is drawn as the same empty box: draw two and compare.
DISTINCT_GLYPHS = """() => {
  const font = getComputedStyle(document.body).fontSize + " " + getComputedStyle(document.body).fontFamily;
  const draw = (text) => {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 40;
    const context = canvas.getContext("2d");
    context.font = font.replace(/^[0-9.]+px/, "32px");
    context.fillText(text, 2, 32);
    return Array.from(context.getImageData(0, 0, 40, 40).data).join(",");
  };
  return draw("问") !== draw("诊") && draw("诊") !== draw("");
}"""
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture
def two_workers(tmp_path: Path, start_server: Callable[..., Any]) -> Any:
    """A patient-side and a doctor-side server on one PostgreSQL and Redis, a fever-clinic doctor on duty."""
    if not CHROMIUM.exists():
        (pytest.fail if IN_CI else pytest.skip)("Chromium is missing: apt-get install -y chromium fonts-noto-cjk")
    require(REDIS_URL, "redis")
    database_url = asyncio.run(create_postgres_database())
    prefix = redis_prefix()
    asyncio.run(_upgrade(database_url))
    config = write_config(tmp_path / "setup.yml", redis={"prefix": prefix})
    for who, name, department in [("dr.chen", "陈芳", "fever"), ("dr.li", "李明", "general")]:
        cli(["staff", "add", who, "--name", name, "--title", "副主任医师", "--department", department], config, database_url)
        cli(["roster", "add", who, department, "daily", "00:00", "24:00"], config, database_url)

    started: list[Any] = []

    def start(port: int | None = None) -> Any:  # the shipped REST authentication: the page uses its visitor cookie
        started.append(start_server(database_url=database_url, redis_url=REDIS_URL, port=port,
                                    redis={"prefix": prefix}, rest={"auth": "token"}))
        return started[-1]

    patient_side, doctor_side = start(), start()
    yield start, patient_side, doctor_side
    for server in started:  # before the database goes
        server.stop()
    asyncio.run(drop_postgres_database(database_url))


def _doctor(browser: Any, url: str, who: str = "dr.chen") -> Any:
    from playwright.sync_api import expect

    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(url + "/console/login")
    page.fill("#username", who)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    expect(page.locator("#connection")).to_have_attribute("data-state", "ready")
    return page


def _press(page: Any, locator: Any, phone: bool) -> None:
    locator.tap() if phone else locator.click()


def _in_view(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= 0 and box["x"] >= 0 and box["y"] + box["height"] <= size["height"] \
        and box["x"] + box["width"] <= size["width"]


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_patient_types_taps_is_handed_to_a_doctor_and_sees_the_reply_without_a_reload(
        two_workers: Any, tmp_path: Path, device: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    _, patient_side, doctor_side = two_workers
    phone = device == "phone"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(locale="zh-CN", **(PHONE if phone else DESKTOP)).new_page()
        page.goto(patient_side.url + "/chat")
        expect(page.locator("#connection")).to_have_attribute("data-state", "ready")
        expect(page.locator(".message.bot").first).to_contain_text("您好")  # the welcome and its menu
        expect(page.locator(".choice", has_text="转人工医生")).to_be_visible()
        page.evaluate("window.sameDocument = true")  # gone if the page ever reloads

        # Typed Chinese through the real NLU and engine, then a tapped button.
        page.fill("#text", "我发烧两天了，最高38度5，有点咳嗽")
        _press(page, page.locator("#send"), phone)
        expect(page.locator(".message.patient").last).to_contain_text("最高38度5")
        answer = page.locator(".choice", has_text="吃药后能退下来")
        expect(answer).to_be_visible()
        assert answer.bounding_box()["height"] >= 40  # a finger's size
        _press(page, answer, phone)
        expect(page.locator(".message.patient").last).to_have_text("吃药后能退下来")
        expect(page.locator(".message.bot").last).to_contain_text("呼吸困难")
        expect(answer).to_be_disabled()  # an answered question's buttons are spent

        # The layout: nothing wider than the screen; the escape hatches in view however long the chat.
        width = page.viewport_size["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        page.locator("#messages").evaluate("box => box.scrollTop = 0")
        assert _in_view(page, "#to-human") and _in_view(page, "#call-120") and _in_view(page, "#send")
        assert page.locator("#call-120").get_attribute("href") == "tel:120"
        expect(page.locator("#call-120")).to_have_text("急救 120")
        assert page.evaluate(DISTINCT_GLYPHS), "Chinese shows as empty boxes: apt-get install -y fonts-noto-cjk"

        # 转人工: the fever clinic's doctor, on the other worker, accepts.
        _press(page, page.locator("#to-human"), phone)
        expect(page.locator(".message.patient").last).to_have_text("转人工")
        doctor = _doctor(browser, doctor_side.url)
        item = doctor.locator(".queue-item")
        expect(item).to_have_count(1)
        item.click()
        doctor.click("#accept")
        expect(doctor.locator("#detail-status")).to_have_text("接诊中")
        expect(doctor.locator("#chat")).to_contain_text("我发烧两天了")
        expect(page.locator(".message.staff").last).to_contain_text("陈芳副主任医师已接诊")

        doctor.fill("#message", "您好，我是陈医生。请问现在体温多少度？")
        doctor.click("#send")
        reply = page.locator(".message.staff").last
        expect(reply).to_contain_text("请问现在体温多少度")  # pushed through Redis to the patient's worker
        expect(reply.locator(".who")).to_have_text("医生")

        page.fill("#text", "现在37度8，还是没劲")
        page.press("#text", "Enter")
        expect(doctor.locator("#chat .line.patient").last).to_contain_text("现在37度8")

        # A photo of an antigen test: shown on the page, stored, and relayed to the doctor.
        image = tmp_path / "抗原.png"
        image.write_bytes(png(64, 32))
        page.set_input_files("#image", str(image))
        expect(page.locator(".message.patient").last.locator("img")).to_be_visible()
        expect(page.locator(".message.patient.pending")).to_have_count(0)
        expect(doctor.locator("#chat .line.patient").last).to_contain_text("［图片］")

        assert page.evaluate("window.sameDocument") is True
        assert page.locator(".message.staff", has_text="请问现在体温多少度").count() == 1
        browser.close()


def test_a_dropped_connection_comes_back_by_itself_and_misses_nothing(two_workers: Any) -> None:
    from playwright.sync_api import expect, sync_playwright

    start, patient_side, doctor_side = two_workers
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(locale="zh-CN", **PHONE).new_page()
        page.goto(patient_side.url + "/chat")
        connection = page.locator("#connection")
        expect(connection).to_have_attribute("data-state", "ready")
        page.evaluate("window.sameDocument = true")
        page.fill("#text", "我要转人工")  # typed, through the NLU: no symptoms yet, so the general clinic
        page.locator("#send").tap()
        doctor = _doctor(browser, doctor_side.url, "dr.li")
        doctor.locator(".queue-item").click()
        doctor.click("#accept")
        expect(page.locator(".message.staff").last).to_contain_text("已接诊")

        # The patient's server goes away (a restart); the doctor goes on writing meanwhile.
        patient_side.terminate()
        expect(connection).to_have_attribute("data-state", "lost", timeout=15_000)
        expect(connection).to_contain_text("重新连接")
        patient_side.wait(20)
        for text in ["检查结果出来了，血常规正常。", "请多喝温水，按时吃药。", "如果明天还发烧，请到发热门诊复诊。"]:
            doctor.fill("#message", text)
            doctor.click("#send")
            expect(doctor.locator("#chat .line.doctor").last).to_contain_text(text)

        start(port=patient_side.port)
        expect(connection).to_have_attribute("data-state", "ready", timeout=30_000)
        staff = page.locator(".message.staff .bubble")
        expect(staff).to_have_count(4, timeout=15_000)  # accepted + the three written while away, each once
        assert staff.all_inner_texts()[1:] == [
            "检查结果出来了，血常规正常。", "请多喝温水，按时吃药。", "如果明天还发烧，请到发热门诊复诊。"]

        # Live again: the next reply comes at once, and the page never reloaded.
        doctor.fill("#message", "您现在感觉怎么样？")
        doctor.click("#send")
        expect(staff.last).to_have_text("您现在感觉怎么样？")
        assert page.evaluate("window.sameDocument") is True
        browser.close()


def test_a_call_120_button_dials_and_never_posts_a_message(two_workers: Any) -> None:
    """Safety: 拨打120 in a bot message is a real tel:120 link at phone width; tapping it sends nothing."""
    from playwright.sync_api import expect, sync_playwright

    _, patient_side, _ = two_workers
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(locale="zh-CN", **PHONE).new_page()
        page.goto(patient_side.url + "/chat")
        expect(page.locator("#connection")).to_have_attribute("data-state", "ready")
        expect(page.locator(".choice", has_text="转人工医生")).to_be_visible()
        page.evaluate("window.sameDocument = true")

        page.fill("#text", "救命，我爸突然倒在地上叫不醒了")  # typed, through the real NLU and engine
        page.locator("#send").tap()
        call = page.locator(".message.bot .choice", has_text="拨打120").first
        expect(call).to_be_visible()
        assert call.evaluate("node => node.tagName") == "A"
        assert call.get_attribute("href") == "tel:120"
        assert call.bounding_box()["height"] >= 40
        colours = call.evaluate("n => [getComputedStyle(n).color, getComputedStyle(n).backgroundColor]")
        assert colours[0] != colours[1]
        # the "（tel:120）" in the text is a link to dial too, not a literal
        expect(page.locator(".message.bot .bubble a.tel-120").first).to_have_attribute("href", "tel:120")
        expect(page.locator(".bubble", has_text="tel:120）")).to_have_count(0)

        # Tapping it posts nothing to the bot and adds no message (the phone's dialler takes over).
        posted: list[str] = []
        page.on("request", lambda r: posted.append(r.url) if "/webhooks/rest/webhook" in r.url else None)
        patients = page.locator(".message.patient").count()
        page.route("tel:120", lambda route: route.abort())
        call.dispatch_event("click")
        page.wait_for_timeout(800)
        assert posted == []
        assert page.locator(".message.patient").count() == patients
        assert page.evaluate("window.sameDocument") is True
        # Older messages' 120 buttons stay live after an answer (only the <button> choices are spent).
        expect(call).not_to_have_attribute("disabled", "")

        # Each message is labelled by who wrote it (the API's `by`): a pharmacy notice is never 医生.
        labels = page.evaluate("""() => ["doctor", "pharmacist", "system", "admin", "bot"].map((by) =>
            showReply({ seq: 1, from: by === "system" || by === "bot" ? "bot" : "staff", by, text: "x" })
              .querySelector(".who").textContent)""")
        assert labels == ["医生", "药房", "系统通知", "医院工作人员", "问诊助手"]
        browser.close()
