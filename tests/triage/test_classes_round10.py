"""Round 10 of issue 10 (tri12): failure classes of blind set v14, in typed Chinese of our own.

A. A baby's ear pain in words (蹭耳朵, 耳朵一碰就哭) is ear pain, not a tender belly: with fever under 2, urgent;
   a baby who smiles or plays once soothed is alert (asked once).
B. Saliva not swallowed but spat out (口水都不敢咽，只好吐掉) is drooling, not vomiting: urgent, no vomiting questions;
   a severe pain on one side answers the throat red-flag question yes, a little pain on swallowing no.
C. A lower temperature the medicine brought ("吃了药能退到37度6，药劲一过又烧") keeps the highest reading known, and
   the fever back after it answers "still above 38.5 after medicine?" yes.
D. One extra tablet of a blood-pressure medicine (不小心多吃了一片降压药) is no overdose emergency; two tablets, or one
   extra sleeping pill, still are.
E. In pregnancy, headache with both feet swollen goes to the pre-eclampsia questions, not the leg / clot ones;
   one swollen painful leg in pregnancy still gets them.

Conversations drive the real engine (NLU, flows, interceptors, rules) through the REST channel.
"""
from __future__ import annotations

import httpx
import pytest

from tests.triage.talk import Talk


# ---- A: a baby's ear in words

@pytest.mark.parametrize(("opening", "ear"), [
    ("七个月宝宝发烧38度7，老在枕头上蹭耳朵，哭闹", "没有"),
    ("宝宝一岁，发烧三十八度五，晚上老哭", "右边耳朵一摸就哭"),
])
async def test_a_a_feverish_baby_touching_or_crying_at_the_ear_is_urgent(
        client: httpx.AsyncClient, opening: str, ear: str) -> None:
    t = Talk(client, f"r10-ear-{abs(hash(opening))}")
    await t.say(opening)
    await t.until({"symptoms.ear_pain": ear, "duration_hours": "一天", "symptoms.drowsiness": "逗一逗会笑"},
                  default="没有")
    assert t.slots.get("symptoms", {}).get("ear_pain") is True, t.slots.get("symptoms")
    assert t.slots.get("symptoms", {}).get("abdominal_tenderness") is not True, t.slots.get("symptoms")
    assert t.asked.count("symptoms.drowsiness") <= 1, t.asked
    assert t.level == "urgent" and "peds.fever_ear_or_poor_feeding_under_2" in t.rules, (t.asked, t.rules)


async def test_a_a_belly_that_makes_a_baby_cry_when_touched_is_still_tender(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r10-belly-touch")
    await t.say("宝宝八个月，肚子一碰就哭，哭得很厉害")
    assert t.slots.get("symptoms", {}).get("abdominal_tenderness") is True, t.slots.get("symptoms")


# ---- B: a throat that cannot swallow its saliva

async def test_b_saliva_spat_out_is_drooling_not_vomiting(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r10-saliva")
    await t.say("喉咙疼得要命，口水都不敢往下咽，只好吐掉")
    assert t.slots.get("symptoms", {}).get("drooling") is True, t.slots.get("symptoms")
    assert t.slots.get("symptoms", {}).get("vomiting") is not True, t.slots.get("symptoms")
    await t.until({"subject": "我", "age": "35岁", "duration_hours": "两天"}, default="没有")
    assert "symptoms.hematemesis" not in t.asked, t.asked
    assert t.level == "urgent" and "ent.severe_sore_throat" in t.rules, (t.asked, t.rules)


@pytest.mark.parametrize(("answer", "level"), [("右边疼得厉害", "urgent"), ("疼，吞东西有点疼", None)])
async def test_b_the_throat_question_in_words(client: httpx.AsyncClient, answer: str, level: str | None) -> None:
    t = Talk(client, f"r10-throat-{abs(hash(answer))}")
    await t.say("喉咙疼了两天")
    await t.until({"subject": "我", "age": "35岁", "symptoms.drooling": answer}, default="没有")
    assert t.asked.count("symptoms.drooling") == 1, t.asked
    if level:
        assert t.level == level and "ent.severe_sore_throat" in t.rules, (t.asked, t.rules)
    else:
        assert "ent.severe_sore_throat" not in t.rules, (t.asked, t.rules)


# ---- C: the highest temperature is kept

async def test_c_a_reading_lowered_by_medicine_keeps_the_height_and_the_fever_persists(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r10-fever-height")
    await t.say("我烧了四天了，最高到过三十九度四")
    await t.until({"subject": "我", "age": "29岁",
                   "fever_persists_despite_medication": "吃了布洛芬能退到37度6，药劲一过又烧上去了"}, default="没有")
    assert t.slots.get("temperature") == 39.4, t.slots.get("temperature")
    assert t.slots.get("fever_persists_despite_medication") is True, t.slots
    assert t.level == "urgent", (t.asked, t.rules)


async def test_c_a_fever_gone_without_medicine_words_is_the_new_reading(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r10-fever-down")
    await t.say("昨天烧到38度9")
    await t.say("今天早上量了36度7")
    assert t.slots.get("temperature") == 36.7, t.slots.get("temperature")


# ---- D: one extra tablet of a regular medicine

async def test_d_one_extra_blood_pressure_tablet_is_not_an_overdose(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r10-one-extra")
    await t.say("我今天早上不小心多吃了一片降压药，现在没什么不舒服")
    assert t.slots.get("symptoms", {}).get("poisoning") is not True, t.slots.get("symptoms")
    await t.until({"subject": "我", "age": "66岁"}, default="没有")
    assert t.level in ("consult", "selfcare"), (t.asked, t.rules)


@pytest.mark.parametrize("opening", ["我妈刚才多吃了两片降压药", "我多吃了一片安眠药"])
async def test_d_more_or_a_sedative_is_still_an_overdose(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r10-extra-{abs(hash(opening))}")
    await t.say(opening)
    assert t.level == "emergency" and "tox.poisoning" in t.rules, (t.asked, t.rules)


# ---- E: both feet swollen in pregnancy

LEG_QUESTIONS = {"symptoms.leg_pain", "recent_immobility"}


async def test_e_pregnancy_with_headache_and_both_feet_swollen_skips_the_leg_questions(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r10-preg-feet")
    await t.say("我怀孕八个月，最近老头疼，两边脚脖子都肿得厉害")
    await t.until({"subject": "我", "age": "29岁"}, default="没有")
    assert not LEG_QUESTIONS & set(t.asked), t.asked
    assert t.level == "urgent" and "preg.warning_signs" in t.rules, (t.asked, t.rules)
    assert len(t.asked) <= 15, t.asked


async def test_e_one_painful_swollen_leg_in_pregnancy_still_asks_the_clot_questions(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r10-preg-one-leg")
    await t.say("怀孕五个月，左边小腿又肿又疼")
    await t.until({"subject": "我", "age": "33岁"}, default="没有")
    assert "recent_immobility" in t.asked or any(r.startswith("vasc.") for r in t.rules), (t.asked, t.rules)
