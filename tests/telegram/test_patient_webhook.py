"""Patients chatting with the bot on Telegram through the webhook: the same engine as every channel."""
from __future__ import annotations

import pytest

from bot import events as ev
from bot.messages import BotMessage, Button
from integrations.telegram.rendering import callback_data

pytestmark = pytest.mark.asyncio(loop_scope="module")
MENU = "/greet"


async def bot_texts(channel, cid: str) -> list[str]:
    """What the engine answered in the conversation, as recorded in its event log."""
    return [e.data["text"] for e in await channel.runtime.engine.events(cid) if e.type == ev.BOT and e.data.get("text")]


def keyboard_payloads(call) -> list[str]:
    markup = call.params.get("reply_markup") or {}
    return [row[0]["callback_data"] for row in markup.get("inline_keyboard", [])]


async def test_a_patient_message_is_answered_by_the_engine_in_the_same_chat(chat_id, webhook, updates, bot_api, channel):
    response = await webhook.post(updates.message(chat_id, "你好"))
    assert response.status_code == 200
    assert bot_api.texts_to(chat_id) == await bot_texts(channel, f"telegram:{chat_id}") != []
    state = await channel.runtime.engine.state(f"telegram:{chat_id}")
    assert (state.channel, state.sender) == ("telegram", str(chat_id))


async def test_the_bots_buttons_arrive_as_an_inline_keyboard_carrying_their_payloads(chat_id, webhook, updates, bot_api):
    await webhook.post(updates.message(chat_id, "你好"))
    [reply] = bot_api.sent_to(chat_id)
    assert "/request_doctor" in keyboard_payloads(reply)
    titles = [row[0]["text"] for row in reply.params["reply_markup"]["inline_keyboard"]]
    assert "转人工医生" in titles


async def test_tapping_a_button_sends_its_payload_to_the_engine_and_stops_the_spinner(chat_id, webhook, updates, bot_api, channel):
    await webhook.post(updates.message(chat_id, "你好"))
    tap = updates.callback(chat_id, "/request_doctor")
    assert (await webhook.post(tap)).status_code == 200
    assert tap["callback_query"]["id"] in [c.params["callback_query_id"] for c in bot_api.calls_of("answerCallbackQuery")]
    events = await channel.runtime.engine.events(f"telegram:{chat_id}")
    user_events = [e for e in events if e.type == ev.USER]
    assert user_events[-1].data["payload"] == "/request_doctor"
    assert user_events[-1].data["intent"]["name"] == "request_doctor"
    assert len(bot_api.sent_to(chat_id)) == 2


async def test_a_button_whose_payload_is_too_long_for_telegram_still_works_by_digest(chat_id, webhook, updates, bot_api, channel):
    long_payload = '/request_doctor{"consult_department": "respiratory", "note": "胸闷气短三天"}'
    await webhook.post(updates.message(chat_id, "你好"))
    cid = f"telegram:{chat_id}"
    await channel.runtime.engine.push(cid, [BotMessage("请选择", buttons=(Button("呼吸科", long_payload),))], actor="system")
    pushed = bot_api.sent_to(chat_id)[-1]
    [data] = keyboard_payloads(pushed)
    assert data != long_payload and len(data.encode()) <= 64
    await webhook.post(updates.callback(chat_id, data))
    user_events = [e for e in await channel.runtime.engine.events(cid) if e.type == ev.USER]
    assert user_events[-1].data["payload"] == long_payload


async def test_a_tap_on_a_digest_the_bot_never_sent_is_ignored(chat_id, webhook, updates, bot_api, channel):
    await webhook.post(updates.message(chat_id, "你好"))
    before = len(await channel.runtime.engine.events(f"telegram:{chat_id}"))
    response = await webhook.post(updates.callback(chat_id, callback_data("/x" + "长" * 40)))
    assert response.status_code == 200
    assert len(await channel.runtime.engine.events(f"telegram:{chat_id}")) == before
    assert len(bot_api.sent_to(chat_id)) == 1


async def test_an_update_telegram_delivers_twice_is_handled_and_answered_once(chat_id, webhook, updates, bot_api, channel):
    update = updates.message(chat_id, "你好")
    await webhook.post(update)
    await webhook.post(update)
    assert len(bot_api.sent_to(chat_id)) == 1
    user_events = [e for e in await channel.runtime.engine.events(f"telegram:{chat_id}") if e.type == ev.USER]
    assert len(user_events) == 1


async def test_start_opens_the_conversation_with_the_greeting(chat_id, webhook, updates, bot_api, channel):
    await webhook.post(updates.message(chat_id, "/start"))
    [user] = [e for e in await channel.runtime.engine.events(f"telegram:{chat_id}") if e.type == ev.USER]
    assert user.data["intent"]["name"] == "greet"
    [reply] = bot_api.sent_to(chat_id)
    assert "/request_doctor" in keyboard_payloads(reply)


async def test_messages_pushed_to_a_telegram_conversation_reach_the_chat(chat_id, webhook, updates, bot_api, channel):
    await webhook.post(updates.message(chat_id, "你好"))
    await channel.runtime.engine.push(f"telegram:{chat_id}", [BotMessage("医生：请量一下体温。")], actor="doctor:1")
    assert bot_api.texts_to(chat_id)[-1] == "医生：请量一下体温。"


async def test_a_photo_reaches_the_engine_as_an_image_attachment_with_its_caption(chat_id, webhook, updates, channel):
    photo = [{"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
             {"file_id": "large", "file_unique_id": "l", "width": 1280, "height": 960}]
    await webhook.post(updates.message(chat_id, None, photo=photo, caption="嗓子这样"))
    [user] = [e for e in await channel.runtime.engine.events(f"telegram:{chat_id}") if e.type == ev.USER]
    assert user.data["text"] == "嗓子这样"
    assert user.data["attachments"] == [{"kind": "image", "media_id": "large", "data": {"width": 1280, "height": 960}}]


async def test_a_sticker_gets_a_polite_answer_that_offers_a_human_and_120(chat_id, webhook, updates, bot_api, channel):
    sticker = {"file_id": "st", "file_unique_id": "st", "type": "regular", "width": 512, "height": 512,
               "is_animated": False, "is_video": False}
    assert (await webhook.post(updates.message(chat_id, None, sticker=sticker))).status_code == 200
    [reply] = bot_api.texts_to(chat_id)
    assert "转人工" in reply and "120" in reply
    assert await channel.runtime.engine.events(f"telegram:{chat_id}") == []


async def test_a_ten_thousand_character_message_with_emoji_and_odd_unicode_is_answered(chat_id, webhook, updates, bot_api):
    text = ("发烧😷\u200b\u202e" * 2500)[:10_000]
    assert (await webhook.post(updates.message(chat_id, text))).status_code == 200
    assert bot_api.texts_to(chat_id)
