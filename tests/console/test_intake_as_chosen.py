"""The console's intake says what the patient chose and puts each fact where it belongs (fix6).

A newcomer tapped the pain button "中（4–6分）" and the console said "5分"; the stockpiled sleeping pills of
a crisis answer appeared under 用药 (medicines taken); "家里就我一个人" changed who the patient is.
Typed Chinese through the real NLU and engine, the button's own payload tapped, then the console API."""
from __future__ import annotations

from typing import Any

import httpx

from bot.runtime import Runtime
from tests.console.helpers import on_duty, say, texts, tracker
from tests.console.test_console_api import queued, sign_in


async def _detail(client: httpx.AsyncClient, sender: str, department: str) -> dict[str, Any]:
    cid = await queued(client, sender, department)
    await sign_in(client, "dr.li")
    return (await client.get(f"/api/console/consultations/{cid}")).json()


async def _to_pain_question(client: httpx.AsyncClient, sender: str) -> list[dict[str, Any]]:
    replies = await say(client, sender, "我肚子疼")
    for _ in range(10):
        if any(b["title"] == "中（4–6分）" for m in replies for b in m.get("buttons") or ()):
            return replies
        replies = await say(client, sender, "没有")
    raise AssertionError(f"the pain score was never asked: {texts(replies)}")


async def test_a_tapped_pain_range_is_shown_as_the_range(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    replies = await _to_pain_question(client, "belly")
    [payload] = [b["payload"] for m in replies for b in m.get("buttons") or () if b["title"] == "中（4–6分）"]
    await say(client, "belly", payload)
    assert (await tracker(client, "belly"))["slots"]["pain_score"] == 5
    answers = (await _detail(client, "belly", "general"))["view"]["answers"]
    [pain] = [a for a in answers if "疼" in a["label"] or "痛" in a["label"]]
    assert pain["value"] == "中（4–6分）", answers


async def test_a_pain_score_said_as_a_number_stays_the_number(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    await _to_pain_question(client, "belly7")
    await say(client, "belly7", "7分")
    answers = (await _detail(client, "belly7", "general"))["view"]["answers"]
    [pain] = [a for a in answers if "疼" in a["label"] or "痛" in a["label"]]
    assert pain["value"] == "7分", answers


async def test_stockpiled_pills_are_the_crisis_plan_not_a_medicine_taken(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["psychology"])
    for line in ("我最近心情很不好", "几乎每天", "几乎每天", "好几天", "好几天", "有，想过不想活了", "攒了一瓶安眠药"):
        await say(client, "plan", line)
    detail = await _detail(client, "plan", "psychology")
    intake, view = detail["intake"], detail["view"]
    assert intake["medications"] == [] and view["medications"] == [], (intake["medications"], view["medications"])
    risks = [r["label"] for r in intake["risk_factors"]]
    assert any("攒了一瓶安眠药" in r and "自杀计划" in r for r in risks), risks


async def test_a_medicine_taken_and_also_named_in_the_plan_stays_a_medicine(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["psychology"])
    for line in ("我最近心情很不好，一直在吃安眠药", "几乎每天", "几乎每天", "好几天", "好几天", "有，想过不想活了",
                 "攒了一瓶安眠药"):
        await say(client, "both", line)
    intake = (await _detail(client, "both", "psychology"))["intake"]
    assert [m["code"] for m in intake["medications"]] == ["sedative"], intake["medications"]


async def test_living_alone_never_changes_the_patient(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    await say(client, "alone", "我妈妈发烧了")
    await say(client, "alone", "不对，家里就我自己一个人")
    assert (await tracker(client, "alone"))["slots"]["subject"] == "parent"
