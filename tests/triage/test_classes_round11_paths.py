"""Round 11 (helper "paths"): failure classes of routing, durations and rules, in typed Chinese of our own.

1. A time-ago span (X前 / X以前 / 之前 / 以来) after a child word is when something began, never the child's age;
   an age said with an age cue (一个半月的宝宝, 刚满…天, 宝宝20天) still is one.
2. Pain that has lasted weeks — a headache recurring for months, a sprain or knock still painful weeks on — is
   consult (pain.weeks; criteria: "stable pain for weeks without red flags"); a thunderclap headache stays first.
3. A back pain whose message says the urine and stool are normal and there is no fever opens no urinary rule.
4. The days of the fever, said apart from the illness's ("阳了三天，头两天发烧"), decide the fever-over-3-days
   rules; an illness of 3 days with a fever of 2 is not one.
5. A sprain in other words (拐到脚, 脚扭了, 歪到脚踝, traditional script too) is an injury the intake places; a
   complaint restated and still not understood starts the intake (general questions, a decision).
6. A child's fever with a loose stool has the belly's questions (dehydration, blood, alertness), not the breathing
   count or the travel question.

Conversations drive the real engine (NLU, flows, interceptors, rules) through the REST channel.
"""
from __future__ import annotations

import httpx
import pytest

from tests.triage.talk import Talk

ADULT = {"subject": "我", "age": "40岁"}


def _key(text: str) -> int:
    return abs(hash(text))


# ---- 1: a time-ago span is no baby's age

@pytest.mark.parametrize(("opening", "hours"), [
    ("女儿五天前被热水烫到脚背，现在周围红了一圈，还有点发烧", 120),
    ("儿子十天以前摔破了膝盖，伤口一直没好，今天还发热了", 240),
    ("孩子一个月之前从床上摔下来过，现在膝盖还是疼", 720),
    ("我家娃两周前被开水溅到手背，这几天起了脓，还烧起来了", 336),
])
async def test_1_a_span_before_qian_is_an_onset_not_an_age(client: httpx.AsyncClient, opening: str, hours: int) -> None:
    t = Talk(client, f"r11p-ago-{_key(opening)}")
    await t.say(opening)
    assert t.slots.get("age") is None, t.slots
    assert t.slots.get("duration_hours") == hours, t.slots
    await t.until({"age": "6岁"}, default="没有")
    assert not any(r.startswith("peds.infant_") for r in t.rules), (t.asked, t.rules)
    assert t.level is not None, t.asked


@pytest.mark.parametrize(("opening", "age"), [
    ("一个半月的宝宝发烧38度1", 0.12),
    ("宝宝刚满四十五天，今天量了38度3", 0.12),
    ("我家宝宝二十天，今天吃奶后发烧38度", 0.055),
])
async def test_1_a_baby_age_with_its_cue_still_reads(client: httpx.AsyncClient, opening: str, age: float) -> None:
    t = Talk(client, f"r11p-age-{_key(opening)}")
    await t.say(opening)
    assert abs(float(t.slots.get("age") or 0) - age) < 0.01, t.slots
    assert t.level == "emergency" and "peds.infant_fever_under_3m" in t.rules, (t.asked, t.rules)


# ---- 2: pain for weeks

@pytest.mark.parametrize("opening", [
    "半个月前打羽毛球伤了手腕，到现在一使劲还是疼",
    "这两个月我隔三差五就偏头痛，和以前差不多",
    "头疼断断续续三个礼拜了，每次都差不多",
    "膝盖三周前磕了一下，上下楼还是疼",
])
async def test_2_pain_for_weeks_is_consult(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r11p-weeks-{_key(opening)}")
    await t.say(opening)
    assert float(t.slots.get("duration_hours") or 0) >= 336, t.slots
    await t.until(ADULT, default="没有")
    assert t.level == "consult" and "pain.weeks" in t.rules, (t.asked, t.rules)


async def test_2_a_thunderclap_in_an_old_headache_is_still_an_emergency(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r11p-weeks-thunder")
    await t.say("头疼了一个多月，今天突然像炸开一样，这辈子没这么疼过")
    assert t.level == "emergency" and "neuro.thunderclap_headache" in t.rules, (t.asked, t.rules)


async def test_2_a_sprain_of_two_days_is_no_weeks_pain(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r11p-weeks-new")
    await t.say("腰扭了两天，弯腰疼")
    await t.until(ADULT, default="没有")
    assert "pain.weeks" not in t.rules, (t.asked, t.rules)


# ---- 3: a back pain with normal urine and no fever

URO = {"uro.upper_tract_infection_signs", "uro.urinary_symptoms"}


@pytest.mark.parametrize("opening", [
    "我腰疼二十来天了，腿不麻，大小便都正常，也没烧",
    "腰背疼了快四周，大小便正常没发烧，腿也不麻",
    "后腰酸痛三个星期，小便正常，没烧，走路也没问题",
])
async def test_3_back_pain_with_normal_urine_opens_no_urinary_rule(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r11p-back-{_key(opening)}")
    await t.say(opening)
    assert t.slots.get("symptoms", {}).get("dysuria") is not True, t.slots.get("symptoms")
    await t.until(ADULT, default="没有")
    assert not URO & set(t.rules), (t.asked, t.rules)
    assert t.level == "consult" and "pain.weeks" in t.rules, (t.asked, t.rules)


async def test_3_a_burning_when_passing_urine_is_still_dysuria(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r11p-back-dysuria")
    await t.say("小便的时候烧烧的，还老想尿")
    assert t.slots.get("symptoms", {}).get("dysuria") is True, t.slots.get("symptoms")


# ---- 4: the fever's days, not the illness's

@pytest.mark.parametrize("opening", [
    "阳了三天，前两天烧到38度2，今天量37度4",
    "病了四天了，发烧才两天，现在37度5",
    "新冠第三天，从昨天开始发烧，今天37度6",
])
async def test_4_a_fever_shorter_than_the_illness_is_not_over_3_days(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r11p-fever-{_key(opening)}")
    await t.say(opening)
    assert float(t.slots.get("fever_hours") or 999) < 72, t.slots
    await t.until({"subject": "我", "age": "35岁", "duration_hours": "三天"}, default="没有")
    assert not {"covid.fever_over_3_days", "covid.persistent_fever"} & set(t.rules), (t.asked, t.rules)


async def test_4_a_fever_said_continuous_for_the_illness_still_is(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r11p-fever-long")
    await t.say("阳了四天，一直在烧，今天还有38度")
    await t.until({"subject": "我", "age": "35岁"}, default="没有")
    assert "covid.fever_over_3_days" in t.rules, (t.asked, t.rules)


# ---- 5: a sprain in other words; a restated complaint still not understood

@pytest.mark.parametrize("opening", [
    "下樓梯時拐到腳，腳踝有點腫，還能走",
    "打球的时候脚扭了，肿了一点，能下地",
    "跑步時歪到腳踝，有點痛，走路還行",
    "昨天走路拐了一下脚，今天有点肿",
    "上台阶的时候腳踝拐到了，有點腫",
])
async def test_5_sprain_words_open_the_injury_questions(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r11p-sprain-{_key(opening)}")
    await t.say(opening)
    assert t.slots.get("symptoms", {}).get("limb_injury") is True, (t.texts, t.slots.get("symptoms"))
    assert t.asked, t.texts
    await t.until(ADULT, default="没有")
    assert t.level in ("selfcare", "consult"), (t.asked, t.rules)


@pytest.mark.parametrize("second", ["哎呀怎么说呢，反正就是那样", "那啥，就是那个嘛", "呃，咋说呢"])
async def test_5_a_second_message_not_understood_starts_the_intake(client: httpx.AsyncClient, second: str) -> None:
    t = Talk(client, f"r11p-unclear-{_key(second)}")
    await t.say("嗯那个，就是有点那个")
    assert not t.asked, t.asked
    await t.say(second)
    assert any("一步一步" in text for text in t.texts), t.texts
    assert t.asked, t.texts
    await t.until({"subject": "我", "complaint_text": "走路那里别了一下", "age": "30岁"}, default="没有")
    assert t.level is not None, (t.asked, t.texts[-3:])


# ---- 6: a child's loose stool with a low fever

BREATH_OR_TRAVEL = {"symptoms.dyspnea", "has_oximeter", "can_count_breaths", "respiratory_rate", "exposure_answer"}


@pytest.mark.parametrize("opening", [
    "儿子三岁，今天拉了四次稀便，有点低烧37度8，精神还可以",
    "闺女两岁半，拉肚子了，体温37度6",
    "孩子四岁，今天吐了一次又拉了两回，有点热，37度9",
])
async def test_6_a_childs_loose_stool_with_low_fever_has_a_short_belly_path(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r11p-diarrhoea-{_key(opening)}")
    await t.say(opening)
    await t.until({"duration_hours": "今天早上开始的"}, default="没有")
    assert not BREATH_OR_TRAVEL & set(t.asked), t.asked
    assert "symptoms.decreased_urination" in t.asked and "symptoms.bloody_stool" in t.asked, t.asked
    assert len(set(t.asked)) <= 11, t.asked
    assert t.level is not None, t.asked


async def test_6_a_childs_cough_with_fever_still_has_the_breathing_questions(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r11p-diarrhoea-cough")
    await t.say("孩子五岁，拉肚子还咳嗽，发烧38度")
    await t.until({"duration_hours": "一天"}, default="没有")
    assert "symptoms.dyspnea" in t.asked or "can_count_breaths" in t.asked, t.asked
