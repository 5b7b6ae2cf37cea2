"""Session seven (fix11c): a question about ONE medicine is answered about that medicine, typed through the real NLU
and engine over REST — never with the article on combining two, never "you should take it"; a child's dose uses the
weight (斤 = 0.5 kg), or asks for it."""
from __future__ import annotations

import pytest

from tests.intake.conftest import say_texts

pytestmark = pytest.mark.asyncio(loop_scope="module")

COMBINING = "能一起吃吗"  # the combination article's title


@pytest.mark.parametrize("text", ["要不要吃布洛芬？", "我能吃布洛芬吗", "布洛芬可以吃吗"])
async def test_whether_to_take_ibuprofen_is_answered_about_ibuprofen(client, text: str) -> None:
    said, replies, _ = await say_texts(client, f"m7-ibu-{hash(text)}", text)
    assert "【布洛芬】" in said and COMBINING not in said
    for caution in ("1.2克", "4～6小时", "怀孕", "溃疡", "肾脏病", "脱水"):
        assert caution in said, caution
    assert "来源：" in said and "不是处方" in said and "药师" in said
    assert "应该吃" not in said and "建议您吃" not in said
    assert "/request_doctor" in [b["payload"] for b in replies[-1]["buttons"]]


async def test_acetaminophen_alone_names_its_daily_maximum_and_the_liver(client) -> None:
    said, _, _ = await say_texts(client, "m7-apap", "扑热息痛能不能吃")
    assert "【对乙酰氨基酚】" in said and COMBINING not in said
    assert "2克" in said and "4～6小时" in said and "肝" in said and "来源：" in said


async def test_a_childs_dose_uses_the_weight_said_in_jin(client) -> None:
    said, _, tracker = await say_texts(client, "m7-child-jin", "孩子两岁 二十四斤 美林一次喂多少")
    # 24斤 = 12 kg: 5–10 mg/kg → 60–120 mg, 3–6 ml of the 20 mg/ml suspension
    assert "12公斤" in said and "60～120毫克" in said and "3～6毫升" in said
    assert "24公斤" not in said and "不是处方" in said
    assert tracker["slots"]["weight_kg"] == 12


async def test_a_childs_dose_without_a_weight_asks_for_it_then_answers(client) -> None:
    said, _, _ = await say_texts(client, "m7-child-ask", "宝宝三岁 泰诺林一次喂多少")
    assert "体重" in said and "毫克/公斤" in said and "约" not in said.split("来源")[0].split("。")[0]
    said, _, _ = await say_texts(client, "m7-child-ask", "30斤")
    # 15 kg × 10–15 mg/kg = 150–225 mg
    assert "15公斤" in said and "150～225毫克" in said


async def test_a_baby_too_young_for_ibuprofen_is_told_so(client) -> None:
    said, _, _ = await say_texts(client, "m7-baby", "宝宝4个月 十二斤 布洛芬喂多少")
    assert "6个月以上" in said and "毫升" not in said


async def test_two_medicines_still_get_the_combination_answer(client) -> None:
    said, _, _ = await say_texts(client, "m7-pair", "布洛芬和对乙酰氨基酚能一起吃吗")
    assert "布洛芬和对乙酰氨基酚能一起吃吗" in said


async def test_weight_in_jin_answers_the_weight_question_in_kg() -> None:
    from bot.answers import numbers_in_own_units
    assert numbers_in_own_units("weight_kg", "二十四斤") == [12.0]
    assert numbers_in_own_units("weight_kg", "12公斤") == [12.0]
    assert numbers_in_own_units("weight_kg", "十七八斤") == [8.5, 9.0]
