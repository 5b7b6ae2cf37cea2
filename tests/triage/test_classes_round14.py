"""Round 14 (tri17): failure classes of a blind evaluation, in typed Chinese of our own.

1. An answer with a medicine question inside ("…，有什么药？", "…能跟X一起吃吗？", "…要不要吃X"): the rest of it answers the
   question asked (the complaint, the reading, the medicine taken), the bot says once that the medicine question is
   answered at the end, goes on, and answers it after the outcome. A cold told in traditional characters with a
   medicine question still reaches a decision.
2. Normal function said as the answer to a red-flag question is a no (吃得挺多, 精神头很足, 尿量正常).
3. A child under 2 with fever eating poorly is urgent; a child refusing food is asked about urine and tears first, and
   refusing food with dehydration signs is an emergency; weak or clingy (要抱) is not drowsy.
4. Pregnancy with a severe abdominal pain said in words (直不起身, 要蹲下, 受不了, 很厉害) is an emergency.
5. Cellulitis in lay words (红了一大圈, 越来越大, 摸着烫, 疼, fever) is urgent.
6. A week of daily fever getting worse in words is urgent.
7. Minnan: 嘛无 / 袂 / 无 deny; 放尿 is urinating; 倒落去 is lying down (no faint); the house spinning is vertigo.

Conversations drive the real engine (NLU, flows, interceptors, rules) through the REST channel.
"""
from __future__ import annotations

import httpx
import pytest

from tests.triage.talk import Talk

ADULT = {"subject": "我", "age": "29岁", "pregnant": "没有"}
LATER = "您问的用药问题我记下了"
BACK_TO_IT = "回到您刚才问的用药问题"


def _key(text: str) -> int:
    return abs(hash(text))


# ---- 1: a medicine question inside an answer

@pytest.mark.parametrize(("opening", "pending", "answer", "slot", "expected"), [
    ("我发烧了", "temperature", "38度2，吃过感冒灵了，能和对乙酰氨基酚一块吃吗", "temperature", 38.2),
    ("我发烧了", "temperature", "三十九度，下午吃了布洛芬，还能再吃泰诺林吗？", "temperature", 39.0),
    ("我31岁，身上不得劲", "complaint_text", "嗓子疼得厉害，吃什么药好？", "symptoms", "sore_throat"),
    ("我31岁，不太舒服", "complaint_text", "肚子拉了好几次，要不要吃蒙脱石散啊", "symptoms", "diarrhea"),
])
async def test_1_the_rest_of_an_answer_is_used_and_the_question_waits(
        client: httpx.AsyncClient, opening: str, pending: str, answer: str, slot: str, expected: object) -> None:
    t = Talk(client, f"r14-medq-{_key(opening + answer)}")
    await t.say(opening)
    assert t.waiting == pending, t.asked
    n = len(t.texts)
    await t.say(answer)
    said = "\n".join(t.texts[n:])
    assert LATER in said and t.waiting != pending, (t.asked, said)
    if slot == "symptoms":
        assert t.slots["symptoms"].get(str(expected)) is True, t.slots.get("symptoms")
    else:
        assert t.slots.get(slot) == expected, t.slots.get(slot)
    await t.until({**ADULT, "duration_hours": "一天", "pain_score": "4"}, default="没有")
    assert t.level is not None and "intake.unknown_red_flag" not in t.rules, (t.asked, t.rules)
    everything = "\n".join(t.texts)
    assert everything.count(LATER) == 1, everything
    assert BACK_TO_IT in everything, everything[-600:]
    # The medicine question is answered after the outcome, not before it.
    assert everything.index(BACK_TO_IT) > everything.index("分诊建议"), everything[-600:]


async def test_1_the_medicine_named_as_taken_answers_the_medicine_question(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r14-medq-taken")
    await t.say("我发烧了")
    await t.say("38度5，刚吃了一包感冒灵，这个能跟布洛芬一起吃吗？")
    assert "感冒灵" in str(t.slots.get("medicines_taken") or ""), t.slots.get("medicines_taken")
    await t.until({**ADULT, "duration_hours": "一天"}, default="没有")
    assert "medicines_taken" not in t.asked, t.asked


async def test_1_the_medicine_question_asked_again_is_said_once_and_never_loops(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r14-medq-again")
    await t.say("我发烧了")
    for _ in range(5):
        if t.waiting != "temperature":
            break
        await t.say("烧着呢，吃了感冒药，还能吃布洛芬吗？")
    assert t.waiting != "temperature", t.asked
    assert "\n".join(t.texts).count(LATER) == 1, t.texts


async def test_1_a_medicine_question_alone_is_still_answered_at_once(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r14-medq-alone")
    await t.say("我发烧了")
    n = len(t.texts)
    await t.say("布洛芬和对乙酰氨基酚能一起吃吗？")
    said = "\n".join(t.texts[n:])
    assert LATER not in said and "对乙酰氨基酚" in said and t.waiting == "temperature", (t.asked, said)


@pytest.mark.parametrize("opening", [
    "受涼了，鼻塞、一直打噴嚏，該吃什麼藥？",
    "感冒了，喉嚨癢、流鼻涕，吃什麼藥比較好",
    "著涼了，咳嗽流鼻水，要吃什麼藥",
])
async def test_1_a_cold_in_traditional_characters_with_a_medicine_question_is_decided(
        client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r14-medq-trad-{_key(opening)}")
    await t.say(opening)
    await t.until({**ADULT, "duration_hours": "两天"}, default="没有")
    assert t.level in ("selfcare", "consult"), (t.asked, t.rules, t.texts[-3:])


# ---- 2: normal function said is a no

CHILD_FEVER = "儿子三岁，发烧38度5，烧了一天"


@pytest.mark.parametrize(("slot", "answer"), [
    ("symptoms.refusal_to_feed", "吃得挺多的"),
    ("symptoms.refusal_to_feed", "胃口不错，饭吃得不少"),
    ("symptoms.refusal_to_feed", "饭量跟平时一样"),
    ("symptoms.drowsiness", "精神头很足"),
    ("symptoms.drowsiness", "一直在玩积木"),
    ("symptoms.decreased_urination", "尿量正常"),
    ("symptoms.decreased_urination", "尿得跟平常一样"),
])
async def test_2_normal_function_is_a_no(client: httpx.AsyncClient, slot: str, answer: str) -> None:
    t = Talk(client, f"r14-normal-{_key(slot + answer)}")
    await t.say(CHILD_FEVER)
    await t.until({slot: answer, "medicines_taken": "没吃"}, default="没有")
    assert slot in t.asked and t.asked.count(slot) == 1, t.asked
    assert t.slots["symptoms"].get(slot.removeprefix("symptoms.")) is False, t.slots.get("symptoms")
    assert t.level == "selfcare" and "intake.unknown_red_flag" not in t.rules, (t.asked, t.rules)


# ---- 3: children and food

@pytest.mark.parametrize("opening", [
    "宝宝一岁半，发烧38度8，这两天饭几乎不吃了，喝奶还可以",
    "闺女十八个月，烧到38度5，饭基本不吃",
    "儿子1岁2个月发烧39度，吃得很少，奶还行",
])
async def test_3_a_child_under_2_with_fever_eating_poorly_is_urgent(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r14-under2-{_key(opening)}")
    await t.say(opening)
    await t.until({"duration_hours": "一天", "medicines_taken": "没吃"}, default="没有")
    assert t.level in ("urgent", "emergency") and "peds.fever_ear_or_poor_feeding_under_2" in t.rules, (t.asked, t.rules)


async def test_3_a_child_refusing_food_is_asked_about_urine_before_drowsiness(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r14-refusing-order")
    await t.say("女儿五岁，这两天什么都不肯吃")
    await t.until({"duration_hours": "两天", "symptoms.decreased_urination": "尿很少，哭起来也没眼泪"}, default="没有")
    assert "symptoms.decreased_urination" in t.asked, t.asked
    if "symptoms.drowsiness" in t.asked:
        assert t.asked.index("symptoms.decreased_urination") < t.asked.index("symptoms.drowsiness"), t.asked
    assert t.level == "emergency" and "peds.feeding_refusal_dehydrated" in t.rules, (t.asked, t.rules)


@pytest.mark.parametrize("answer", ["没劲儿，老要抱着", "软软的，一直要人抱", "有点黏人，要抱抱"])
async def test_3_weak_or_clingy_is_not_drowsy(client: httpx.AsyncClient, answer: str) -> None:
    t = Talk(client, f"r14-clingy-{_key(answer)}")
    await t.say("儿子四岁，不肯吃饭一天了")
    await t.until({"duration_hours": "一天", "symptoms.drowsiness": answer}, default="没有")
    assert "symptoms.drowsiness" in t.asked and t.asked.count("symptoms.drowsiness") == 1, t.asked
    assert t.slots["symptoms"].get("drowsiness") is False, t.slots.get("symptoms")
    assert "intake.unknown_red_flag" not in t.rules, (t.asked, t.rules)


async def test_3_asleep_and_hard_to_wake_is_still_drowsy(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r14-clingy-asleep")
    await t.say("儿子四岁，不肯吃饭一天了")
    await t.until({"duration_hours": "一天", "symptoms.drowsiness": "一直睡，叫不醒"}, default="没有")
    assert t.level == "emergency", (t.asked, t.rules)


# ---- 4: pregnancy with a severe abdominal pain

@pytest.mark.parametrize(("opening", "answers"), [
    ("怀孕七个月，肚子疼得直不起身子", {}),
    ("我怀孕三十周了，小肚子痛得受不了", {}),
    ("怀孕二十周，肚子疼", {"pain_score": "疼起来只能蹲在地上"}),
    ("怀孕十六周，肚子疼", {"pain_score": "时好时坏，疼得很厉害"}),
    ("我怀孕了，五个多月，肚子特别疼，疼的时候得蹲下来", {}),
])
async def test_4_pregnancy_with_a_severe_belly_pain_is_an_emergency(
        client: httpx.AsyncClient, opening: str, answers: dict[str, str]) -> None:
    t = Talk(client, f"r14-preg-{_key(opening + str(answers))}")
    await t.say(opening)
    await t.until({"age": "30岁", "duration_hours": "一小时", **answers}, default="没有")
    assert t.level == "emergency" and "preg.severe_abdominal_pain" in t.rules, (t.asked, t.rules)


async def test_4_a_mild_belly_ache_in_pregnancy_is_not_the_severe_pain_rule(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r14-preg-mild")
    await t.say("怀孕五个月，肚子有点隐隐的疼")
    await t.until({"age": "30岁", "duration_hours": "一小时", "pain_score": "2"}, default="没有")
    assert "preg.severe_abdominal_pain" not in t.rules, (t.asked, t.rules)


# ---- 5: cellulitis in lay words

@pytest.mark.parametrize("opening", [
    "脚背红了一大圈，而且越来越大，摸上去烫手，挺疼的，今天烧到38度3",
    "手臂上红的范围在扩大，摸着烫，疼，还发烧38度",
    "小腿这块红肿一天比一天大，摸着发烫，一碰就疼，人也发烧了",
])
async def test_5_spreading_hot_painful_redness_with_fever_is_urgent(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r14-cellulitis-{_key(opening)}")
    await t.say(opening)
    await t.until({**ADULT, "duration_hours": "两天", "temperature": "38.3"}, default="没有")
    assert t.level in ("urgent", "emergency") and "skin.cellulitis" in t.rules, (t.asked, t.rules)


# ---- 6: a week of daily fever getting worse

@pytest.mark.parametrize("opening", [
    "烧了快一周了，越烧越高",
    "这七八天每天下午都烧，一天比一天高",
    "发烧一个礼拜了，每天下午都烧起来，体温一天比一天高",
])
async def test_6_a_week_of_worsening_fever_is_urgent(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r14-week-{_key(opening)}")
    await t.say(opening)
    await t.until({**ADULT, "temperature": "38.7"}, default="没有")
    assert t.level in ("urgent", "emergency") and "fever.week_long" in t.rules, (t.asked, t.rules)


# ---- 7: Minnan

@pytest.mark.parametrize("opening", ["我放尿会疼，腰嘛无疼，无发烧", "阮放尿足疼，腰袂疼，嘛无发烧"])
async def test_7_minnan_denials_and_urinating(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r14-minnan-uti-{_key(opening)}")
    await t.say(opening)
    symptoms = t.slots.get("symptoms", {})
    assert symptoms.get("dysuria") is True and symptoms.get("back_pain") is not True, symptoms
    assert symptoms.get("fever") is False and symptoms.get("flank_pain") is not True, symptoms
    await t.until({"subject": "我", "age": "35岁", "pregnant": "无"}, default="无")
    assert t.level == "consult" and "uro.upper_tract_infection_signs" not in t.rules, (t.asked, t.rules)


@pytest.mark.parametrize("opening", [
    "阮阿爸头壳晕，厝内的物件攏咧转，倒落去就较好",
    "我头壳晕晕，天旋地转，倒落去歇一下",
])
async def test_7_minnan_room_spinning_is_vertigo_and_lying_down_is_no_faint(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r14-minnan-vertigo-{_key(opening)}")
    await t.say(opening)
    symptoms = t.slots.get("symptoms", {})
    assert symptoms.get("vertigo") is True and symptoms.get("syncope") is not True, symptoms
    assert t.level != "emergency", t.rules
    await t.until({"subject": "我", "age": "58岁", "pregnant": "无"}, default="无")
    assert t.level == "consult" and "neuro.syncope" not in t.rules, (t.asked, t.rules)


async def test_7_dizzy_on_turning_the_head_and_gone_at_once_is_consult(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r14-minnan-positional")
    await t.say("我一转头就晕，一下子就好，头壳无疼")
    await t.until({"subject": "我", "age": "52岁", "pregnant": "无"}, default="无")
    assert t.level == "consult" and "neuro.syncope" not in t.rules, (t.asked, t.rules)
