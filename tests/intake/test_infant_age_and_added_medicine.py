"""Two classes a fresh blind set showed (round 8 of issue 10, the lead's fixes), driven in typed words.

1. A baby's age said in months, weeks or days to "孩子几岁？" ("一个半月", "两个月零十天", "出生五周") is the
   baby's age — before, "一个半月" was read as 1 year *and* as a 45-day illness (a fever "over 5 days"), so a
   feverish 6-week-old was sent to the fever clinic today instead of 120 (criteria: fever in an infant under
   3 months → emergency).
2. Someone who names a fever medicine and asks about adding another ("再加点感冒药行不行") is asked what they
   took and how much — the second product may share the first's ingredient (criteria: several products with
   the same ingredient → overdose, emergency). Before, a named medicine closed that question.
"""

from __future__ import annotations

import httpx
import pytest

from bot.answers import arabic, infant_age_months, normal


WEBHOOK = "/webhooks/rest/webhook"


async def _say(client: httpx.AsyncClient, sender: str, text: str) -> str:
    response = await client.post(WEBHOOK, json={"sender": sender, "message": text})
    assert response.status_code == 200, response.text
    return "\n".join(r.get("text", "") for r in response.json())


def _answer(question: str) -> str:
    """A patient's typed answer to whatever is asked (never a payload)."""
    for words, answer in (("谁", "我自己"), ("38.5", "是的，还是三十九度"), ("体温", "38度7"), ("多长时间", "前天开始的")):
        if words in question:
            return answer
    return "没有"


async def _tracker(client: httpx.AsyncClient, sender: str) -> dict:
    return (await client.get(f"/conversations/{sender}/tracker")).json()


@pytest.mark.parametrize(
    ("said", "months"),
    [
        ("一个半月", 1.5),
        ("两个月零十天", 2.33),
        ("出生五周", 1.15),
        ("刚满四十五天", 1.48),
        ("半个月", 0.5),
        ("三个半月了，一百零五天", 3.45),  # the same age twice: the younger reading
        ("8个月", 8.0),
    ],
)
def test_an_infants_age_in_months_weeks_or_days(said: str, months: float) -> None:
    assert infant_age_months(arabic(normal(said))) == pytest.approx(months, abs=0.01)


def test_an_age_in_years_is_not_read_as_months() -> None:
    assert infant_age_months(arabic(normal("一岁两个月"))) is None


@pytest.mark.parametrize(
    ("sender", "age_said"),
    [("a1", "一个半月"), ("a2", "两个月零十天"), ("a3", "出生五周"), ("a4", "刚满四十五天")],
)
async def test_a_feverish_baby_under_three_months_is_an_emergency_whatever_the_units(
    client: httpx.AsyncClient, sender: str, age_said: str
) -> None:
    await _say(client, sender, "孩子发烧了，额头烫烫的，家里有人阳了")
    text = await _say(client, sender, age_said)
    for _ in range(6):  # the temperature and whatever else is still asked
        if "120" in text:
            break
        text = await _say(client, sender, "38度3")
    tracker = await _tracker(client, sender)
    assert tracker["latest_triage"]["level"] == "emergency", (age_said, tracker["slots"])
    assert tracker["slots"]["age"] < 0.25
    # the baby's age never became the length of the illness
    assert "duration_hours" not in tracker["slots"] or tracker["slots"]["duration_hours"] < 24 * 7


@pytest.mark.parametrize(
    ("sender", "opening"),
    [
        ("m1", "发烧两天了 吃了布洛芬还是烧 再加点感冒药行不行"),
        ("m2", "孩子他爸发烧，吃了对乙酰氨基酚，能和感冒灵同时吃吗"),
    ],
)
async def test_asking_to_add_a_medicine_brings_the_what_and_how_much_question(
    client: httpx.AsyncClient, sender: str, opening: str
) -> None:
    asked = [await _say(client, sender, opening)]
    for _ in range(8):
        if "吃了多少" in asked[-1]:
            break
        asked.append(await _say(client, sender, _answer(asked[-1])))
    assert "吃了多少" in asked[-1], asked
    text = await _say(client, sender, "泰诺林一次一片吃了四次，又喝了两包感冒灵")
    assert "120" in text
    assert (await _tracker(client, sender))["latest_triage"]["level"] == "emergency"
