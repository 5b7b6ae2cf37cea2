"""Newcomer trial 3 of issue 10: findings of a first-time user, fixed as classes — in typed Chinese, our own
words, through the real NLU and engine over the REST channel."""
from __future__ import annotations

import httpx
import pytest

from tests.triage.talk import Talk


async def reach(t: Talk, slot: str, opening: str, answers: dict[str, str]) -> None:
    await t.say(opening)
    for _ in range(12):
        if t.waiting == slot or t.level is not None:
            break
        await t.say(answers.get(t.waiting or "", "没有"))
    assert t.waiting == slot, t.asked


def slot(t: Talk, name: str) -> object:
    head, _, code = name.partition(".")
    return (t.slots.get(head) or {}).get(code) if code else t.slots.get(head)


def present(t: Talk) -> set[str]:
    return {f"symptoms.{k}" for k, v in (t.slots.get("symptoms") or {}).items() if v is True}


FEVER = "我发烧了，38度5，两天了"
WHO = {"subject": "我自己", "age": "31岁", "sex": "女", "fever_persists_despite_medication": "没吃退烧药"}


# ---- class 2: an "I can't tell" answer is unknown, never a symptom

@pytest.mark.parametrize("vague", ["说不清", "说不清楚", "这个我也说不清", "不好说", "讲不清", "哎 我真说不清楚"])
async def test_a_vague_answer_is_unknown_and_carries_no_symptom(client: httpx.AsyncClient, vague: str) -> None:
    t = Talk(client, f"n3-vague-{vague}")
    await reach(t, "symptoms.dyspnea", FEVER, WHO)
    await t.say(vague)
    assert slot(t, "symptoms.slurred_speech") in (None, False), t.slots
    assert t.level != "emergency", (t.level, t.rules)
    assert slot(t, "symptoms.dyspnea") == "unknown", slot(t, "symptoms.dyspnea")
    assert "120" not in t.texts[-1] or t.waiting is not None


# ---- class 1: an answer about another symptom is not a yes to the pending one

@pytest.mark.parametrize("other", ["咳得厉害 晚上都睡不了", "主要是咳嗽比较厉害", "就是嗓子疼得厉害"])
async def test_an_answer_about_another_symptom_is_not_a_yes(client: httpx.AsyncClient, other: str) -> None:
    t = Talk(client, f"n3-other-{other}")
    await reach(t, "symptoms.dyspnea", FEVER, WHO)
    await t.say(other)
    assert slot(t, "symptoms.dyspnea") is not True, slot(t, "symptoms.dyspnea")
    said = present(t)
    assert said & {"symptoms.cough", "symptoms.sore_throat"}, said  # the other symptom is recorded
    assert t.waiting == "symptoms.dyspnea"  # asked again (counted towards the re-ask limit)


async def test_the_asked_symptom_said_with_a_degree_word_is_still_a_yes(client: httpx.AsyncClient) -> None:
    t = Talk(client, "n3-same")
    await reach(t, "symptoms.dyspnea", FEVER, WHO)
    await t.say("喘得厉害")
    assert slot(t, "symptoms.dyspnea") is True
