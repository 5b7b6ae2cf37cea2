"""Session seven (helper "fix11b"): safety classes a newcomer found typing as patients, in typed Chinese of our own.

1. Collapsed, unresponsive and not breathing (or only gasping) is a cardiac arrest: 120 on speaker and chest
   compressions now (AHA 2020, ERC 2021, 中国心肺复苏专家共识) — never the recovery position nor "go to the hospital".
2. A plan to take pills saved up is suicidal ideation with a plan (the crisis lines, 120/110), not an overdose taken;
   only a past act is an overdose. 心理科 with nobody on duty offers the crisis lines and 120, never another clinic;
   "alone, nobody to call" and "stop persuading me" get replies that fit; a denied plan is never shown as a plan.
3. Dizziness with a neurological sign (cannot stand, unsteady, double vision) is at least urgent, and sudden with atrial
   fibrillation an emergency (posterior circulation); its vomiting does not open the stomach questions.
4. A pregnancy headache with blurred vision: pre-eclampsia is the first reason, no stroke reason without a FAST sign.
5. A pregnancy not known ("说不准 也许有了") in a COVID intake is noted (medicines, a test, ectopic red flags), not
   taken for a known late pregnancy.

Conversations drive the real engine (NLU, flows, interceptors, rules) through the REST channel.
"""
from __future__ import annotations

import httpx
import pytest

from tests.triage.talk import Talk


def _key(text: str) -> int:
    return abs(hash(text))


# ---- 1: cardiac arrest

ARREST = ["我爸刚才突然倒在地上 怎么叫都没反应 胸口也不动了",
          "奶奶晕倒了 叫不醒 只会偶尔抽一口气",
          "同事在办公室突然倒下 没有呼吸了"]


@pytest.mark.parametrize("opening", ARREST)
async def test_1_a_collapse_without_breathing_is_a_cardiac_arrest(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"s7-arrest-{_key(opening)}")
    await t.say(opening)
    assert t.level == "emergency", t.texts
    assert t.rules[0] == "cardiac.arrest", t.rules
    said = "\n".join(t.texts)
    for must in ("胸外按压", "100–120", "5–6厘米", "AED", "免提", "调度员"):
        assert must in said, (must, said)
    for never in ("头偏向一侧", "去最近的医院急诊", "马上去最近的急诊", "侧卧", "晕倒或晕厥"):
        assert never not in said, (never, said)
    await t.say("他的嘴唇有点发紫")
    later = "\n".join(t.texts[-3:])
    assert "急诊" not in later and "头偏向一侧" not in later, later


async def test_1_breathless_oneself_is_no_arrest(client: httpx.AsyncClient) -> None:
    t = Talk(client, "s7-arrest-self")
    await t.say("我爬完楼梯喘得快没气了")
    assert "cardiac.arrest" not in t.rules, t.rules
    assert not any("胸外按压" in x for x in t.texts), t.texts


async def test_1_breathing_denied_is_no_arrest(client: httpx.AsyncClient) -> None:
    t = Talk(client, "s7-arrest-denied")
    await t.say("我妈刚才晕倒了一下 现在醒了 没有呼吸困难")
    assert "cardiac.arrest" not in t.rules, t.rules
    assert t.slots.get("symptoms", {}).get("not_breathing") is not True, t.slots.get("symptoms")


# ---- 2: a plan is not an overdose taken

PLANS = ["家里的安眠药我偷偷存了两盒 准备周末全吞了",
         "药攒够了 打算明天晚上一口气吃下去"]


@pytest.mark.parametrize("opening", PLANS)
async def test_2_a_plan_to_take_saved_pills_is_a_suicide_plan(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"s7-plan-{_key(opening)}")
    await t.say(opening)
    assert t.level == "emergency", t.texts
    assert "psych.suicide_risk" in t.rules and "tox.poisoning" not in t.rules, t.rules
    said = "\n".join(t.texts)
    assert "12356" in said and "400-161-9995" in said, said
    assert "催吐" not in said and "误服" not in said, said
    assert t.slots.get("suicide_plan") is True, t.slots


async def test_2_a_past_act_is_an_overdose_never_called_accidental(client: httpx.AsyncClient) -> None:
    t = Talk(client, "s7-overdose-taken")
    await t.say("我刚才把一整瓶安眠药都吃了 不想活了")
    assert t.level == "emergency"
    assert "tox.poisoning" in t.rules, t.rules
    assert not any("误服" in x for x in t.texts), t.texts


async def test_2_no_psychologist_on_duty_offers_the_lines_not_another_clinic(client: httpx.AsyncClient) -> None:
    t = Talk(client, "s7-crisis-button")
    await t.say("安眠药存了一瓶 准备今晚吃")
    assert t.level == "emergency"
    replies = await t.say('/request_doctor{"consult_department": "psychology"}')
    said = "\n".join(str(r.get("text") or "") for r in replies)
    buttons = [b["title"] for r in replies for b in r.get("buttons") or ()]
    assert "12356" in said and "400-161-9995" in said and "120" in said, said
    assert "发热门诊" not in said and not any("发热" in b for b in buttons), (said, buttons)
    assert "什么情况要去医院" not in buttons, buttons


async def test_2_alone_and_stop_persuading_get_replies_that_fit(client: httpx.AsyncClient) -> None:
    t = Talk(client, "s7-crisis-alone")
    await t.say("活够了 攒的药打算今天夜里吃掉")
    assert t.level == "emergency"
    first = await t.say("家里就我自己 也没有人能叫过来")
    alone = "\n".join(str(r.get("text") or "") for r in first)
    assert "12356" in alone and "一个人" in alone and "叫家人或信任的人过来" not in alone, alone
    second = await t.say("你别劝我了")
    refusal = "\n".join(str(r.get("text") or "") for r in second)
    assert "不劝" in refusal and refusal != alone, refusal
    third = await t.say("都说了别劝")
    again = "\n".join(str(r.get("text") or "") for r in third)
    assert again != refusal and again != alone, again


async def test_2_a_denied_plan_is_never_shown_as_a_plan(client: httpx.AsyncClient) -> None:
    t = Talk(client, "s7-passive")
    await t.say("有时候觉得活着挺没劲的")
    assert t.level == "emergency"
    replies = await t.say("没有 没想过怎么做")
    decisions = [(r.get("custom") or {}).get("triage") for r in replies if (r.get("custom") or {}).get("triage")]
    assert decisions and decisions[-1]["level"] == "urgent", replies
    assert not any("有计划或打算" in reason for reason in decisions[-1]["reasons"]), decisions
    replies = await t.say("别再劝我了")
    said = "\n".join(str(r.get("text") or "") for r in replies)
    assert "不劝" in said and "退订" not in said, said


# ---- 3: dizziness with a neurological sign

async def test_3_sudden_dizziness_unable_to_stand_with_af_is_an_emergency(client: httpx.AsyncClient) -> None:
    t = Talk(client, "s7-dizzy-af")
    await t.say("我外婆78了 有房颤 今天早上忽然头晕 站不住 还呕了两回")
    assert t.level == "emergency", t.texts
    assert t.rules[0] == "neuro.posterior_stroke_signs", t.rules
    assert any("症状开始的准确时间" in x for x in t.texts), t.texts


async def test_3_dizziness_with_unsteady_walking_is_urgent_without_stomach_questions(client: httpx.AsyncClient) -> None:
    t = Talk(client, "s7-dizzy-unsteady")
    await t.say("头晕得站不稳 吐了一次")
    await t.until({"age": "45", "duration_hours": "半天"}, default="没有")
    assert t.level == "urgent", (t.level, t.rules, t.asked)
    assert "neuro.dizziness_neuro_signs" in t.rules, t.rules
    for stomach in ("symptoms.abdominal_pain", "symptoms.hematemesis"):
        assert stomach not in t.asked, t.asked


async def test_3_the_ataxia_question_answered_yes_is_urgent(client: httpx.AsyncClient) -> None:
    t = Talk(client, "s7-dizzy-asked")
    await t.say("这两天老是头晕")
    await t.until({"age": "52", "duration_hours": "两天", "symptoms.ataxia": "站起来就晃 站不稳"}, default="没有")
    assert "symptoms.ataxia" in t.asked, t.asked
    assert t.level == "urgent", (t.level, t.rules)


# ---- 4: pre-eclampsia first, no stroke without FAST

async def test_4_pregnancy_headache_with_blurred_vision_is_preeclampsia_first(client: httpx.AsyncClient) -> None:
    t = Talk(client, "s7-preg-vision")
    replies = await t.say("怀孕三十周了 这两天头很痛 眼睛看东西花花的 脚也肿")
    assert t.level == "emergency", t.texts
    assert t.rules[0] == "preg.preeclampsia_signs", t.rules
    assert "neuro.stroke_signs" not in t.rules, t.rules
    decision = next(r["custom"]["triage"] for r in replies if (r.get("custom") or {}).get("triage"))
    assert "子痫前期" in decision["reasons"][0], decision
    assert not any("中风" in x for x in t.texts), t.texts


# ---- 5: a pregnancy not known in a COVID intake

async def test_5_an_uncertain_pregnancy_is_noted_not_a_pregnancy_flow(client: httpx.AsyncClient) -> None:
    t = Talk(client, "s7-maybe-pregnant")
    await t.say("新冠阳了 发烧 我是女的")
    answers = {"temperature": "38.3", "duration_hours": "两天", "fever_persists_despite_medication": "吃药能退",
               "other_symptoms": "有点咳嗽", "age": "29", "conditions_answer": "没有",
               "pregnant": "说不准 也许有了 还没验", "followup_consent": "不用了"}
    await t.until(answers, default="没有")
    assert t.slots.get("pregnant") is not True, t.slots.get("pregnant")
    for late in ("pregnancy_weeks", "symptoms.fluid_leakage", "symptoms.reduced_fetal_movement"):
        assert late not in t.asked, t.asked
    said = "\n".join(t.texts)
    assert "试纸" in said and "宫外孕" in said and "对乙酰氨基酚" in said, said
    assert "布洛芬（芬必得" not in said, said
    assert t.level in ("selfcare", "consult"), t.level
