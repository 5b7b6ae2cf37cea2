"""Nobody on duty in the department asked for: the bot offers what exists, never the same question again.

Typed Chinese through the real NLU and engine: a parent finishes the intake of a feverish 3-year-old,
answers the bot's offer of an online doctor with "好，转在线医生", and 儿科 has nobody rostered.
"""
from __future__ import annotations

import httpx

from bot.runtime import Runtime
from tests.console.helpers import on_duty, say, texts, tracker

OFFER = "转在线医生吗"


async def _to_the_offer(client: httpx.AsyncClient, sender: str) -> list[dict[str, object]]:
    replies: list[dict[str, object]] = []
    for message in ["孩子发烧了", "3岁", "39度", "两天了"] + ["没有"] * 20:
        replies = await say(client, sender, message)
        if OFFER in texts(replies):
            return replies
    raise AssertionError(f"the intake never offered a doctor: {texts(replies)}")


def _titles(replies: list[dict[str, object]]) -> list[str]:
    return [str(b["title"]) for m in replies for b in m.get("buttons", [])]  # type: ignore[attr-defined]


async def test_a_child_with_no_pediatrician_on_duty_is_offered_general_practice_not_the_same_question(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["fever"])  # fever does not see children in config.yml's sees_children
    await on_duty(runtime, "dr.wang", ["general"], name="王医生")
    await _to_the_offer(client, "parent")
    replies = await say(client, "parent", "好，转在线医生")
    said = texts(replies)
    assert "儿科近期没有安排在线医生值班" in said, said
    assert OFFER not in said and "接着刚才的问题" not in said, said
    assert "全科有医生在线，也能给孩子看" in said and "发热门诊" not in said, said
    assert "转全科" in _titles(replies) and "拨打120" in _titles(replies)
    assert "电话" in said  # the hospital's phone (or that it is not configured) and its booking channel
    state = await tracker(client, "parent")
    assert not state["stack"] or all(f.get("waiting_for") != "wants_doctor" for f in state["stack"]), state["stack"]
    # The offered button queues the child with the general practitioner on duty.
    queued = texts(await say(client, "parent", '/request_doctor{"consult_department": "general"}'))
    assert "全科" in queued and "第 1 位" in queued, queued


async def test_nobody_anywhere_gives_the_hospital_and_120_and_a_yes_again_is_not_a_loop(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await _to_the_offer(client, "parent")
    first = await say(client, "parent", "好，转在线医生")
    said = texts(first)
    assert "其他科室现在也没有能接诊的在线医生" in said and "120" in said and "电话" in said, said
    assert OFFER not in said, said
    again = texts(await say(client, "parent", "好"))
    assert OFFER not in again, again
