"""Polling mode: the bot fetches updates with getUpdates (no webhook route) and answers through the same handlers."""
from __future__ import annotations

import asyncio

import pytest

from bot import events as ev
from bot.app import create_app
from integrations.telegram import channel_for
from tests.services import redis_prefix



async def wait_for(bot_api, predicate):
    return await asyncio.to_thread(bot_api.wait_for, predicate)


async def test_polling_fetches_updates_and_answers_them(chat_id, telegram_env, make_runtime, bot_api, updates):
    runtime = await make_runtime(telegram={"mode": "polling", "poll_timeout_seconds": 1})
    assert bot_api.calls_of("deleteWebhook"), "polling must first remove any webhook, or Telegram refuses getUpdates"
    bot_api.queue_update(updates.message(chat_id, "你好"))
    await wait_for(bot_api, lambda api: api.sent_to(chat_id))
    bot_api.queue_update(updates.callback(chat_id, "/request_doctor"))
    await wait_for(bot_api, lambda api: len(api.sent_to(chat_id)) >= 2)
    await wait_for(bot_api, lambda api: api.calls_of("answerCallbackQuery"))
    events = await runtime.engine.events(f"telegram:{chat_id}")
    assert [e.data["intent"]["name"] for e in events if e.type == ev.USER] == ["greet", "request_doctor"]


async def test_stopping_confirms_handled_updates_so_telegram_does_not_send_them_again(chat_id, telegram_env, make_runtime,
                                                                                       bot_api, updates):
    runtime = await make_runtime(telegram={"mode": "polling", "poll_timeout_seconds": 1})
    bot_api.queue_update(updates.message(chat_id, "你好"))
    await wait_for(bot_api, lambda api: api.sent_to(chat_id))
    await runtime.stop()
    assert bot_api.pending_updates() == 0


async def test_an_update_delivered_again_after_a_restart_is_not_answered_twice(chat_id, telegram_env, make_runtime,
                                                                               bot_api, updates):
    first = await make_runtime(telegram={"mode": "polling", "poll_timeout_seconds": 1})
    update = updates.message(chat_id, "你好")
    bot_api.queue_update(update)
    await wait_for(bot_api, lambda api: api.sent_to(chat_id))
    await first.stop()
    again = await make_runtime(telegram={"mode": "polling", "poll_timeout_seconds": 1},
                               database_url=first.config.database_url.replace("+aiosqlite", ""))
    bot_api.queue_update(update)  # e.g. the process died before confirming it
    bot_api.queue_update(updates.message(chat_id + 1_000_000, "你好"))
    await wait_for(bot_api, lambda api: api.sent_to(chat_id + 1_000_000))
    assert len(bot_api.sent_to(chat_id)) == 1
    assert len([e for e in await again.engine.events(f"telegram:{chat_id}") if e.type == ev.USER]) == 1


async def test_in_polling_mode_there_is_no_webhook_route(chat_id, telegram_env, make_runtime, bot_api):
    import httpx

    runtime = await make_runtime(telegram={"mode": "polling", "poll_timeout_seconds": 1})
    path = channel_for(runtime).settings.webhook_path
    app = create_app(runtime=runtime)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
        assert (await http.post(path, json={"update_id": 1})).status_code == 404


async def test_a_chats_messages_are_handled_in_order_while_other_chats_go_on(chat_id, telegram_env, make_runtime,
                                                                             bot_api, updates):
    runtime = await make_runtime(telegram={"mode": "polling", "poll_timeout_seconds": 1})
    other = chat_id + 1_000_000  # outside the range the chat_id fixture hands out
    for i in range(6):
        bot_api.queue_update(updates.message(chat_id, f"第{i}条"))
        bot_api.queue_update(updates.message(other, f"另一位{i}"))
    await wait_for(bot_api, lambda api: len(api.sent_to(chat_id)) >= 6 and len(api.sent_to(other)) >= 6)
    texts = [e.data["text"] for e in await runtime.engine.events(f"telegram:{chat_id}") if e.type == ev.USER]
    assert texts == [f"第{i}条" for i in range(6)]


@pytest.mark.redis
async def test_with_several_workers_one_polls_and_another_takes_over_when_it_stops(chat_id, telegram_env, make_runtime,
                                                                                 redis_url, bot_api, updates):
    shared = {"telegram": {"mode": "polling", "poll_timeout_seconds": 1}, "redis": {"prefix": redis_prefix()}}
    pollers_before = len(bot_api.calls_of("deleteWebhook"))  # every poller removes the webhook as it starts
    first = await make_runtime(redis_url=redis_url, **shared)
    second = await make_runtime(redis_url=redis_url, **shared)
    assert len(bot_api.calls_of("deleteWebhook")) == pollers_before + 1
    assert channel_for(first).poller.polling and not channel_for(second).poller.polling

    await first.stop()
    await wait_for(bot_api, lambda api: len(api.calls_of("deleteWebhook")) == pollers_before + 2)
    bot_api.queue_update(updates.message(chat_id, "你好"))
    await wait_for(bot_api, lambda api: api.sent_to(chat_id))
    assert any(e.type == ev.USER for e in await second.engine.events(f"telegram:{chat_id}"))

