"""Session seven (talk7b): what the bot says after an emergency decision fits the patient, typed as a patient
would, through the real NLU and engine.

1. Waiting advice by the rules that fired AND the patient: a pregnant woman's headache with blurred vision gets the
   pregnancy text (left side), never the adult stroke text beside it; a child with stroke signs gets the child's.
2. Someone who said they are alone never hears "不要一个人待着" / "有人陪着": each line that assumes a companion has
   an alone variant (120 now, the line kept open, the door unlocked, a neighbour / relative / hotline).
3. Pushing back on the emergency ("明天去行不行", "在家先观察一下", "救护车就不叫了吧") is answered: why it cannot wait
   (the decision's reasons), what to do if they truly cannot go, what to watch, a doctor; never the same line, the
   level never lowered.
"""
from __future__ import annotations

import re

import httpx
import pytest
import yaml

from bot.config import PROJECT_ROOT
from tests.intake.conftest import say_texts

STROKE_ADULT = "让患者躺下、头偏向一侧"
COMPANION = ("不要一个人待着", "别一个人待着", "一直有人陪着", "叫家人或信任的人过来陪着", "安排人到楼下")


def _decision(replies: list[dict]) -> dict | None:
    found = [r["custom"]["triage"] for r in replies if (r.get("custom") or {}).get("triage")]
    return found[0] if found else None


@pytest.mark.parametrize("opening", [
    "怀孕34周，头疼得厉害，眼睛看东西花花的",
    "我是孕妇，七个多月了，今天一直头痛，眼前发黑看不清楚",
])
async def test_a_pregnant_headache_gets_the_pregnancy_advice_not_the_stroke_advice(client: httpx.AsyncClient, opening: str) -> None:
    said, replies, tracker = await say_texts(client, f"t7-preg-{abs(hash(opening))}", opening)
    assert (_decision(replies) or {}).get("level") == "emergency", said
    assert "左侧" in said and "产检资料" in said, said
    assert STROKE_ADULT not in said and "如果破水" not in said, said


async def test_a_child_with_stroke_signs_gets_the_childs_advice(client: httpx.AsyncClient) -> None:
    said, replies, _ = await say_texts(client, "t7-child-stroke", "我女儿8岁，刚才突然左边胳膊腿都动不了，嘴也歪了")
    assert (_decision(replies) or {}).get("level") == "emergency", said
    assert "孩子" in said and "疫苗本" in said and STROKE_ADULT not in said, said
    assert "硝酸甘油" not in said


async def test_an_adult_stroke_still_gets_the_stroke_advice(client: httpx.AsyncClient) -> None:
    said, _, _ = await say_texts(client, "t7-adult-stroke", "我妈68岁，突然一边脸麻了，嘴角歪")
    assert "记下症状开始的准确时间" in said and "孩子" not in said and "左侧" not in said, said


@pytest.mark.parametrize(("opening", "words"), [
    ("我独居，刚才突然右手右脚没劲，话也说不利索", ("先把家门的锁打开", "邻居")),
    ("我不想活了，现在家里没人", ("12356", "打电话", "有人的地方")),
    ("就我一个在家，突然喘不上气，嘴唇发紫", ("先把家门的锁打开", "电话别挂")),
])
async def test_someone_alone_gets_the_alone_wording(client: httpx.AsyncClient, opening: str, words: tuple[str, ...]) -> None:
    said, replies, tracker = await say_texts(client, f"t7-alone-{abs(hash(opening))}", opening)
    assert (_decision(replies) or {}).get("level") == "emergency", said
    assert tracker["slots"].get("home_alone") is True
    for w in words:
        assert w in said, said
    for w in COMPANION:
        assert w not in said, said


async def test_someone_alone_with_a_plan_is_not_told_to_stop_being_alone(client: httpx.AsyncClient) -> None:
    sender = "t7-alone-plan"
    await say_texts(client, sender, "活着太累了不想活了，我一个人住")
    said, _, _ = await say_texts(client, sender, "想过，绳子都准备了")
    assert "绳子" in said and "打电话" in said and "12356" in said, said
    for w in COMPANION:
        assert w not in said, said


async def test_alone_after_the_ambulance_is_called(client: httpx.AsyncClient) -> None:
    sender = "t7-alone-called"
    await say_texts(client, sender, "我一个人住，55岁，胸口压得疼，满头大汗")
    said, _, _ = await say_texts(client, sender, "已经打了120了")
    assert "门的锁打开" in said and "安排人到楼下" not in said, said


async def test_not_alone_keeps_the_usual_wording(client: httpx.AsyncClient) -> None:
    said, _, _ = await say_texts(client, "t7-not-alone", "我不想活了，药都准备好了")
    assert "不要一个人待着" in said or "别一个人待着" in said, said


def test_every_emergency_line_that_assumes_a_companion_has_an_alone_variant() -> None:
    """The class, over the response files: a crisis or waiting line that assumes someone is with the patient has
    `<key>_alone`, and no `_alone` line assumes a companion (the carer's own lines are said to a carer)."""
    carer = {"utter_emergency_alone_carer", "utter_emergency_refuses"}
    for language_file in ("triage.yml", "handoff.yml"):
        texts = yaml.safe_load((PROJECT_ROOT / "flows" / "responses" / "zh" / language_file).read_text(encoding="utf-8"))
        for key, variants in texts.items():
            if not isinstance(variants, list) or key in carer or not re.match(r"utter_(emergency|crisis)", key):
                continue
            text = " ".join(str(v.get("text", "")) for v in variants if isinstance(v, dict))
            if key.endswith("_alone"):
                assert not any(w in text for w in COMPANION), key
            elif any(w in text for w in COMPANION):
                assert f"{key}_alone" in texts, key


@pytest.mark.parametrize("pushback", ["明天去医院行不行？", "在家先观察一下可以吗", "救护车就不叫了吧，不想叫救护车"])
async def test_pushing_back_on_an_emergency_is_answered_not_repeated(client: httpx.AsyncClient, pushback: str) -> None:
    sender = f"t7-push-{abs(hash(pushback))}"
    await say_texts(client, sender, "我60岁，胸口像压了块石头，疼到左胳膊，一直冒冷汗")
    said, replies, tracker = await say_texts(client, sender, pushback)
    assert "不能等" in said and "胸痛" in said, said  # why, in the decision's own reasons
    assert "120" in said and "上门" in said and "转人工医生" in said, said
    assert "盯着" in said, said
    assert "救护车在路上" not in said and "您的情况可能很危急，请先拨打120" not in said, said
    assert tracker["slots"]["triage_level"] == "emergency" and _decision(replies) is None
    again, _, tracker = await say_texts(client, sender, "真的不能明天再去吗")
    assert again != said and "仍然是紧急" in again and "转人工医生" in again, again
    assert tracker["slots"]["triage_level"] == "emergency"


async def test_a_family_member_who_will_not_go_still_gets_the_carers_reply(client: httpx.AsyncClient) -> None:
    sender = "t7-carer-refuses"
    await say_texts(client, sender, "我爷爷80岁，突然嘴歪了，右手拿不住东西")
    said, _, _ = await say_texts(client, sender, "他死活不肯去医院")
    assert "劝" in said and "120" in said, said


async def test_alone_pushback_says_what_to_do_alone(client: httpx.AsyncClient) -> None:
    sender = "t7-alone-push"
    await say_texts(client, sender, "我一个人住，70岁，刚才突然说话说不清了")
    said, _, _ = await say_texts(client, sender, "能不能先在家观察")
    assert "一个人" in said and "门的锁打开" in said and "邻居" in said, said
    assert "说话不清" in said or "中风" in said, said


async def test_a_parent_putting_off_a_childs_emergency_gets_the_childs_watch_list(client: httpx.AsyncClient) -> None:
    sender = "t7-child-delay"
    await say_texts(client, sender, "我儿子5岁，刚刚嘴巴突然歪了，左手也抬不起来")
    said, replies, tracker = await say_texts(client, sender, "明天早上再带他去医院行吗")
    assert "不能等" in said and "孩子" in said and "转人工医生" in said, said
    assert tracker["slots"]["triage_level"] == "emergency" and _decision(replies) is None
