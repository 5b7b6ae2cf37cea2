"""Session seven (fix11c): naming a doctor while booking ("张医生的") books with that doctor or says honestly that the
roster has no such doctor — never a queue for whichever online doctor is on duty. Typed over REST."""
from __future__ import annotations

import pytest

from tests.booking.helpers import bind_card
from tests.intake.conftest import say_texts

pytestmark = pytest.mark.asyncio(loop_scope="module")

QUEUED = ("排队", "转接", "在线医生值班")


def _no_handoff(said: str, tracker: dict) -> None:
    assert not any(word in said for word in QUEUED), said
    assert not (tracker.get("handoff") or {}).get("status")


async def test_a_doctor_of_the_roster_named_in_booking_books_with_that_doctor(client) -> None:
    await bind_card(client, "s7-book-zhang")
    said, _, _ = await say_texts(client, "s7-book-zhang", "我要预约挂号")
    assert "哪个科室" in said
    said, replies, tracker = await say_texts(client, "s7-book-zhang", "张医生的")
    _no_handoff(said, tracker)
    assert "全科" in said and any(b["payload"].startswith("/booking_choose") for b in replies[-1]["buttons"])
    assert tracker["slots"]["booking_doctor"] == "gen-zhang"


async def test_a_doctor_the_roster_does_not_list_is_said_honestly_with_the_departments(client) -> None:
    await bind_card(client, "s7-book-zhao")
    await say_texts(client, "s7-book-zhao", "我要预约挂号")
    said, replies, tracker = await say_texts(client, "s7-book-zhao", "赵医生的")
    _no_handoff(said, tracker)
    assert "没有找到“赵医生”" in said
    assert [b["title"] for b in replies[-1]["buttons"]][:2] == ["儿科", "呼吸内科"]


async def test_a_doctor_named_before_the_card_is_bound_asks_for_the_card_not_a_queue(client) -> None:
    said, _, tracker = await say_texts(client, "s7-book-nocard", "约李大夫")
    _no_handoff(said, tracker)
    assert "绑定就诊卡" in said


async def test_asking_for_a_doctor_in_general_still_hands_off(client) -> None:
    said, _, _ = await say_texts(client, "s7-book-human", "我要找医生")
    assert "没有找到" not in said and ("在线医生" in said or "排队" in said)
