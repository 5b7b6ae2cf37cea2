"""The webhook end to end: the local WeChat platform posts to a real server on 127.0.0.1."""
from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from bot.messages import BotMessage
from integrations.wechat.dedupe import MemoryClaims
from tests.wechat.conftest import WeChatSetup
from tests.wechat.simulator import WeChatPlatform
from tests.wechat.test_protocol import BILLION_LAUGHS, XXE

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def user_events(setup: WeChatSetup, openid: str) -> list[Any]:
    return await setup.events(openid, "user")


@pytest.mark.parametrize("mode", ["plaintext", "compatible", "safe"])
async def test_a_text_message_is_answered_passively_in_every_mode(make_wechat: Any, mode: str) -> None:
    setup = await make_wechat(mode)
    platform = setup.platform(mode)
    delivery = await platform.push(platform.text("o_mode", "你好"))
    assert delivery.status == 200 and delivery.attempts == 1
    assert delivery.reply is not None and delivery.reply["ToUserName"] == "o_mode"
    assert "回复数字：" in delivery.text and "\n1 " in delivery.text
    assert ("<Encrypt>" in delivery.body) is (mode != "plaintext")
    assert [e.data["text"] for e in await user_events(setup, "o_mode")] == ["你好"]


async def test_compatible_mode_also_accepts_plaintext_and_answers_in_kind(wechat: WeChatSetup) -> None:
    platform = wechat.platform("plaintext")
    delivery = await platform.push(platform.text("o_plain", "你好"))
    assert delivery.status == 200 and "<Encrypt>" not in delivery.body and delivery.text


async def test_url_verification_echoes_the_echostr(wechat: WeChatSetup) -> None:
    platform = wechat.platform("plaintext")
    answer = await wechat.http.get("/webhooks/wechat", params={**platform.signed_query(), "echostr": "8723456"})
    assert (answer.status_code, answer.text) == (200, "8723456")
    forged = {**platform.signed_query(), "echostr": "8723456", "signature": "0" * 40}
    assert (await wechat.http.get("/webhooks/wechat", params=forged)).status_code == 403


async def test_a_button_number_reply_reaches_the_buttons_payload(wechat: WeChatSetup) -> None:
    platform = wechat.platform("safe")
    await platform.push(platform.text("o_numbers", "你好"))
    await platform.push(platform.text("o_numbers", "5"))
    assert (await user_events(wechat, "o_numbers"))[-1].data["intent"]["name"] == "request_doctor"


async def test_an_image_is_fetched_through_the_job_queue_and_stored_as_an_attachment(wechat: WeChatSetup) -> None:
    wechat.api.add_media("media_antigen", PNG, "image/png")
    platform = wechat.platform("safe")
    delivery = await platform.push(platform.image("o_image", "media_antigen"))
    assert delivery.status == 200
    [user] = await user_events(wechat, "o_image")
    assert user.data["attachments"][0]["kind"] == "image"
    await wechat.settle()
    [stored] = await wechat.events("o_image", "attachment")
    assert stored.data["content_type"] == "image/png" and stored.data["size"] == len(PNG)
    with open(stored.data["path"], "rb") as saved:
        assert saved.read() == PNG


async def test_voice_uses_wechats_recognition_text(wechat: WeChatSetup) -> None:
    wechat.api.add_media("media_voice", b"#!AMR\n" + b"\x01" * 32, "audio/amr")
    platform = wechat.platform("safe")
    await platform.push(platform.voice("o_voice", "media_voice", recognition="我发烧三天了"))
    [user] = await user_events(wechat, "o_voice")
    assert user.data["text"] == "我发烧三天了"
    assert user.data["attachments"][0]["kind"] == "voice"
    await wechat.settle()
    assert len(await wechat.events("o_voice", "attachment")) == 1


async def test_voice_without_recognition_is_still_kept(wechat: WeChatSetup) -> None:
    wechat.api.add_media("media_voice2", b"#!AMR\n", "audio/amr")
    platform = wechat.platform("safe")
    delivery = await platform.push(platform.voice("o_voice2", "media_voice2"))
    assert delivery.status == 200
    [user] = await user_events(wechat, "o_voice2")
    assert user.data["text"] == "" and user.data["attachments"][0]["media_id"] == "media_voice2"


async def test_location_and_link_messages_become_attachments(wechat: WeChatSetup) -> None:
    platform = wechat.platform("safe")
    await platform.push(platform.location("o_loc", 31.2304, 121.4737, label="上海市黄浦区"))
    await platform.push(platform.link("o_loc", "抗原怎么看", "https://example.org/a"))
    located, linked = await user_events(wechat, "o_loc")
    assert located.data["attachments"][0]["data"]["label"] == "上海市黄浦区"
    assert linked.data["attachments"][0]["url"] == "https://example.org/a"
    contact = await wechat.channel.contacts.get("o_loc")
    assert contact is not None and (contact.latitude, contact.longitude) == (31.2304, 121.4737)


async def test_an_unsupported_message_type_gets_a_polite_note(wechat: WeChatSetup) -> None:
    platform = wechat.platform("safe")
    delivery = await platform.push(platform.message("o_mini", "miniprogrampage", Title="小程序", AppId="wx1"))
    assert "暂时无法识别" in delivery.text


async def test_subscribing_gets_the_welcome_privacy_notice_and_menu_hint(wechat: WeChatSetup) -> None:
    platform = wechat.platform("safe")
    delivery = await platform.push(platform.event("o_new", "subscribe", EventKey=""))
    assert "欢迎关注" in delivery.text and "隐私说明" in delivery.text and "菜单" in delivery.text
    assert "120" in delivery.text
    contact = await wechat.channel.contacts.get("o_new")
    assert contact is not None and contact.subscribed


async def test_a_qr_scene_starts_that_departments_flow(wechat: WeChatSetup) -> None:
    platform = wechat.platform("safe")
    await platform.push(platform.event("o_scene", "subscribe", EventKey="qrscene_fever_clinic", Ticket="t1"))
    payloads = [e.data["payload"] for e in await user_events(wechat, "o_scene")]
    assert payloads == ["/wechat_subscribe", '/request_doctor{"consult_department": "fever"}']
    await platform.push(platform.event("o_scene", "SCAN", EventKey="pediatrics", Ticket="t2"))
    assert (await user_events(wechat, "o_scene"))[-1].data["payload"] == '/request_doctor{"consult_department": "pediatrics"}'


async def test_menu_clicks_run_the_configured_payload(wechat: WeChatSetup) -> None:
    platform = wechat.platform("safe")
    await platform.push(platform.event("o_click", "CLICK", EventKey="BIND_CARD"))
    await platform.push(platform.event("o_click", "CLICK", EventKey="NO_SUCH_KEY", create_time=int(time.time()) + 1))
    assert [e.data["payload"] for e in await user_events(wechat, "o_click")] == ["/bind_card", "/help"]


async def test_view_location_and_template_status_events_are_recorded_without_a_reply(wechat: WeChatSetup) -> None:
    platform = wechat.platform("safe")
    await platform.push(platform.text("o_ev", "你好"))
    now = int(time.time())
    for delivery in [
        await platform.push(platform.event("o_ev", "VIEW", create_time=now + 1, EventKey="https://example.org/h5")),
        await platform.push(platform.event("o_ev", "LOCATION", create_time=now + 2, Latitude=23.1, Longitude=113.3, Precision=65)),
        await platform.push(platform.event("o_ev", "TEMPLATESENDJOBFINISH", create_time=now + 3, MsgID=4242, Status="success")),
    ]:
        assert (delivery.status, delivery.body) == (200, "success")
    assert (await wechat.events("o_ev", "wechat_menu_view"))[0].data["url"] == "https://example.org/h5"
    assert (await wechat.events("o_ev", "wechat_template_status"))[0].data == {"msgid": 4242, "status": "success"}
    contact = await wechat.channel.contacts.get("o_ev")
    assert contact is not None and contact.latitude == 23.1


async def test_after_unsubscribing_nothing_more_is_pushed(wechat: WeChatSetup) -> None:
    platform = wechat.platform("safe")
    await platform.push(platform.text("o_leaver", "你好"))
    await platform.push(platform.event("o_leaver", "unsubscribe"))
    await wechat.runtime.engine.push("wechat:o_leaver", [BotMessage(text="医生回复：请多喝水")], actor="doctor:1")
    assert wechat.api.customer_messages("o_leaver") == []
    [undelivered] = await wechat.events("o_leaver", "wechat_undelivered")
    assert undelivered.data["reason"] == "unsubscribed"
    assert len(await wechat.events("o_leaver", "wechat_unsubscribed")) == 1


# ---- the 5-second rule ----------------------------------------------------------------------------


def slow_engine(setup: WeChatSetup, seconds: float) -> None:
    """Every turn takes `seconds` longer (the real engine, delayed)."""
    engine = setup.runtime.engine
    original = engine.handle

    async def handle(message: Any) -> list[BotMessage]:
        await asyncio.sleep(seconds)
        return await original(message)

    engine.handle = handle  # type: ignore[method-assign]


async def test_a_slow_turn_is_answered_success_then_by_one_customer_service_message(make_wechat: Any) -> None:
    setup = await make_wechat("safe", reply_budget_seconds=0.3)
    slow_engine(setup, 1.0)
    platform = setup.platform("safe")
    delivery = await platform.push(platform.text("o_slow", "你好"))
    assert (delivery.status, delivery.body, delivery.attempts) == (200, "success", 1)
    await setup.settle()
    [sent] = setup.api.customer_messages("o_slow")
    assert sent["msgtype"] == "text" and "回复数字" in sent["text"]["content"]


async def test_wechats_three_retries_of_a_slow_message_are_handled_once(make_wechat: Any) -> None:
    setup = await make_wechat("safe", reply_budget_seconds=2.0)
    slow_engine(setup, 1.5)
    # WeChat gives up on a try after 5 s; scaled down here so that the first try times out.
    platform = setup.platform("safe", timeout=0.3, tries=3)
    message = platform.text("o_retry", "你好")
    first = await platform.push(message)
    assert first.statuses[0] is None and first.status == 200 and first.body == "success"
    third = await platform.push(message)  # a late duplicate, as WeChat sends after a lost answer
    assert third.body == "success"
    await setup.settle()
    assert len(await user_events(setup, "o_retry")) == 1
    assert len(setup.api.customer_messages("o_retry")) == 1


async def test_the_same_msgid_after_the_claim_is_forgotten_is_answered_from_the_first_turn(wechat: WeChatSetup) -> None:
    platform = wechat.platform("safe")
    message = platform.text("o_twice", "你好")
    first = await platform.push(message)
    wechat.channel.claims = MemoryClaims(600)  # as after a restart: only the database remembers
    second = await platform.push(message)
    assert second.text == first.text
    assert len(await user_events(wechat, "o_twice")) == 1


async def test_fifty_users_at_once_each_get_their_own_answer(make_wechat: Any) -> None:
    setup = await make_wechat("safe")
    platform = setup.platform("safe")
    deliveries = await asyncio.gather(*(platform.push(platform.text(f"o_crowd_{i}", "你好")) for i in range(50)))
    assert all(d.status == 200 and d.text for d in deliveries)
    assert [d.reply["ToUserName"] for d in deliveries] == [f"o_crowd_{i}" for i in range(50)]  # type: ignore[index]
    conversations = await setup.runtime.store.conversation_ids("wechat")
    assert len(conversations) == 50
    for i in range(50):
        assert len(await user_events(setup, f"o_crowd_{i}")) == 1


# ---- bad input ------------------------------------------------------------------------------------


async def post(platform: WeChatPlatform, query: dict[str, str], body: bytes | str) -> tuple[int | None, str]:
    delivery = await platform.post(query, body)
    return delivery.status, delivery.body


async def test_bad_requests_are_refused_with_the_right_status_and_nothing_is_stored(wechat: WeChatSetup) -> None:
    safe = wechat.platform("safe")
    plain = wechat.platform("plaintext")
    xml = safe.to_xml(safe.text("o_attacker", "你好"))
    query, body = safe.seal(xml)
    stale_query, stale_body = safe.seal(xml, timestamp=int(time.time()) - 86400)
    other_query, other_body = safe.seal(xml, app_id="wx_not_ours")
    huge = plain.to_xml(plain.text("o_attacker", "咳" * 400_000))
    cases = {
        "forged signature": (403, {**query, "signature": "0" * 40}, body),
        "forged msg_signature": (403, {**query, "msg_signature": "0" * 40}, body),
        "stale timestamp": (403, stale_query, stale_body),
        "wrong AppId": (403, other_query, other_body),
        "XXE": (400, plain.signed_query(), XXE),
        "billion laughs": (400, plain.signed_query(), BILLION_LAUGHS),
        "invalid XML": (400, plain.signed_query(), b"<xml><MsgType>text</MsgType>"),
        "binary": (400, plain.signed_query(), bytes(range(256))),
        "1 MB body": (413, plain.signed_query(), huge),
    }
    for name, (status, case_query, case_body) in cases.items():
        got, reason = await post(plain, case_query, case_body)
        assert got == status, f"{name}: {got} {reason}"
        assert reason and "Traceback" not in reason
    assert await wechat.runtime.store.conversation_ids("wechat") == []
    # The genuine message still goes through, once.
    assert (await safe.post(query, body)).text
    assert len(await user_events(wechat, "o_attacker")) == 1


async def test_odd_text_is_answered_not_refused(wechat: WeChatSetup) -> None:
    platform = wechat.platform("safe")
    for i, text in enumerate(["😷🤒" * 50, "发烧" * 5000, "\u202e\u200b测试\ufeff", "<script>alert(1)</script>", "]]>"]):
        delivery = await platform.push(platform.text(f"o_odd_{i}", text))
        assert delivery.status == 200 and delivery.text, text


async def test_other_modules_can_take_events_the_channel_does_not_handle(wechat: WeChatSetup) -> None:
    seen: list[tuple[str, str]] = []

    async def mass_send_finished(message: Any) -> None:
        seen.append((message.source, message.status))

    wechat.channel.on_event("masssendjobfinish", mass_send_finished)
    platform = wechat.platform("safe")
    delivery = await platform.push(platform.event("o_mass", "MASSSENDJOBFINISH", MsgID=1000001, Status="send success",
                                                  TotalCount=100, FilterCount=80, SentCount=75, ErrorCount=5))
    assert (delivery.status, delivery.body) == (200, "success")
    unknown = await platform.push(platform.event("o_mass", "SOMETHING_NEW", create_time=int(time.time()) + 5))
    assert (unknown.status, unknown.body) == (200, "success")
    assert seen == [("o_mass", "send success")]


async def test_a_location_without_numbers_is_answered_not_crashed(wechat: WeChatSetup) -> None:
    platform = wechat.platform("safe")
    delivery = await platform.push(platform.message("o_badloc", "location", Location_X="north", Location_Y="", Label="?"))
    assert delivery.status == 200 and "暂时无法识别" in (delivery.text or "")
