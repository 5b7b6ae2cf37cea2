"""Newcomer trial 10 (lead's fixes): typed Chinese through the real NLU and engine, and the channels' text."""
from __future__ import annotations

import httpx
import pytest

from bot.messages import BotMessage, without_tel_links
from integrations.telegram.rendering import to_telegram
from integrations.wechat.rendering import message_text
from tests.intake.conftest import say_texts


# 头 inside another body word is not the head: "浑身骨头痛" put 头痛 in the doctor's summary and asked the
# worst-headache question of a feverish man with aching bones.
@pytest.mark.parametrize("opening", ["发烧三十九度多，浑身骨头痛", "烧了两天，骨头缝里都疼", "手指头痛了好几天，有点肿"])
async def test_a_bone_or_finger_is_not_the_head(client: httpx.AsyncClient, opening: str) -> None:
    said, _, tracker = await say_texts(client, f"t10-bone-{abs(hash(opening)) % 10**8}", opening)
    assert tracker["slots"].get("symptoms", {}).get("headache") is not True, (said, tracker["slots"].get("symptoms"))


@pytest.mark.parametrize("opening", ["头痛了一上午，太阳穴胀", "额头疼得厉害"])
async def test_the_head_still_is(client: httpx.AsyncClient, opening: str) -> None:
    said, _, tracker = await say_texts(client, f"t10-head-{abs(hash(opening)) % 10**8}", opening)
    assert tracker["slots"].get("symptoms", {}).get("headache") is True, (said, tracker["slots"].get("symptoms"))


def test_channels_that_cannot_dial_show_no_tel_link() -> None:
    """"请立即拨打120（tel:120）" showed the raw link text on WeChat, Telegram and the terminal chat; the web chat turns
    it into a link to dial (tests/web/test_browser.py), so the REST text keeps it."""
    text = "⚠️ 可能危及生命。请立即拨打120（tel:120）或去最近的急诊。"
    assert without_tel_links(text) == "⚠️ 可能危及生命。请立即拨打120或去最近的急诊。"
    assert without_tel_links("Call 120 now (tel:120).") == "Call 120 now."
    message = BotMessage(text=text)
    assert "tel:" not in (message_text(message, "回复数字：") or "")
    assert all("tel:" not in (out.text or "") for out in to_telegram(message))


async def test_a_parents_correction_keeps_the_child_and_is_said_in_words(client: httpx.AsyncClient) -> None:
    """"大便里没有血啊 我是说尿少": 我是说 is a way of speaking, not the parent becoming the patient; the correction is
    repeated back in words (it said "就诊人是self")."""
    said, _, _ = await say_texts(client, "t10-correct", "我家孩子两岁，拉肚子拉了一天，大便里有血")
    assert "120" in said, said
    said, _, tracker = await say_texts(client, "t10-correct", "不对不对，大便里没有血，我是说尿少")
    assert "self" not in said and "就诊人" not in said, said
    assert tracker["slots"].get("subject") == "child", tracker["slots"].get("subject")


async def test_i_said_it_wrong_is_no_change_of_patient(client: httpx.AsyncClient) -> None:
    """Session seven: "我说错了 / 我打错了" opening a parent's correction set 就诊人是本人 (found by console7)."""
    said, _, _ = await say_texts(client, "s7-saidwrong", "我家闺女三岁，拉肚子一天了，大便里有血")
    assert "120" in said, said
    said, _, tracker = await say_texts(client, "s7-saidwrong", "我打错了，大便里没有血，是尿少")
    assert "就诊人" not in said, said
    assert tracker["slots"].get("subject") == "child", tracker["slots"].get("subject")
