"""Round 9 of issue 10 (tri11): failure classes of blind sets v12 and v13, in typed Chinese of our own.

A. Sudden severe flank pain from 50, unrated, reaches the aorta (vasc.aortic_over_50).
B. New breathlessness on effort in a smoker or with chronic lung disease is read (urgent).
C. A sprain's swelling (歪了脚, 踩空, 脚翻了) is the injury's, not the DVT / heart-failure questions.
D. A week of daily fever said as "一整个星期" / "这个礼拜天天烧，一天比一天高" in an elderly person is urgent.
E. A child vomiting who keeps sips down and is alert is urgent, not an emergency.
F. A cold with a sore throat and a little cough is short (no oximeter).
G. Nasal flaring or in-drawing in words is severe breathing; "呼吸快" said to a question is an answer, not a cry.
H. A burning in the chest, the upper belly or when passing urine is not a fever; the diarrhoea's toilet is no
   frequent urination; "不会麻" is a no; "阳过以后" is no current positive test; "一天吃三颗" is no 1-day illness.

Conversations drive the real engine (NLU, flows, interceptors, rules) through the REST channel.
"""
from __future__ import annotations

import httpx
import pytest

from tests.triage.talk import Talk

LEG_QUESTIONS = {"symptoms.leg_pain", "recent_immobility"}


# ---- A: the aorta over 50

@pytest.mark.parametrize("opening", ["我老公后腰左边突然剧痛，是不是长结石了", "我爸后背突然像被撕开一样疼"])
async def test_a_sudden_severe_flank_pain_over_50_unrated_is_an_emergency(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r9-aorta-{abs(hash(opening))}")
    await t.say(opening)
    await t.until({"subject": "家里人", "pain_score": "说不上来", "duration_hours": "一个多小时前突然开始",
                   "age": "63岁", "symptoms.flank_pain": "是，突然很疼"}, default="没有")
    assert t.level == "emergency", (t.asked, t.rules)
    assert "vasc.aortic_over_50" in t.rules, t.rules


async def test_a_the_same_pain_at_40_unrated_is_not_the_aorta(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r9-aorta-40")
    await t.say("后腰右边突然剧痛，是不是长结石了")
    await t.until({"subject": "我", "pain_score": "说不上来", "duration_hours": "一个多小时", "age": "40岁"},
                  default="没有")
    assert t.level is not None, t.asked
    assert "vasc.aortic_over_50" not in t.rules, t.rules


# ---- B: a smoker's or a lung patient's new breathlessness

@pytest.mark.parametrize(("opening", "breath"), [
    ("烟抽了二十年，这周感冒以后走几步路就喘，以前没有过", "坐着不喘，说话没问题"),
    ("有慢阻肺，最近气比以前短了，爬两层楼就要歇", "比平时喘，坐着还好，能说整句话"),
])
async def test_b_new_breathlessness_on_effort_with_lung_risk_is_urgent(client: httpx.AsyncClient, opening: str,
                                                                         breath: str) -> None:
    t = Talk(client, f"r9-smoker-{abs(hash(opening))}")
    await t.say(opening)
    await t.until({"subject": "我", "symptoms.dyspnea": breath, "breathless_at_rest": breath, "age": "58岁",
                   "has_oximeter": "没有", "temperature": "37度4", "symptoms.fever": "不烧"}, default="没有")
    assert t.level == "urgent", (t.asked, t.rules, [x[:40] for x in t.texts])
    assert "resp.dyspnea" in t.rules, t.rules


# ---- C: a sprain's swelling

@pytest.mark.parametrize("opening", ["下楼梯踩空了一下，脚脖子肿了，还能走路", "踢球的时候脚翻了一下，脚踝肿了一块，能走"])
async def test_c_a_sprain_swelling_is_not_a_clot_or_the_heart(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r9-sprain-{abs(hash(opening))}")
    await t.say(opening)
    await t.until({"subject": "我", "age": "26岁"}, default="没有")
    assert t.slots.get("symptoms", {}).get("limb_injury") is True, t.slots.get("symptoms")
    assert not LEG_QUESTIONS & set(t.asked), t.asked
    assert "cardiac.leg_swelling" not in t.rules and "vasc.dvt" not in t.rules, t.rules
    assert t.level == "selfcare", (t.asked, t.rules)


# ---- D: a week of daily fever in an elderly person

@pytest.mark.parametrize("opening", ["我爸七十二了，发烧一整个星期了，天天都烧", "我外婆这个礼拜天天发烧，一天比一天高"])
async def test_d_a_week_of_fever_in_the_elderly_is_urgent(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r9-week-{abs(hash(opening))}")
    await t.say(opening)
    assert t.slots.get("duration_hours") == 168, t.slots.get("duration_hours")
    await t.until({"subject": "家里老人", "temperature": "38度7", "age": "78岁", "has_oximeter": "没有"}, default="没有")
    assert t.level == "urgent", (t.asked, t.rules)
    assert "fever.week_long" in t.rules, t.rules


# ---- E: a vomiting child who keeps sips down and is alert

async def test_e_a_vomiting_child_drinking_in_sips_and_alert_is_urgent_not_an_emergency(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r9-vomit-child")
    await t.say("孩子四岁，今天吐了五次，吃啥吐啥")
    await t.until({"subject": "孩子", "age": "4岁", "symptoms.refusal_to_feed": "小口小口喂水能留得住",
                   "symptoms.drowsiness": "精神挺好，还在玩", "symptoms.decreased_urination": "尿跟平时差不多",
                   "duration_hours": "今天早上开始", "temperature": "37度6"}, default="没有")
    assert t.level == "urgent", (t.asked, t.rules)


# ---- F: a cold with a sore throat stays short

async def test_f_a_cold_with_a_sore_throat_and_a_little_cough_is_short(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r9-cold")
    await t.say("感冒两天了，鼻塞打喷嚏，嗓子有点疼，偶尔咳两声，不发烧")
    await t.until({"subject": "我", "age": "31岁", "symptoms.dyspnea": "不喘", "duration_hours": "两天"}, default="没有")
    assert t.level == "selfcare", (t.asked, t.rules)
    assert "has_oximeter" not in t.asked and "can_count_breaths" not in t.asked, t.asked
    assert len(t.asked) <= 9, t.asked


# ---- G: a baby's flaring nostrils; "呼吸快" answers

@pytest.mark.parametrize("opening", ["宝宝十个月，发烧咳嗽，喘气的时候鼻翼一扇一扇的",
                                     "孩子一岁半，咳得厉害，吸气的时候肋骨中间往里凹"])
async def test_g_flaring_or_indrawing_in_words_is_an_emergency(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r9-flare-{abs(hash(opening))}")
    await t.say(opening)
    await t.until({"subject": "孩子"}, default="没有")
    assert t.level == "emergency", (t.asked, t.rules)
    assert "resp.severe_dyspnea" in t.rules, t.rules


async def test_g_a_denied_flaring_is_not_severe(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r9-flare-denied")
    await t.say("宝宝两岁，发烧38度，鼻子没有一张一张的")
    assert t.slots.get("breathing_severity") != "severe", t.slots


async def test_g_breathing_fast_said_to_a_question_is_an_answer_and_the_intake_decides(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r9-fast-answer")
    await t.say("宝宝七个月，发烧咳嗽，喘得厉害")
    await t.until({"subject": "孩子", "age_months": "7个月"}, default="呼吸快")
    assert not any("请告诉我发生了什么" in x for x in t.texts), t.texts
    assert t.level is not None, t.asked


# ---- H: words read for what they are

async def test_h_a_burning_upper_belly_with_a_sweat_at_70_is_the_heart_not_a_fever(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r9-heartburn")
    await t.say("我爸说胃里烧得难受，冒了一身冷汗")
    assert t.slots.get("symptoms", {}).get("fever") is not True, t.slots.get("symptoms")
    await t.until({"subject": "我爸", "age": "70岁"}, default="没有")
    assert t.level == "emergency", (t.asked, t.rules)
    assert "cardiac.equivalent_red_flags" in t.rules, t.rules


async def test_h_burning_urine_is_dysuria_not_a_fever(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r9-dysuria")
    await t.say("这两天小便的时候烧烧的，总想上厕所")
    symptoms = t.slots.get("symptoms", {})
    assert symptoms.get("dysuria") is True and symptoms.get("fever") is not True, symptoms
    await t.until({"subject": "我", "age": "35岁", "pregnant": "没怀孕", "temperature": "没发烧"}, default="没有")
    assert t.level == "consult", (t.asked, t.rules)


async def test_h_the_diarrhoea_toilet_is_not_frequent_urination(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r9-toilet")
    await t.say("早上开始一直跑厕所，拉了好几次水样的")
    symptoms = t.slots.get("symptoms", {})
    assert symptoms.get("diarrhea") is True and symptoms.get("urinary_frequency") is not True, symptoms


async def test_h_the_bladder_toilet_is_not_diarrhoea(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r9-bladder")
    await t.say("老是跑厕所，尿急，尿完还疼")
    assert t.slots.get("symptoms", {}).get("diarrhea") is not True, t.slots.get("symptoms")


async def test_h_cannot_go_numb_is_a_no_to_the_saddle_question(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r9-saddle")
    await t.say("腰酸了一个多月，坐久了就疼")
    await t.until({"subject": "我", "symptoms.saddle_numbness": "屁股那一圈不会麻，大小便都正常",
                   "symptoms.foot_drop": "脚有劲", "age": "45岁"}, default="没有")
    assert "neuro.cauda_equina" not in t.rules, (t.asked, t.rules)
    assert t.level == "consult", (t.asked, t.rules)


async def test_h_covid_in_the_past_is_no_current_positive_test(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r9-past-covid")
    await t.say("我妈阳康以后，腰上一边起了一串水泡，疼")
    assert t.slots.get("antigen_result") != "positive", t.slots.get("antigen_result")
    await t.until({"subject": "我妈", "age": "70岁", "temperature": "不烧", "symptoms.fever": "不烧"}, default="没有")
    assert t.level == "consult", (t.asked, t.rules)


async def test_h_a_dose_per_day_is_not_a_one_day_illness(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r9-per-day")
    await t.say("布洛芬一天吃三颗，会伤胃吗")
    assert t.slots.get("duration_hours") != 24, t.slots.get("duration_hours")


async def test_h_a_teenager_with_covid_and_a_sore_throat_is_not_asked_about_fits(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r9-teen")
    await t.say("儿子15岁阳了，嗓子疼，低烧37度8")
    await t.until({"subject": "儿子", "age": "15岁", "symptoms.dyspnea": "不喘", "duration_hours": "今天"},
                  default="没有")
    assert "symptoms.seizure" not in t.asked, t.asked
    assert "peds.throat_or_ear_pain" not in t.rules, t.rules
    assert t.level == "selfcare", (t.asked, t.rules)


async def test_h_the_back_of_the_hand_is_not_the_back(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r9-hand-back")
    await t.say("切菜的时候划到手指，现在手背都红肿了")
    await t.until({"subject": "我", "age": "45岁"}, default="没有")
    assert t.slots.get("symptoms", {}).get("back_pain") is not True, t.slots.get("symptoms")
    assert not {"symptoms.foot_drop", "symptoms.saddle_numbness", "symptoms.flank_pain"} & set(t.asked), t.asked


@pytest.mark.parametrize(("opening", "fast"), [("阳了，发烧头疼", False), ("头疼两天了", True)])
async def test_h_a_feverish_headache_not_severe_is_not_asked_the_stroke_signs(client: httpx.AsyncClient, opening: str,
                                                                              fast: bool) -> None:
    t = Talk(client, f"r9-fast-{fast}")
    await t.say(opening)
    await t.until({"subject": "我", "age": "40岁", "temperature": "38度6"}, default="没有")
    assert ("symptoms.fast_signs" in t.asked) is fast, t.asked
    assert "symptoms.stiff_neck" in t.asked and "symptoms.confusion" in t.asked, t.asked


async def test_h_a_fever_back_when_the_medicine_wears_off_persists(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r9-persists")
    await t.say("阳了四天了，一直发烧")
    await t.until({"subject": "我", "temperature": "39度3", "duration_hours": "四天",
                   "fever_persists_despite_medication": "吃了能降一点，药劲一过又上来了", "age": "35岁"}, default="没有")
    assert t.slots.get("fever_persists_despite_medication") is True, t.slots.get("fever_persists_despite_medication")
    assert t.level == "urgent", (t.asked, t.rules)
