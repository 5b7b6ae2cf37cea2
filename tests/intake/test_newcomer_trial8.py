"""What newcomer trial 8 met, driven in typed words through the real NLU and engine.

6. "那头孢能和酒一起吗 昨晚喝了点啤酒" got "no reliable answer" though combinations.yml lists 头孢 + alcohol.
"""

from __future__ import annotations

import httpx
import pytest

from tests.intake.conftest import say_texts






@pytest.mark.parametrize("text", [
    "那头孢能和酒一起吗 昨晚喝了点啤酒",
    "吃了两天头孢，昨晚喝了点酒要紧吗",
    "头孢吃完第二天能喝白酒吗",
])
async def test_alcohol_words_with_a_cephalosporin_get_the_disulfiram_warning(client: httpx.AsyncClient,
                                                                             text: str) -> None:
    said, _, _ = await say_texts(client, f"alc-{abs(hash(text))}", text)
    assert "双硫仑" in said and "来源" in said and "120" in said, said
    assert "心慌" in said and "气短" in said, said


@pytest.mark.parametrize("answer", ["没量过 摸着不烫", "没体温计，摸着也不烫", "不烫"])
async def test_not_hot_to_the_touch_is_no_fever(client: httpx.AsyncClient, answer: str) -> None:
    sender = f"touch-{abs(hash(answer))}"
    said, _, tracker = await say_texts(client, sender, "孩子3岁，咳嗽两天了")
    for _ in range(8):  # answer "no" until the fever question comes
        if "有没有发烧" in said:
            break
        said, _, tracker = await say_texts(client, sender, "没有")
    assert "有没有发烧" in said, said
    said, _, tracker = await say_texts(client, sender, answer)
    assert (tracker["slots"].get("symptoms") or {}).get("fever") is False, tracker["slots"]
    assert "最高体温" not in said and "发热门诊" not in said, said


@pytest.mark.parametrize("answer", ["一直哭闹 哄不好", "哭个不停，怎么哄都哄不好"])
async def test_inconsolable_crying_is_irritability_not_lethargy(client: httpx.AsyncClient, answer: str) -> None:
    sender = f"cry-{abs(hash(answer))}"
    said, _, tracker = await say_texts(client, sender, "孩子2岁，发烧一天了", "38.5")
    for _ in range(10):  # answer "no" until the alertness question comes
        if "孩子精神怎么样" in said:
            break
        said, _, tracker = await say_texts(client, sender, "没有")
    assert "孩子精神怎么样" in said, said
    said, _, tracker = await say_texts(client, sender, answer)
    symptoms = tracker["slots"].get("symptoms") or {}
    assert symptoms.get("drowsiness") is not True and symptoms.get("irritability") is True, symptoms
    assert "嗜睡" not in said, said


@pytest.mark.parametrize("turns", [
    ("我怀孕5个月了，感冒了，鼻塞流鼻涕，能吃什么药",),
    ("我怀孕5个月了，感冒了，鼻塞流鼻涕", "还没敢吃，想问能不能吃感冒灵"),
    ("怀孕30周了", "嗓子有点疼，可以吃点啥药"),
])
async def test_a_pregnancy_asking_about_medicine_gets_the_pregnancy_guidance(client: httpx.AsyncClient,
                                                                            turns: tuple[str, ...]) -> None:
    said, _, _ = await say_texts(client, f"pregmed-{abs(hash(turns))}", *turns)
    assert "对乙酰氨基酚" in said and "产科医生" in said and "来源" in said, said
    assert "复方感冒药" in said or "布洛芬" in said, said
