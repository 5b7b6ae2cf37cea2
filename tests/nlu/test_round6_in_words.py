"""Round 6 of issue 11 through the real engine (REST channel): a stroke said to be happening now fills the slot the
triage rule neuro.stroke_signs reads and decides an emergency; a stroke in the past does neither."""
from __future__ import annotations

import httpx

from tests.triage.talk import Talk


async def test_a_stroke_now_is_an_emergency_and_a_past_one_is_history(client: httpx.AsyncClient) -> None:
    now = Talk(client, "nlu6-stroke-now")
    await now.say("我爸刚才好像中风了")
    await now.until({"subject": "我爸", "age": "72岁"}, default="没有")
    assert (now.slots.get("symptoms") or {}).get("fast_signs") is True, now.slots
    assert now.level == "emergency", (now.asked, now.rules)
    assert "neuro.stroke_signs" in now.rules

    past = Talk(client, "nlu6-stroke-past")
    await past.say("我爸前年中风过，这两天流鼻涕打喷嚏")
    assert (past.slots.get("symptoms") or {}).get("fast_signs") is not True, past.slots
    assert (past.slots.get("conditions") or {}).get("stroke_history") is True, past.slots
