"""Several workers behind one account: PostgreSQL and Redis shared, each message handled once."""
from __future__ import annotations

import asyncio
from typing import Any

from bot.messages import BotMessage
from tests.services import redis_prefix


async def test_the_same_message_at_two_workers_is_handled_and_answered_once(
    make_wechat: Any, postgres_url: str, redis_url: str
) -> None:
    shared = {"database_url": postgres_url, "redis_url": redis_url, "redis": {"prefix": redis_prefix()}}
    first = await make_wechat("safe", runtime_overrides=shared)
    second = await make_wechat("safe", runtime_overrides=shared)
    to_first, to_second = first.platform("safe"), second.platform("safe")
    for i in range(5):
        message = to_first.text(f"o_shared_{i}", "你好")
        # WeChat's retry may land on another worker while the first is still answering.
        a, b = await asyncio.gather(to_first.push(message), to_second.push(message))
        assert sorted([a.body == "success", b.body == "success"]) == [False, True]
        assert (a.text or b.text) and "回复数字" in (a.text or b.text or "")
    for i in range(5):
        assert len(await first.events(f"o_shared_{i}", "user")) == 1
    # The workers share one access token: a push from either uses it, and WeChat issued only one.
    await asyncio.gather(
        first.runtime.engine.push("wechat:o_shared_1", [BotMessage(text="医生：请多喝水")], actor="doctor:1"),
        second.runtime.engine.push("wechat:o_shared_2", [BotMessage(text="医生：按时吃药")], actor="doctor:2"),
    )
    assert first.api.tokens_issued == 1
    assert len(first.api.customer_messages()) == 2
