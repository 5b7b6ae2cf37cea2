"""Thoughts of not wanting to live without a stated plan: the crisis lines and a person at once, then
the plan question once (criteria: "when a red-flag question is unanswered, the bot asks it"). A plan,
or no answer, keeps the emergency; a clear no is the urgent rule psych.suicidal_thoughts. Someone who
says yes never hears "就算没有计划". Typed Chinese through the real NLU and engine."""
from __future__ import annotations

from typing import Any

import httpx

from bot.runtime import Runtime
from tests.console.helpers import say, texts

OPENING = "我觉得活着也没什么意思"
PLAN_QUESTION = "有没有想好具体怎么做"
NO_PLAN_REPLY = "就算没有计划"


def _levels(replies: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    return [(m["custom"]["triage"]["level"], list(m["custom"]["triage"]["rules"]))
            for m in replies if (m.get("custom") or {}).get("triage")]


async def _opened(client: httpx.AsyncClient, sender: str) -> None:
    replies = await say(client, sender, OPENING)
    said = texts(replies)
    assert _levels(replies) and _levels(replies)[0][0] == "emergency", replies
    assert "12356" in said and any(b["title"] == "转人工医生" for m in replies for b in m.get("buttons") or ()), said
    assert PLAN_QUESTION in said and said.index("12356") < said.index(PLAN_QUESTION), said


async def test_a_clear_no_is_the_urgent_rule_with_the_gentle_reply(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await _opened(client, "no-plan")
    replies = await say(client, "no-plan", "没有，没想过怎么做，就是心里难受")
    assert _levels(replies) == [("urgent", ["psych.suicidal_thoughts"])], replies
    assert "12356" in texts(replies)


async def test_a_plan_keeps_the_emergency_and_never_hears_no_plan(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await _opened(client, "plan")
    replies = await say(client, "plan", "有，药都攒好了")
    said = texts(replies)
    assert NO_PLAN_REPLY not in said and "12356" in said and PLAN_QUESTION not in said, said
    assert all(level == "emergency" for level, _ in _levels(replies)), replies
    later = texts(await say(client, "plan", "我不想打电话"))
    assert NO_PLAN_REPLY not in later and PLAN_QUESTION not in later, later


async def test_no_answer_keeps_the_emergency_and_the_question_is_asked_once(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await _opened(client, "silent")
    said = texts(await say(client, "silent", "我不想说"))
    assert NO_PLAN_REPLY not in said and PLAN_QUESTION not in said and "12356" in said, said
