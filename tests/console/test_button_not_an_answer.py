"""A button of another action (转发热门诊) is not the answer to the pending question: a newcomer tapped
it while the pain score was asked and the console recorded the pain score as 不清楚. Typed Chinese
through the real NLU and engine, then the button's payload."""
from __future__ import annotations

import httpx

from bot.runtime import Runtime
from tests.console.helpers import on_duty, say, tracker


async def test_a_transfer_button_leaves_the_pending_pain_score_unanswered(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["fever"])
    sender = "belly"
    await say(client, sender, "我肚子疼")
    for _ in range(10):
        state = await tracker(client, sender)
        waiting = state["stack"][-1]["waiting_for"] if state.get("stack") else None
        if waiting == "pain_score":
            break
        await say(client, sender, "没有")
    else:
        raise AssertionError(f"the pain score was never asked: {state.get('stack')}")
    offered = await say(client, sender, "转人工")
    said = "\n".join(str(m.get("text") or "") for m in offered)
    assert "全科近期没有安排在线医生值班" in said, said
    assert (await tracker(client, sender))["slots"].get("pain_score") is None, "after 转人工"
    [payload] = [b["payload"] for m in offered for b in m.get("buttons") or () if b["title"] == "转发热门诊"]
    await say(client, sender, payload)
    state = await tracker(client, sender)
    assert state["slots"].get("pain_score") in (None, ""), state["slots"].get("pain_score")
    assert (state.get("handoff") or {}).get("consultation_id"), state.get("handoff")
