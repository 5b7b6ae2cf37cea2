"""While waiting for 120 the patient is told one way to place the sick person, never two that contradict
(a newcomer met "坐下或半躺" and "让患者躺下、头偏向一侧" for one heart attack); advice that places no one
(bleeding, poisoning, suicide, chemical in the eye, an infant) is always added. Unit, then words."""
from __future__ import annotations

import httpx
import pytest

from actions.triage.announce import waiting_advice
from bot.runtime import Runtime
from tests.console.helpers import say


def test_one_placing_advice_plus_every_other() -> None:
    assert waiting_advice(["chest_pain", "stroke"]) == ["chest_pain"]
    assert waiting_advice(["stroke", "unconscious", "poisoning"]) == ["unconscious", "poisoning"]
    assert waiting_advice(["breathing", "general", "breathing"]) == ["breathing"]
    assert waiting_advice(["suicide", "poisoning"]) == ["suicide", "poisoning"]
    assert waiting_advice([]) == []


@pytest.mark.asyncio
async def test_a_heart_attack_with_a_numb_arm_gets_one_way_to_wait(runtime: Runtime, client: httpx.AsyncClient) -> None:
    replies = await say(client, "wait-1", "我老公胸口闷得慌，出了一身汗，左胳膊也麻")
    waiting = [m["text"] for m in replies if m.get("text", "").startswith("等待急救时")]
    assert any("120" in m.get("text", "") for m in replies)
    assert len(waiting) == 1, waiting


@pytest.mark.asyncio
async def test_after_the_emergency_the_family_waiting_or_refusing_gets_an_answer_not_the_same_reminder(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await say(client, "wait-2", "我老公胸口疼，出冷汗")
    waiting = " ".join(m.get("text", "") for m in await say(client, "wait-2", "打了，救护车说要二十分钟才到，这期间我该干嘛"))
    assert "等待急救时" in waiting and "接救护车" in waiting and "请先拨打120" not in waiting
    refusing = " ".join(m.get("text", "") for m in await say(client, "wait-2", "他不愿意去医院"))
    assert "让急救医生到家里评估" in refusing
    # A message that says none of those situations gets the reminder. ("我就是想问问" used to be that message;
    # since the intent threshold is calibrated at 0.25 it reads as wanting a doctor, which is offered — and, with
    # nobody on duty, answered with 120 too.)
    other = " ".join(m.get("text", "") for m in await say(client, "wait-2", "我先看看情况"))
    assert "请先拨打120" in other
