"""What newcomer trial 6 met, driven in typed words through the real NLU and engine.

1. A pregnant woman asking what to take got the general fever-medicine article suggesting 布洛芬.
2. "头孢和布洛芬能一起吃吗" was never answered: two medicines asked about together get cited general information.
3. A 20-day-old was asked about walking and a 0–10 pain score: such questions are skipped or asked in a baby's words.
4. "你是男的女的" (to the bot) set the patient's sex.
5. "我要是叫不醒怎么办" (a supposition) recorded the patient as unresponsive.
"""

from __future__ import annotations

import httpx
import pytest

from actions.guidance.content import default_content
from actions.guidance.selection import select
from tests.intake.conftest import TEXT_KEYS, say_texts






def _suggests_ibuprofen(said: str) -> bool:
    """布洛芬 named other than in a warning not to take it."""
    for warning in ("不要自行吃布洛芬", "不要自行服用布洛芬", "布洛芬片说明书（孕妇禁用）"):
        said = said.replace(warning, "")
    return "布洛芬" in said


@pytest.mark.parametrize("turns", [
    ("我现在怀孕六个月了", "这两天发烧三十八度多，吃点啥药能退烧"),
    ("怀孕20周了，嗓子疼得厉害，头也疼，有什么药能吃",),
    ("我是孕妇", "发烧了，退烧药吃哪个好"),
])
async def test_a_known_pregnancy_never_gets_ibuprofen(client: httpx.AsyncClient, turns: tuple[str, ...]) -> None:
    said, _, _ = await say_texts(client, f"preg-{abs(hash(turns))}", *turns)
    assert not _suggests_ibuprofen(said), said


def test_home_care_for_a_pregnancy_names_no_ibuprofen() -> None:
    content = default_content()
    for slots in ({"pregnant": True, "symptoms": {"fever": True, "sore_throat": True, "headache": True, "myalgia": True}},
                  {"pregnancy_weeks": 24.0, "temperature": 38.6},
                  {"conditions": {"pregnancy": True}, "age": 70, "symptoms": {"fever": True}}):
        text = "\n".join(select(content, slots).messages(content, "zh"))
        assert "对乙酰氨基酚" in text and not _suggests_ibuprofen(text), text


@pytest.mark.parametrize(("text", "expected"), [
    ("头孢跟布洛芬可以同时吃吗", "处方药"),
    ("头孢 + 布洛芬?", "处方药"),
    ("在吃头孢，晚上能喝酒吗", "双硫仑"),
    ("泰诺林和白加黑可以一起吃吗", "对乙酰氨基酚"),
])
async def test_two_medicines_asked_together_get_cited_information(client: httpx.AsyncClient, text: str,
                                                                  expected: str) -> None:
    said, _, _ = await say_texts(client, f"combo-{abs(hash(text))}", text)
    assert expected in said and "来源" in said, said


@pytest.mark.parametrize("text", ["必理通和感冒灵能一块吃吗", "头孢 + 布洛芬?"])
async def test_medicines_asked_about_together_are_not_taken(client: httpx.AsyncClient, text: str) -> None:
    said, _, tracker = await say_texts(client, f"asked-{abs(hash(text))}", text)
    assert "120急救" not in said and (tracker.get("latest_triage") or {}).get("level") != "emergency"
    assert not [m for m, v in (tracker["slots"].get("medications") or {}).items() if v is True], tracker["slots"]


async def test_a_pregnant_woman_asking_about_ibuprofen_with_another_is_told_not_to(client: httpx.AsyncClient) -> None:
    said, _, _ = await say_texts(client, "combo-pregnant", "我怀孕七个月", "头孢跟布洛芬能一起吃不")
    assert "不要自己吃" in said and "对乙酰氨基酚" in said and "一般没有需要特别注意" not in said, said


async def test_a_pair_it_does_not_know_is_not_judged(client: httpx.AsyncClient) -> None:
    said, replies, _ = await say_texts(client, "combo-unknown", "布洛芬和连花清瘟能一起吃吗")
    assert "没法帮您判断" in said and "药师" in said
    assert any(b.get("payload") == "/request_doctor" for r in replies for b in r.get("buttons", []))


@pytest.mark.parametrize("turns", [
    ("宝宝才十个月，拉肚子一天了，好像肚子疼",),
    ("我家宝宝20天，今天一直吐奶，肚子鼓鼓的",),
])
async def test_a_baby_is_not_asked_to_walk_or_score_a_pain(client: httpx.AsyncClient, turns: tuple[str, ...]) -> None:
    sender = f"baby-{abs(hash(turns))}"
    said, replies, tracker = await say_texts(client, sender, *turns)
    for _ in range(12):  # answer "没有"/the first button until the intake ends
        asked = [TEXT_KEYS.get(r.get("text", "")) for r in replies]
        assert "utter_ask_pain_score" not in asked or "哭" in said, said
        assert not any(word in said for word in ("走路", "0–10", "站起来", "说话不清")), said
        buttons = [b["payload"] for r in replies for b in r.get("buttons", [])]
        if tracker.get("latest_triage") or not buttons:
            break
        said, replies, tracker = await say_texts(client, sender, buttons[-1] if "false" in buttons[-1] else buttons[0])


@pytest.mark.parametrize("text", ["你是男的女的", "您是男生还是女生啊", "你是机器人吗？"])
async def test_a_question_to_the_bot_sets_no_patient_fact(client: httpx.AsyncClient, text: str) -> None:
    said, _, tracker = await say_texts(client, f"bot-{abs(hash(text))}", text)
    assert "问诊助手" in said
    assert tracker["slots"].get("sex") is None


async def test_a_question_to_the_bot_mid_intake_carries_on(client: httpx.AsyncClient) -> None:
    said, _, tracker = await say_texts(client, "bot-mid", "我发烧三十八度五", "你到底是男的还是女的")
    assert "问诊助手" in said and "多长时间" in said
    assert tracker["slots"].get("sex") is None


@pytest.mark.parametrize("turns", [
    ("发烧三十八度五", "我要是叫不醒怎么办…哈哈 没有"),
    ("孩子发烧39度", "万一晚上烧得叫不醒怎么办"),
    ("如果突然叫不醒，要去医院吗",),
])
async def test_a_supposition_records_no_symptom(client: httpx.AsyncClient, turns: tuple[str, ...]) -> None:
    _, _, tracker = await say_texts(client, f"suppose-{abs(hash(turns))}", *turns)
    assert (tracker["slots"].get("symptoms") or {}).get("confusion") is not True, tracker["slots"]
    assert (tracker.get("latest_triage") or {}).get("level") != "emergency"


async def test_an_unresponsive_patient_is_still_an_emergency(client: httpx.AsyncClient) -> None:
    _, _, tracker = await say_texts(client, "real-unresponsive", "我爸发烧，现在叫不醒了")
    assert tracker["latest_triage"]["level"] == "emergency"
