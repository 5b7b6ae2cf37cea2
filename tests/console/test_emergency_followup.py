"""After an emergency answer the next messages get help with the situation, not "call 120" again (fix6).

A newcomer played an 80-year-old, confused and alone at home: every message after the emergency got the
same 120 reminder. Alone → 120 now, the dispatcher, the door unlocked, a neighbour or family; cannot call →
someone else calls and the doctors on duty are alerted; "怎么办" → 120 and "tell me if you are alone".
120 stays on every reply. Being alone never changes who the patient is. Typed Chinese, real NLU and engine.
"""
from __future__ import annotations

import asyncio

import httpx

from bot.consultations import DepartmentAlert, consultations, topics
from bot.runtime import Runtime
from tests.console.helpers import on_duty, say, texts, tracker

ELDER = "我80岁了，脑子糊涂，一个人在家"
REMINDER = "您的情况可能很危急，请先拨打120（tel:120）或立即去最近的急诊。"


def _payloads(replies: list[dict[str, object]]) -> set[str]:
    return {str(b["payload"]) for m in replies for b in m.get("buttons") or ()}  # type: ignore[attr-defined]


async def test_alone_at_home_gets_what_to_do_alone_and_120_stays(runtime: Runtime, client: httpx.AsyncClient) -> None:
    first = await say(client, "elder", ELDER)
    assert "120" in texts(first) and (await tracker(client, "elder"))["slots"]["triage_level"] == "emergency"
    for line in ("怎么办", "家里就我一个人"):
        replies = await say(client, "elder", line)
        said = texts(replies)
        assert REMINDER not in said, (line, said)
        assert "120" in said and "/call_120" in _payloads(replies), (line, said)
        assert "锁打开" in said and "邻居" in said and "别挂电话" in said, (line, said)
    state = await tracker(client, "elder")
    assert state["slots"]["triage_level"] == "emergency" and state["slots"]["subject"] == "self"


async def test_cannot_call_alerts_the_doctor_on_duty_with_the_words(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    codes = consultations(runtime).departments.codes()
    await say(client, "nophone", ELDER)
    async with runtime.pubsub.subscribe(topics.department("general")) as stream:
        replies = await say(client, "nophone", "我打不了电话")
        alert = await asyncio.wait_for(anext(stream), 1)
    said = texts(replies)
    assert "我已经把您的情况通知了值班医生" in said and "邻居" in said and "120" in said, said
    assert REMINDER not in said and "/call_120" in _payloads(replies)
    assert isinstance(alert, DepartmentAlert) and alert.text == "我打不了电话" and alert.department in codes


async def test_the_cannot_call_button_tapped_is_the_same_help(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await say(client, "tap", ELDER)
    offered = await say(client, "tap", "家里就我一个人")
    [payload] = [b["payload"] for m in offered for b in m.get("buttons") or () if b["title"] == "我打不了电话"]
    said = texts(await say(client, "tap", payload))
    assert "打不了电话也别着急" in said and "医生一上线就会看到" in said and "120" in said, said


async def test_a_relative_alone_with_the_patient_stays_the_relative(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await say(client, "son", "我爸80岁，突然糊涂了，叫他不怎么应")
    assert (await tracker(client, "son"))["slots"]["subject"] == "parent"
    said = texts(await say(client, "son", "不对，家里就我自己一个人"))
    assert "病人身边" in said and "120" in said, said
    assert (await tracker(client, "son"))["slots"]["subject"] == "parent"


async def test_a_new_red_flag_after_the_emergency_is_still_announced(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await say(client, "new", ELDER)
    said = texts(await say(client, "new", "我一个人在家，现在胸口剧痛，出了一身冷汗"))
    assert "胸痛" in said and "锁打开" not in said, said
