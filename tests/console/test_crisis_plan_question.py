"""Thoughts of not wanting to live without a stated plan: the crisis lines and a person at once, then
the plan question once (criteria: "when a red-flag question is unanswered, the bot asks it"). A plan,
or no answer, keeps the emergency; a clear no is the urgent rule psych.suicidal_thoughts. Someone who
says yes never hears "就算没有计划". Typed Chinese through the real NLU and engine."""
from __future__ import annotations

import asyncio
from typing import Any

import httpx

from bot.consultations import DepartmentAlert, topics
from bot.runtime import Runtime
from tests.console.helpers import on_duty, say, texts, tracker

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


# fix6: the newcomer in the mood screen who answered the plan question with stockpiled pills got the
# generic listening line. A plan gets its own reply: the pills out of reach now, 120, the lines, and
# the doctors on duty alerted with the patient's words.
MOOD_SCREEN = ("我最近心情很不好", "几乎每天", "几乎每天", "好几天", "好几天")


async def _mood_screen_to_the_plan_question(client: httpx.AsyncClient, sender: str) -> None:
    for line in MOOD_SCREEN:
        await say(client, sender, line)
    said = texts(await say(client, sender, "有，想过不想活了"))
    assert PLAN_QUESTION in said, said


async def test_stockpiled_pills_in_the_mood_screen_get_the_plan_reply_and_the_doctor_is_alerted(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.xin", ["psychology"], name="辛医生")
    async with runtime.pubsub.subscribe(topics.department("psychology")) as stream:
        await _mood_screen_to_the_plan_question(client, "pills")
        first = await asyncio.wait_for(anext(stream), 1)  # the emergency of the thoughts themselves
        assert isinstance(first, DepartmentAlert), first
        replies = await say(client, "pills", "攒了一瓶安眠药")
        alert = await asyncio.wait_for(anext(stream), 1)
    said = texts(replies)
    assert "我在听" not in said and NO_PLAN_REPLY not in said, said
    assert "攒了药" in said and "交给家人" in said and "拿不到的地方" in said, said  # the means, out of reach now
    assert "120" in said and "12356" in said and "400-161-9995" in said, said
    assert "我已经通知了值班医生" in said, said
    assert {"/call_120", '/request_doctor{"consult_department": "psychology"}'} <= {
        b["payload"] for m in replies for b in m.get("buttons") or ()}
    assert isinstance(alert, DepartmentAlert) and alert.text == "攒了一瓶安眠药" and alert.alert.level == "emergency"
    assert (await tracker(client, "pills"))["slots"]["triage_level"] == "emergency"


async def test_a_plan_with_nobody_on_duty_says_the_doctors_will_see_it_not_that_one_was_called(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await _mood_screen_to_the_plan_question(client, "rope")
    said = texts(await say(client, "rope", "绳子都买好了"))
    assert "绳子" in said and "我已经通知了值班医生" not in said and "医生一上线就会看到" in said, said
    assert "120" in said and "12356" in said, said


async def test_the_crisis_buttons_typed_act_as_the_buttons(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.xin", ["psychology"], name="辛医生")
    await _mood_screen_to_the_plan_question(client, "typed")
    await say(client, "typed", "攒了一瓶安眠药")
    said = texts(await say(client, "typed", "和心理医生聊聊"))
    assert "我在听" not in said and "心理科" in said, said
    assert ((await tracker(client, "typed")).get("handoff") or {}).get("consultation_id")
