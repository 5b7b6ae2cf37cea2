"""A button's title typed on a text channel acts as the button (fix6): a newcomer typed "和心理医生聊聊"
after the crisis reply and got the listening line again; only a tap worked. The engine reads every
message against the buttons just shown, on every channel. Typed Chinese through the real NLU and engine."""
from __future__ import annotations

import httpx

from bot.runtime import Runtime
from tests.console.helpers import on_duty, say, texts, tracker

CHEST_PAIN = "我爸突然胸口剧痛，出了一身冷汗"


async def test_typing_the_120_button_after_an_emergency_is_the_tap(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await say(client, "tapped", CHEST_PAIN)
    tapped = texts(await say(client, "tapped", "/call_120"))
    await say(client, "typed", CHEST_PAIN)
    typed = texts(await say(client, "typed", "拨打120"))
    assert typed == tapped, (typed, tapped)


async def test_a_near_copy_of_a_title_is_that_button_and_a_negated_one_is_not(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.xin", ["psychology"], name="辛医生")
    await say(client, "near", "最近心情很差，不想活了")
    await say(client, "near", "我不想说")  # the crisis listening reply, with its two buttons
    refused = texts(await say(client, "near", "不想和心理医生聊聊"))
    assert not ((await tracker(client, "near")).get("handoff") or {}).get("consultation_id"), refused
    said = texts(await say(client, "near", "我想和心理医生聊聊"))
    assert "心理科" in said, said
    assert ((await tracker(client, "near")).get("handoff") or {}).get("consultation_id")


async def test_a_title_said_with_a_symptom_still_reaches_the_safety_screen(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await say(client, "symptom", "最近心情很差，不想活了")
    await say(client, "symptom", "我不想说")
    said = texts(await say(client, "symptom", "和心理医生聊聊，我胸口剧痛出冷汗"))
    assert "胸痛" in said or "胸口" in said, said  # a new emergency announced, not the queue alone
