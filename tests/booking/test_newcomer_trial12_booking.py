"""Newcomer trial 12, booking: the sample doctor read "张敏（示例）" to patients, and "第一个" at the hour question picked
nothing. A sample roster says so once, in a plain note, never in a doctor's name; a choice said by its place
(第一个 / 第二个 / 头一个 / 最后一个, and the digit) picks that button. Typed Chinese through the real NLU and engine (REST)."""
from __future__ import annotations

import pytest
import httpx

from bot.runtime import Runtime
from tests.booking.helpers import bind_card, buttons, say, texts
from tests.booking.test_booking_over_rest import booking_runtime, http  # noqa: F401 (fixtures)


async def test_sample_roster_is_said_once_in_a_note_never_in_a_name(booking_runtime: Runtime,  # noqa: F811
                                                                     http: httpx.AsyncClient) -> None:  # noqa: F811
    await bind_card(http, "p_sample")
    offered = await say(http, "p_sample", "我想约明天上午全科的号")
    said = texts(offered)
    assert "示例排班" in said, said
    assert all("示例" not in b["title"] for b in buttons(offered)), buttons(offered)
    assert any("张敏" in b["title"] for b in buttons(offered)), buttons(offered)
    confirm = texts(await say(http, "p_sample", "1"))
    assert "张敏" in confirm and "示例" not in confirm, confirm
    # Once per conversation: the next booking does not repeat it.
    await say(http, "p_sample", "不对")
    again = texts(await say(http, "p_sample", "我想约后天下午全科的号"))
    assert "示例排班" not in again, again


@pytest.mark.parametrize("answer, place", [("第一个", 0), ("头一个", 0), ("我要第二个", 1), ("最后一个吧", -1), ("1", 0)])
async def test_a_slot_chosen_by_its_place(booking_runtime: Runtime, http: httpx.AsyncClient,  # noqa: F811
                                          answer: str, place: int) -> None:
    sender = f"p_ord_{abs(hash(answer))}"
    await bind_card(http, sender)
    offered = buttons(await say(http, sender, "帮我约明天的全科"))
    hours = [b["title"] for b in offered]
    assert len(hours) >= 2, hours
    confirm = texts(await say(http, sender, answer))
    assert "请确认预约信息" in confirm, confirm
    assert hours[place].split(" ")[0] in confirm, (hours[place], confirm)
