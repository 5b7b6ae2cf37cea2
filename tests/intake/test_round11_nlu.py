"""Round 11 of issue 11 (engineer nlu13), through the real NLU and engine: what the new readings do in a conversation.

- A spoken temperature with its tenths before another number (三十八度七一直…) is 38.7, not 38.0.
- Dialect yes and no to the bot's question: 冇 / 毋是 are no, 係呀 / 着啦 yes.
- A symptom named in a general question is now in the NLU's parse (marked `asked`); bot/engine.py sets asked symptoms
  aside, as the NLU itself did before. (The engine still records such a symptom through its own text reader,
  actions/intake_facts.py, as it did before round 11: 拉肚子一般能喝什么 sets symptoms.diarrhea on both trees.)
"""

from __future__ import annotations

import httpx
import pytest

from tests.intake.conftest import say_texts


@pytest.mark.parametrize("text", ["我老公三十八度七一直退不下来", "老婆烧到三十九度二两天了"])
async def test_spoken_tenths_before_another_number_are_the_temperature(client: httpx.AsyncClient, text: str) -> None:
    _, _, tracker = await say_texts(client, f"t11-{abs(hash(text))}", text)
    assert tracker["slots"].get("temperature") in (38.7, 39.2), tracker["slots"]


async def _until_fever_question(client: httpx.AsyncClient, sender: str) -> str:
    said, _, _ = await say_texts(client, sender, "孩子4岁，咳了三天了")
    for _ in range(8):  # answer "no" until the fever question comes
        if "有没有发烧" in said:
            break
        said, _, _ = await say_texts(client, sender, "没有")
    return said


@pytest.mark.parametrize("answer, fever", [("冇啊", False), ("毋是，无烧", False), ("唔係，冇烧", False),
                                           ("係呀", True), ("着啦", True)])
async def test_dialect_yes_and_no_answer_the_fever_question(client: httpx.AsyncClient, answer: str, fever: bool) -> None:
    sender = f"yn11-{abs(hash(answer))}"
    said = await _until_fever_question(client, sender)
    assert "有没有发烧" in said, said
    _, _, tracker = await say_texts(client, sender, answer)
    assert (tracker["slots"].get("symptoms") or {}).get("fever") is fever, tracker["slots"]
