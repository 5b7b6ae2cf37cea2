"""The webhook refuses what is not Telegram, and shrugs at what Telegram sends that the bot does not use."""
from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.asyncio(loop_scope="module")
PATIENT = 5151  # the chat of the update kinds the bot does not use


async def test_a_wrong_secret_token_is_forbidden_and_nothing_is_handled(chat_id, webhook, updates, bot_api):
    response = await webhook.post(updates.message(chat_id, "你好"), secret="not-the-secret")
    assert response.status_code == 403
    assert bot_api.sent_to(chat_id) == []


async def test_a_missing_secret_token_is_forbidden(chat_id, webhook, updates, bot_api):
    response = await webhook.http.post(webhook.path, json=updates.message(chat_id, "你好"))
    assert response.status_code == 403
    assert bot_api.sent_to(chat_id) == []


async def test_a_wrong_secret_path_is_not_found(webhook, updates):
    response = await webhook.http.post(
        "/webhooks/telegram/guessed", json=updates.message(PATIENT, "你好"),
        headers={"X-Telegram-Bot-Api-Secret-Token": webhook.secret},
    )
    assert response.status_code == 404


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe\x00binary", b"", b"[" * 100_000 + b"]" * 100_000])
async def test_malformed_json_is_a_400(webhook, body, bot_api):
    sent = len(bot_api.calls_of("sendMessage"))
    response = await webhook.post(body)
    assert response.status_code == 400
    assert len(bot_api.calls_of("sendMessage")) == sent


@pytest.mark.parametrize("update", [
    [],
    "update",
    {"message": {"text": "你好"}},
    {"update_id": "12"},
    {"update_id": 12, "message": "你好"},
    {"update_id": 12, "message": {"message_id": 1}},
    {"update_id": 12, "callback_query": {"id": "x"}},
])
async def test_json_that_is_not_a_telegram_update_is_a_400(webhook, update, bot_api):
    sent = len(bot_api.calls_of("sendMessage"))
    response = await webhook.post(json.dumps(update))
    assert response.status_code == 400, response.text
    assert len(bot_api.calls_of("sendMessage")) == sent


async def test_a_huge_body_is_refused(webhook):
    response = await webhook.post(b'{"update_id": 1, "x": "' + b"a" * 2_000_000 + b'"}')
    assert response.status_code == 413


@pytest.mark.parametrize("kind, body", [
    ("edited_message", {"message_id": 9, "date": 1, "edit_date": 2, "chat": {"id": PATIENT, "type": "private"},
                        "text": "改一下"}),
    ("channel_post", {"message_id": 9, "date": 1, "chat": {"id": -100, "type": "channel"}, "text": "公告"}),
    ("poll", {"id": "p", "question": "?", "options": [], "total_voter_count": 0, "is_closed": False,
              "is_anonymous": True, "type": "regular", "allows_multiple_answers": False,
              "allows_revoting": False}),
    ("my_chat_member", {"chat": {"id": PATIENT, "type": "private"}, "from": {"id": PATIENT, "is_bot": False,
                        "first_name": "张"}, "date": 1,
                        "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True, "first_name": "b"}},
                        "new_chat_member": {"status": "kicked", "until_date": 0,
                                            "user": {"id": 1, "is_bot": True, "first_name": "b"}}}),
    ("future_update_type_2030", {"anything": True}),
])
async def test_update_types_the_bot_does_not_use_are_acknowledged_and_ignored(webhook, bot_api, kind, body, channel):
    sent = len(bot_api.calls_of("sendMessage"))
    response = await webhook.post({"update_id": 77, kind: body})
    assert response.status_code == 200
    assert len(bot_api.calls_of("sendMessage")) == sent
    assert await channel.runtime.engine.events(f"telegram:{PATIENT}") == []


async def test_a_group_chat_message_is_ignored(webhook, updates, bot_api):
    update = updates.message(-100123, "大家好")
    update["message"]["chat"] = {"id": -100123, "type": "group", "title": "群"}
    assert (await webhook.post(update)).status_code == 200
    assert bot_api.sent_to(-100123) == []
