"""What newcomer trial 9 met on the patient's side, typed as a parent would, through the real NLU and engine.

3. A baby was offered adult quick replies (胸痛/胸闷, 怀孕相关, 情绪/睡眠 …) for the main complaint.
4. A newborn with a bloated belly who keeps crying was not understood: the complaint was asked again.
5. Drinking in small sips was read as refusing to drink.
2. (the patient's side of it) a corrected fact was told back as a code or a stored number ("已更正：就诊人 spouse").
6. A fever first guessed and then measured absent stayed a fever; a measured fever was dropped for a vague "no".
"""

from __future__ import annotations

import httpx
import pytest

from tests.intake.conftest import say_texts

ADULT_ONLY = ("胸痛/胸闷", "头痛/头晕", "尿痛/尿频", "怀孕相关", "情绪/睡眠")


def _titles(replies: list[dict]) -> list[str]:
    return [b["title"] for r in replies for b in r.get("buttons", [])]


async def _answer_no_until(client: httpx.AsyncClient, sender: str, said: str, question: str,
                           tracker: dict, turns: int = 10) -> tuple[str, dict]:
    for _ in range(turns):
        if question in said:
            break
        said, _, tracker = await say_texts(client, sender, "没有")
    assert question in said, said
    return said, tracker


@pytest.mark.parametrize("opening", ["宝宝才3个月，身体不舒服", "我家娃才40天，有点不舒服", "小宝宝10个月大，不舒服"])
async def test_a_baby_is_not_offered_the_adult_complaints(client: httpx.AsyncClient, opening: str) -> None:
    said, replies, _ = await say_texts(client, f"babybtn-{abs(hash(opening))}", opening)
    titles = _titles(replies)
    assert "主要是哪里不舒服" in said and "发热/新冠" in titles and "腹痛/呕吐/腹泻" in titles, (said, titles)
    assert not set(ADULT_ONLY) & set(titles), titles


async def test_an_adult_woman_still_gets_every_complaint(client: httpx.AsyncClient) -> None:
    said, replies, _ = await say_texts(client, "adultbtn", "我妈最近不太舒服")
    assert set(ADULT_ONLY) <= set(_titles(replies)), said


async def test_a_young_child_is_not_offered_pregnancy(client: httpx.AsyncClient) -> None:
    said, replies, _ = await say_texts(client, "childbtn", "儿子6岁，不舒服")
    titles = _titles(replies)
    assert "怀孕相关" not in titles and "胸痛/胸闷" in titles, (said, titles)


@pytest.mark.parametrize("opening", [
    "宝宝出生十几天，肚子鼓鼓的，一直在哭",
    "我闺女生下来才半个月，肚子胀胀的，哭个不停",
    "新生儿18天，腹胀，老是哭",
    "孩子刚出生两周多，肚皮鼓鼓的，不停地哭",
])
async def test_a_newborn_with_a_bloated_belly_crying_is_understood_and_seen_today(client: httpx.AsyncClient,
                                                                                  opening: str) -> None:
    sender = f"newborn-{abs(hash(opening))}"
    said, _, tracker = await say_texts(client, sender, opening)
    assert "主要是哪里不舒服" not in said, said  # understood, not asked again
    symptoms = tracker["slots"].get("symptoms") or {}
    assert symptoms.get("abdominal_distension") is True and symptoms.get("irritability") is True, tracker["slots"]
    for _ in range(14):
        if "分诊建议" in said:
            break
        said, _, tracker = await say_texts(client, sender, "没有")
    assert tracker["slots"].get("triage_level") == "urgent", (said, tracker["slots"])
    assert "今天内到医院" in said, said


async def test_a_young_baby_with_only_a_bloated_belly_is_seen_today(client: httpx.AsyncClient) -> None:
    sender = "distended-only"
    said, _, tracker = await say_texts(client, sender, "宝宝一个多月，肚子胀得厉害")
    assert (tracker["slots"].get("symptoms") or {}).get("abdominal_distension") is True, tracker["slots"]
    for _ in range(14):
        if "分诊建议" in said:
            break
        said, _, tracker = await say_texts(client, sender, "没有")
    assert tracker["slots"].get("triage_level") == "urgent", (said, tracker["slots"])


async def test_an_adult_who_keeps_crying_is_not_an_irritable_baby(client: httpx.AsyncClient) -> None:
    _, _, tracker = await say_texts(client, "adultcry", "我最近心情很差，一直哭")
    assert (tracker["slots"].get("symptoms") or {}).get("irritability") is not True, tracker["slots"]


@pytest.mark.parametrize("answer", ["一小口一小口地喝水", "水喝得少，只喝一点点", "一口一口地喂，能喝进去一些", "喝得少"])
async def test_small_sips_are_drinking_not_refusing(client: httpx.AsyncClient, answer: str) -> None:
    sender = f"sips-{abs(hash(answer))}"
    said, _, tracker = await say_texts(client, sender, "孩子2岁，拉肚子一天了")
    said, tracker = await _answer_no_until(client, sender, said, "吃奶或吃饭怎么样", tracker)
    said, _, tracker = await say_texts(client, sender, answer)
    assert (tracker["slots"].get("symptoms") or {}).get("refusal_to_feed") is False, tracker["slots"]


@pytest.mark.parametrize("answer", ["一口都不肯喝", "喂不进去，推开奶瓶"])
async def test_a_refusal_is_still_a_refusal(client: httpx.AsyncClient, answer: str) -> None:
    sender = f"refuse-{abs(hash(answer))}"
    said, _, tracker = await say_texts(client, sender, "孩子2岁，拉肚子一天了")
    said, tracker = await _answer_no_until(client, sender, said, "吃奶或吃饭怎么样", tracker)
    said, _, tracker = await say_texts(client, sender, answer)
    assert (tracker["slots"].get("symptoms") or {}).get("refusal_to_feed") is True, tracker["slots"]


@pytest.mark.parametrize("turns", [
    ("孩子3岁，咳嗽两天，好像有点发烧", "刚量了体温，不烧"),
    ("我咳嗽流鼻涕，感觉有点发热", "用体温计测了一下，没发烧"),
    ("宝宝咳嗽，摸着额头有点烫", "没有", "没有", "没有", "量了一下，体温正常"),
    ("孩子5岁，流鼻涕，好像有点低烧", "他没发烧呀"),
    ("我嗓子疼，感觉有点发热", "其实没有发烧"),
])
async def test_a_guessed_fever_measured_absent_is_no_fever(client: httpx.AsyncClient, turns: tuple[str, ...]) -> None:
    _, _, tracker = await say_texts(client, f"guess-{abs(hash(turns))}", *turns)
    slots = tracker["slots"]
    assert (slots.get("symptoms") or {}).get("fever") is False and slots.get("fever_resolved") is not True, slots


@pytest.mark.parametrize("turns", [
    ("孩子3岁，发烧咳嗽两天了", "量了不烧"),  # said plainly, then measured: it was there and is gone
    ("孩子3岁，咳嗽两天，好像有点烧", "好像不烧了"),  # a guess, then a hedged "no": no firmer than the guess
])
async def test_a_fever_not_replaced_is_resolved(client: httpx.AsyncClient, turns: tuple[str, ...]) -> None:
    _, _, tracker = await say_texts(client, f"resolved-{abs(hash(turns))}", *turns)
    slots = tracker["slots"]
    assert (slots.get("symptoms") or {}).get("fever") is True and slots.get("fever_resolved") is True, slots


@pytest.mark.parametrize("denial", ["应该不烧吧", "感觉不怎么烧了吧", "好像没发烧"])
async def test_a_measured_fever_is_not_replaced_by_a_vague_no(client: httpx.AsyncClient, denial: str) -> None:
    _, _, tracker = await say_texts(client, f"measured-{abs(hash(denial))}", "孩子3岁，咳嗽，量了38.6度", denial)
    slots = tracker["slots"]
    assert slots.get("temperature") == 38.6 and (slots.get("symptoms") or {}).get("fever") is not False, slots


@pytest.mark.parametrize("turns, words, raw", [
    (("我咳嗽三天了", "不对，是我老公咳嗽"), "就诊人 配偶", "spouse"),
    (("宝宝7个月，咳嗽", "说错了，宝宝8个月"), "年龄 8个月", "0.67"),
    (("我头疼一天了", "不对，是我爸头疼"), "就诊人 父母", "parent"),
])
async def test_a_corrected_fact_is_told_back_in_words(client: httpx.AsyncClient, turns: tuple[str, ...], words: str,
                                                     raw: str) -> None:
    said, _, _ = await say_texts(client, f"corrected-{abs(hash(turns))}", *turns)
    assert "已更正" in said and words in said and raw not in said, said
