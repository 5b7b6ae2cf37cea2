"""The per-turn step cap catches a looping flow, never a long but finite walk (issue 10).

An intake whose opening already decides the level (a pregnant woman short of breath with chest
tightness) skips every question that can no longer change the decision, so one turn walks every
complaint's steps. With a cap of 100 that walk was cut off: the flows ended with 'more than 100 steps'
and the patient got "抱歉，我没太明白您的意思" instead of the emergency advice.
"""

from __future__ import annotations

import httpx

from bot.flow_loader import Flow
from bot.runtime import Runtime

WEBHOOK = "/webhooks/rest/webhook"


def _longest_walk(flows: dict[str, Flow], name: str, calling: tuple[str, ...] = ()) -> int:
    """Steps of the longest pass through `name`, every step taken and every call followed."""
    assert name not in calling, f"flow {name} calls itself through {' → '.join(calling)}"
    total = 0
    for step in flows[name].steps:
        total += 1
        if step.kind in ("call", "link"):
            total += _longest_walk(flows, str(step.arg), (*calling, name))
    return total


async def test_the_longest_walk_through_the_shipped_flows_stays_well_under_the_cap(runtime: Runtime) -> None:
    flows = runtime.flows.flows
    longest = max(_longest_walk(flows, name) for name in flows)
    assert longest > 100  # the intake really is longer than the old cap
    assert 2 * longest <= runtime.engine.runner.max_steps


async def test_an_opening_that_decides_the_level_at_once_gets_the_emergency_advice(client: httpx.AsyncClient) -> None:
    for sender, opening in [
        ("p1", "我老婆怀孕七个月，阳了四天，今天说胸口憋气，喘不过来"),
        ("p2", "我怀孕30周了 这两天发烧 刚才开始胸口憋得慌 上不来气 嘴唇都发紫了"),
    ]:
        replies = (await client.post(WEBHOOK, json={"sender": sender, "message": opening})).json()
        text = "\n".join(r.get("text", "") for r in replies)
        assert "没太明白" not in text, text
        assert "120" in text, text
        tracker = (await client.get(f"/conversations/{sender}/tracker")).json()
        assert tracker["latest_triage"]["level"] == "emergency", tracker["latest_triage"]
