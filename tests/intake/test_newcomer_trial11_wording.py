"""Newcomer trial 11 (session seven): questions worded for the person asked.

A five-year-old is asked about food and drink, not milk; a child's medicine question asks for syrup by the
millilitre, not "泰诺林一片"; an adult typing about themself is asked whether their mind is clear, not
whether they can be woken.
"""
from __future__ import annotations

import httpx

from tests.triage.talk import Talk


def _said(t: Talk) -> str:
    return "\n".join(t.texts)


async def _until_asked(t: Talk, words: str, default: str = "没有") -> str:
    for _ in range(20):
        last = t.texts[-1] if t.texts else ""
        if words in last:
            return last
        assert t.level is None and t.waiting is not None, t.texts[-3:]
        await t.say(default)
    raise AssertionError(t.texts[-3:])


async def test_a_five_year_old_is_asked_about_food_and_drink_not_milk(client: httpx.AsyncClient) -> None:
    t = Talk(client, "t11-feeding-5y")
    await t.say("闺女五岁了，昨晚开始发烧，三十八度七")
    question = await _until_asked(t, "不肯吃")
    assert "吃饭喝水" in question and "吃奶" not in question, question


async def test_a_toddler_is_still_asked_about_milk_or_food(client: httpx.AsyncClient) -> None:
    t = Talk(client, "t11-feeding-18m")
    await t.say("宝宝一岁半，发烧一天了，三十八度九")
    question = await _until_asked(t, "不肯吃")
    assert "吃奶或吃饭" in question, question


async def test_a_childs_medicine_question_asks_for_millilitres_not_tablets(client: httpx.AsyncClient) -> None:
    t = Talk(client, "t11-medicine-child")
    await t.say("孩子两岁，今天早上开始发烧，三十九度二")
    question = await _until_asked(t, "用过什么药")
    assert "毫升" in question and "一片" not in question, question


async def test_an_adult_about_themself_is_not_asked_whether_they_can_be_woken(client: httpx.AsyncClient) -> None:
    t = Talk(client, "t11-confusion-self")
    await t.say("我自己头疼得厉害，还有点发烧，四十五岁")
    for _ in range(20):
        if t.level is not None or t.waiting is None:
            break
        if t.waiting == "symptoms.confusion":
            break
        await t.say("没有")
    if t.waiting == "symptoms.confusion":
        assert "叫不醒" not in t.texts[-1] and "叫不太醒" not in t.texts[-1], t.texts[-1]
        assert "您" in t.texts[-1]
    else:
        asked = [x for x in t.texts if "糊涂" in x]
        assert asked and all("叫不醒" not in x and "叫不太醒" not in x for x in asked), asked


async def test_a_sprain_without_a_wound_is_not_asked_as_if_it_bled(client: httpx.AsyncClient) -> None:
    t = Talk(client, "t11-sprain")
    await t.say("下楼梯崴了脚，脚踝肿了，能走路")
    asked = [x for x in t.texts if "出血" in x]
    for _ in range(6):
        if asked or t.level is not None or t.waiting is None:
            break
        await t.say("没有")
        asked = [x for x in t.texts if "出血" in x and "？" in x]
    assert all("伤口是不是" not in x for x in asked), asked
    assert all("没有伤口" in x for x in asked if "大量出血" in x), asked


async def test_a_pregnancy_said_with_nobody_named_is_the_speakers_own(client: httpx.AsyncClient) -> None:
    t = Talk(client, "t11-pregnant-self")
    await t.say("怀孕六个月了，这两天头疼，可以吃对乙酰氨基酚吗")
    assert t.slots.get("subject") == "self", t.slots.get("subject")
    assert all("是谁不舒服" not in x for x in t.texts), t.texts


async def test_a_pregnancy_of_someone_named_stays_theirs(client: httpx.AsyncClient) -> None:
    t = Talk(client, "t11-pregnant-wife")
    await t.say("我老婆怀孕七个月了，今天头疼得厉害")
    assert t.slots.get("subject") == "spouse", t.slots.get("subject")


def test_the_child_just_born_is_not_the_patient() -> None:
    from tests.intake.test_round8_answers import nlu
    for text in ("刚生完孩子五天，今天发烧了", "生了宝宝两周，肚子一直疼"):
        subjects = [e.value for e in nlu().parse(text).entities if e.entity == "subject"]
        assert "child" not in subjects and "infant" not in subjects, (text, subjects)
    assert [e.value for e in nlu().parse("孩子今天发烧了").entities if e.entity == "subject"] == ["child"]
