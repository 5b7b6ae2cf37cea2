"""Newcomer trial 12: the advice after a decision fits the complaint, typed as a patient would, through the real
NLU and engine.

1. A sprain got the fever's advice (warm water, temperature and oxygen twice a day) and the breathing-and-fever
   red flags: a limb injury gets rest / ice / compression / elevation, when to have an X-ray, and its own red flags.
2. A belly ache sent home to rest got only the breathing-and-fever red flags: it gets the belly's.
3. A headache, urinary symptoms and a rash get their own red flags, never the fever-only ones.
4. The going-to-hospital advice (temperature and oxygen readings, a test result, a mask) was COVID's for every
   complaint: an injury or a child's diarrhoea brings what fits it.
"""

from __future__ import annotations

import httpx
import pytest

from tests.intake.conftest import say_texts

RED_FLAGS_TITLE = "【出现以下任何一种情况，请立即就医或拨打120】"
FEVER_ONLY = ("服退热药后体温仍持续高于38.5℃", "每天早晚各量一次体温", "每天早晚测一次血氧")
COVID_VISIT = ("体温和血氧记录", "抗原或核酸结果", "戴好口罩")


async def _to_advice(client: httpx.AsyncClient, sender: str, opening: str, turns: int = 16) -> str:
    """Type the opening, then answer each question plainly until the red flags are shown; everything said."""
    said, _, _ = await say_texts(client, sender, opening)
    everything = [said]
    for _ in range(turns):
        if RED_FLAGS_TITLE in said:
            break
        answer = "没有"
        if "几岁" in said or "年龄" in said:
            answer = "30岁"
        elif "0到10" in said or "0-10" in said or "几分" in said:
            answer = "3分"
        said, _, _ = await say_texts(client, sender, answer)
        everything.append(said)
    text = "\n".join(everything)
    assert RED_FLAGS_TITLE in text, text
    return text


def _advice(text: str) -> str:
    # the part after the decision
    return text[text.rindex("分诊建议："):]


@pytest.mark.parametrize("opening", [
    "28岁，下楼梯踩空把左脚脚踝扭了，有点肿，还能慢慢走",
    "我32岁，昨天打篮球崴了右脚，现在肿起来了",
    "跑步时把脚扭到了，脚踝外侧疼，我40岁",
])
async def test_a_sprain_gets_injury_care_and_its_own_red_flags(client: httpx.AsyncClient, opening: str) -> None:
    advice = _advice(await _to_advice(client, f"t12-sprain-{abs(hash(opening))}", opening))
    for words in ("冰袋冷敷", "垫高", "拍片", "走不了4步", "发麻、发凉、发白或发紫", "变形"):
        assert words in advice, advice
    for words in (*FEVER_ONLY, "多喝温水"):
        assert words not in advice, advice
    assert "120" in advice and "转人工医生" in advice


@pytest.mark.parametrize("opening", [
    "我29岁，肚子隐隐作痛，时好时坏，不是很厉害",
    "今天胃不太舒服，肚子有点痛，我45岁",
    "我26岁，从早上开始肚子疼，能忍",
])
async def test_a_belly_ache_gets_the_bellys_red_flags(client: httpx.AsyncClient, opening: str) -> None:
    advice = _advice(await _to_advice(client, f"t12-belly-{abs(hash(opening))}", opening))
    for words in ("大便发黑", "吐血", "连水都喝不进", "发热", "怀孕", "按肚子时疼得厉害"):
        assert words in advice, advice
    for words in FEVER_ONLY:
        assert words not in advice, advice
    assert "120" in advice and "转人工医生" in advice


@pytest.mark.parametrize(("opening", "flags"), [
    ("我38岁，这两天头有点疼，还能忍", ("突然发生的剧烈头痛", "脖子发硬", "说话不清")),
    ("头痛一天了，不算厉害，我50岁", ("突然发生的剧烈头痛", "口角歪斜")),
    ("我31岁，女，这两天小便有点痛，老想上厕所", ("发冷打寒战", "后腰一侧疼", "尿里有血")),
    ("我27岁，这几天尿频尿急", ("发冷打寒战", "一点尿都尿不出来")),
    ("我24岁，手臂上长了一片红疹子，痒", ("喉咙或脸肿起来", "玻璃杯", "水疱")),
    ("我33岁，身上起了好多小红点，有点痒", ("喉咙或脸肿起来", "皮疹很快蔓延")),
])
async def test_other_complaints_get_their_own_red_flags(client: httpx.AsyncClient, opening: str,
                                                        flags: tuple[str, ...]) -> None:
    advice = _advice(await _to_advice(client, f"t12-other-{abs(hash(opening))}", opening))
    for words in flags:
        assert words in advice, advice
    for words in FEVER_ONLY:
        assert words not in advice, advice
    assert "120" in advice and "转人工医生" in advice


@pytest.mark.parametrize("opening", [
    "孩子4岁，拉肚子两天了",
    "女儿2岁，这两天一直拉稀",
    "我儿子5岁，腹泻了两天",
])
async def test_a_childs_diarrhoea_sent_today_brings_what_fits(client: httpx.AsyncClient, opening: str) -> None:
    advice = _advice(await _to_advice(client, f"t12-diarr-{abs(hash(opening))}", opening))
    assert "今天内" in advice and "医保卡" in advice, advice
    for words in COVID_VISIT:
        assert words not in advice, advice
    assert "尿明显减少" in advice and "120" in advice


async def test_a_cough_with_fever_sent_today_still_brings_the_readings_and_a_mask(client: httpx.AsyncClient) -> None:
    advice = _advice(await _to_advice(client, "t12-fever", "我30岁，发烧39度三天了，咳嗽，吃了退烧药也不退"))
    if "今天内" in advice:
        assert "体温和血氧记录" in advice and "戴好口罩" in advice, advice
    assert "服退热药后体温" in advice or "呼吸" in advice
