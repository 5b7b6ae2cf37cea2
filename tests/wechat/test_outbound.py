"""Outbound: the shared access token, customer-service and template messages, the service window, media."""
from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import update

from bot.messages import BotMessage, Button
from integrations.wechat.api import MediaRefused, RedisTokenStore, WeChatAPI, WeChatAPIError, token_store
from integrations.wechat.contacts import WeChatContact
from integrations.wechat.settings import WeChatSettings
from tests.services import redis_prefix
from tests.wechat.conftest import APP_ID, SECRET, TOKEN, WeChatSetup
from tests.wechat.simulator import WeChatAPIServer


def settings_for(server: WeChatAPIServer, **kwargs: Any) -> WeChatSettings:
    return WeChatSettings(token=TOKEN, app_id=APP_ID, app_secret=SECRET, aes_key=None, api_base=server.base_url, **kwargs)


async def test_workers_share_one_access_token_through_redis(wechat_api: WeChatAPIServer, redis_url: str) -> None:
    import redis.asyncio as aioredis

    redis = aioredis.from_url(redis_url, decode_responses=True)
    prefix = redis_prefix()
    workers = [WeChatAPI(settings_for(wechat_api), token_store(redis, prefix)) for _ in range(4)]
    try:
        await asyncio.gather(*(w.send_text(f"o_{i}", "你好") for i in range(20) for w in workers))
        assert wechat_api.tokens_issued == 1
        assert len(wechat_api.customer_messages()) == 80
        # The token expires: every worker's next call is refused, yet only one of them refreshes.
        wechat_api.expire_tokens()
        await asyncio.gather(*(w.send_text("o_after", "还在吗") for w in workers))
        assert wechat_api.tokens_issued == 2
        assert len(wechat_api.customer_messages("o_after")) == 4
    finally:
        for worker in workers:
            await worker.close()
        await redis.delete(prefix + "wechat:access_token")
        await redis.aclose()


async def test_an_expired_token_is_refreshed_and_the_call_retried_once(wechat_api: WeChatAPIServer) -> None:
    api = WeChatAPI(settings_for(wechat_api), token_store(None, ""))
    try:
        await api.send_text("o_1", "第一条")
        wechat_api.expire_tokens()
        await api.send_text("o_1", "第二条")
        assert wechat_api.tokens_issued == 2
        assert [m["text"]["content"] for m in wechat_api.customer_messages("o_1")] == ["第一条", "第二条"]
        # Refused twice in a row: not retried forever, the error reaches the caller.
        wechat_api.fail_next["/cgi-bin/message/custom/send"] = [40001, 40001]
        with pytest.raises(WeChatAPIError) as caught:
            await api.send_text("o_1", "第三条")
        assert caught.value.errcode == 40001
    finally:
        await api.close()


async def test_a_wrong_app_secret_is_a_clear_error(wechat_api: WeChatAPIServer) -> None:
    settings = WeChatSettings(token=TOKEN, app_id=APP_ID, app_secret="wrong", aes_key=None, api_base=wechat_api.base_url)
    api = WeChatAPI(settings, token_store(None, ""))
    try:
        with pytest.raises(WeChatAPIError) as caught:
            await api.send_text("o_1", "你好")
        assert caught.value.errcode == 40125
    finally:
        await api.close()


async def test_the_redis_refresh_lock_is_released_for_the_next_refresh(wechat_api: WeChatAPIServer, redis_url: str) -> None:
    import redis.asyncio as aioredis

    redis = aioredis.from_url(redis_url, decode_responses=True)
    prefix = redis_prefix()
    store = RedisTokenStore(redis, prefix + "t", prefix + "l")
    try:
        handle = await store.acquire()
        assert handle is not None and await store.acquire() is None
        await store.release(handle)
        assert await store.acquire() is not None
    finally:
        await redis.delete(prefix + "t", prefix + "l")
        await redis.aclose()


async def test_media_is_refused_when_too_large_or_of_the_wrong_type(wechat_api: WeChatAPIServer) -> None:
    wechat_api.add_media("big", b"\xff" * 2048, "image/jpeg")
    wechat_api.add_media("exe", b"MZ\x90\x00", "application/octet-stream")
    wechat_api.add_media("ok", b"\xff\xd8\xff" + b"\x00" * 100, "image/jpeg")
    api = WeChatAPI(settings_for(wechat_api, media_max_bytes=1024), token_store(None, ""))
    try:
        with pytest.raises(MediaRefused):
            await api.download_media("big")
        with pytest.raises(MediaRefused):
            await api.download_media("exe")
        wechat_api.expire_tokens()
        media = await api.download_media("ok")
        assert (media.content_type, len(media.content)) == ("image/jpeg", 103)
        with pytest.raises(WeChatAPIError) as caught:
            await api.download_media("missing")
        assert caught.value.errcode == 40007
    finally:
        await api.close()


async def test_refused_media_is_recorded_not_retried(wechat: WeChatSetup) -> None:
    platform = wechat.platform("safe")
    await platform.push(platform.image("o_badmedia", "never_uploaded"))
    await wechat.settle()
    [refused] = await wechat.events("o_badmedia", "attachment_refused")
    assert refused.data["media_id"] == "never_uploaded"
    assert await wechat.events("o_badmedia", "attachment") == []


# ---- the engine's pushes (doctor messages, follow-ups) through the channel ------------------------------


async def open_conversation(setup: WeChatSetup, openid: str) -> None:
    platform = setup.platform("safe")
    await platform.push(platform.text(openid, "你好"))


async def test_a_doctors_message_reaches_the_patient_with_buttons_as_numbers(wechat: WeChatSetup) -> None:
    await open_conversation(wechat, "o_patient")
    message = BotMessage(text="我是张医生，请问烧了几天？", buttons=(Button("一天", "/inform"), Button("三天以上", "/inform")))
    await wechat.runtime.engine.push("wechat:o_patient", [message, BotMessage(text="片子", image="https://example.org/x.png")],
                                     actor="doctor:7")
    text, news = wechat.api.customer_messages("o_patient")
    assert text["text"]["content"] == "我是张医生，请问烧了几天？\n回复数字：\n1 一天\n2 三天以上"
    assert news["msgtype"] == "news" and news["news"]["articles"][0]["picurl"] == "https://example.org/x.png"


async def test_only_so_many_messages_go_out_per_interaction(make_wechat: Any) -> None:
    setup = await make_wechat("safe", customer_service={"max_messages_per_interaction": 2})
    await open_conversation(setup, "o_limit")
    await setup.runtime.engine.push("wechat:o_limit", [BotMessage(text=f"第{i}条") for i in range(3)], actor="doctor:1")
    assert [m["text"]["content"] for m in setup.api.customer_messages("o_limit")] == ["第0条", "第1条"]
    [undelivered] = await setup.events("o_limit", "wechat_undelivered")
    assert undelivered.data["reason"] == "window_closed" and undelivered.data["count"] == 1
    # The patient writes again: the window opens afresh.
    await setup.platform("safe").push(setup.platform("safe").text("o_limit", "好的"))
    await setup.runtime.engine.push("wechat:o_limit", [BotMessage(text="第3条")], actor="doctor:1")
    assert setup.api.customer_messages("o_limit")[-1]["text"]["content"] == "第3条"


async def test_after_48_hours_a_notice_goes_as_a_template_message(make_wechat: Any) -> None:
    setup = await make_wechat("safe", templates={"followup_checkin": "TPL_FOLLOWUP_123"})
    await open_conversation(setup, "o_old")
    async with setup.runtime.db.transaction() as session:
        await session.execute(
            update(WeChatContact).where(WeChatContact.openid == "o_old")
            .values(last_inbound_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=49))
        )
    notice = {"name": "followup_checkin", "data": {"thing1": "新冠居家随访", "time2": "2026-11-23 09:00"}}
    await setup.runtime.engine.push("wechat:o_old", [BotMessage(text="今天感觉怎么样？", custom={"notice": notice})],
                                    actor="system")
    assert setup.api.customer_messages("o_old") == []
    [template] = setup.api.received("/cgi-bin/message/template/send")
    assert template["template_id"] == "TPL_FOLLOWUP_123" and template["touser"] == "o_old"
    assert template["data"]["thing1"] == {"value": "新冠居家随访"}
    assert (await setup.events("o_old", "wechat_undelivered"))[0].data["notice_sent"] == "followup_checkin"
    assert len(await setup.events("o_old", "wechat_template_sent")) == 1


async def test_a_long_answer_is_split_into_passive_reply_and_customer_service_messages(wechat: WeChatSetup) -> None:
    await open_conversation(wechat, "o_long")
    long_text = "\n".join(f"第{i}行：多喝水，注意休息，监测体温和血氧。" for i in range(120))
    await wechat.runtime.engine.push("wechat:o_long", [BotMessage(text=long_text)], actor="doctor:2")
    pieces = [m["text"]["content"] for m in wechat.api.customer_messages("o_long")]
    assert len(pieces) > 1 and all(len(p.encode()) <= 2000 for p in pieces)
    assert "\n".join(pieces) == long_text


async def test_the_simulator_serves_tags_and_mass_sends_for_broadcasts(wechat_api: WeChatAPIServer) -> None:
    api = WeChatAPI(settings_for(wechat_api), token_store(None, ""))
    try:
        tag = (await api.call("/cgi-bin/tags/create", {"tag": {"name": "发热随访"}}))["tag"]
        await api.call("/cgi-bin/tags/members/batchtagging", {"openid_list": ["o_a", "o_b"], "tagid": tag["id"]})
        members = await api.call("/cgi-bin/user/tag/get", {"tagid": tag["id"], "next_openid": ""})
        assert members["data"]["openid"] == ["o_a", "o_b"]
        sent = await api.call("/cgi-bin/message/mass/sendall", {
            "filter": {"is_to_all": False, "tag_id": tag["id"]}, "msgtype": "text", "text": {"content": "科普：居家护理要点"}})
        assert sent["msg_id"]
        assert wechat_api.received("/cgi-bin/message/mass/sendall")[0]["text"]["content"] == "科普：居家护理要点"
        with pytest.raises(WeChatAPIError):
            await api.call("/cgi-bin/tags/members/batchtagging", {"openid_list": ["o_a"], "tagid": 999999})
    finally:
        await api.close()


async def test_a_followup_checkin_after_48_hours_goes_as_its_template_message(make_wechat: Any) -> None:
    setup = await make_wechat("safe", templates={"followup_checkin": "TPL_FOLLOWUP_9"})
    await open_conversation(setup, "o_checkin")
    async with setup.runtime.db.transaction() as session:
        await session.execute(
            update(WeChatContact).where(WeChatContact.openid == "o_checkin")
            .values(last_inbound_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=50))
        )
    await setup.runtime.engine.trigger("wechat:o_checkin", "/followup_checkin")
    [template] = setup.api.received("/cgi-bin/message/template/send")
    assert template["template_id"] == "TPL_FOLLOWUP_9" and template["touser"] == "o_checkin"
    assert template["data"]["thing1"] == {"value": "新冠居家随访"}
