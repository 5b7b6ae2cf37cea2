"""What newcomer trial 5 met, driven in typed words through the real NLU and engine.

1. A child who swallowed someone else's medicine ("把他奶奶的降压药吃了，好像三四片") got "没太明白": an ingestion is
   an emergency whatever the count (criteria: poisoning).
2. "吃了一片泰诺林…可以再吃点感冒灵吗" was an overdose → 120: a second product only asked about is not taken.
3. "我家宝宝20天，今天拉了七八次" stored a 20-day illness and no age: the days after 宝宝 are the baby's age.
4. "还没敢吃药" recorded the medicine asked about as taken.
"""

from __future__ import annotations

import httpx
import pytest

WEBHOOK = "/webhooks/rest/webhook"



async def _open(client: httpx.AsyncClient, sender: str, text: str) -> tuple[str, dict]:
    response = await client.post(WEBHOOK, json={"sender": sender, "message": text})
    assert response.status_code == 200, response.text
    said = "\n".join(r.get("text", "") for r in response.json())
    return said, (await client.get(f"/conversations/{sender}/tracker")).json()


@pytest.mark.parametrize("opening", [
    "我家小孙子刚把他爷爷的降糖药吃了 好像两片 才三岁",
    "女儿趁我不注意把我的安眠药吞了几颗，她四岁",
    "宝宝不小心把外婆的降压药片嚼了",
])
async def test_a_child_who_swallowed_someone_elses_medicine_is_an_emergency(client: httpx.AsyncClient,
                                                                             opening: str) -> None:
    said, tracker = await _open(client, f"ingest-{abs(hash(opening))}", opening)
    assert "120" in said and "没太明白" not in said
    assert tracker["latest_triage"]["level"] == "emergency"


async def test_a_childs_own_fever_medicine_is_not_an_ingestion(client: httpx.AsyncClient) -> None:
    _, tracker = await _open(client, "own-medicine", "孩子吃了退烧药还是烧，三十八度五")
    assert (tracker["slots"].get("symptoms") or {}).get("poisoning") is not True


@pytest.mark.parametrize("opening", [
    "中午吃了一片泰诺林 头还是疼 能不能再吃包感冒灵",
    "对乙酰氨基酚和白加黑能一起吃吗，还没吃",
])
async def test_a_second_product_asked_about_is_no_overdose(client: httpx.AsyncClient, opening: str) -> None:
    said, tracker = await _open(client, f"ask-{abs(hash(opening))}", opening)
    assert (tracker["slots"].get("symptoms") or {}).get("poisoning") is not True, tracker["slots"]
    assert (tracker.get("latest_triage") or {}).get("level") != "emergency"
    assert "compound_cold_medicine" not in (tracker["slots"].get("medications") or {})


async def test_two_products_taken_are_still_an_overdose(client: httpx.AsyncClient) -> None:
    _, tracker = await _open(client, "both-taken", "吃了两片泰诺林，又喝了一包感冒灵，会不会有事")
    assert tracker["latest_triage"]["level"] == "emergency"


@pytest.mark.parametrize(("opening", "days"), [("我家宝宝20天 今天拉了好几次稀的", 20), ("孩子才二十五天，一直咳", 25)])
async def test_days_after_a_baby_are_its_age_not_the_illness(client: httpx.AsyncClient, opening: str, days: int) -> None:
    _, tracker = await _open(client, f"days-{days}", opening)
    slots = tracker["slots"]
    assert slots.get("age") == pytest.approx(days / 365, abs=0.002), slots
    assert slots.get("duration_hours") != days * 24


async def test_not_dared_to_take_is_not_taken(client: httpx.AsyncClient) -> None:
    _, tracker = await _open(client, "not-dared", "我怀孕五个月，发烧三十八度一，还没敢吃药，能吃布洛芬吗")
    assert "ibuprofen" not in (tracker["slots"].get("medications") or {})
