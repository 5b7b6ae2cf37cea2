"""Round 12 (helper "r12a"): failure classes of whose illness and what was said, in typed Chinese of our own.

1. A relative's low mood told by the family (情绪不太好, 心情不怎么好) starts the mood questions about that relative.
2. The one bereaved named as the dead person's own (X老伴走了, X的老伴去世后, X自从Y走了) is the patient, not the speaker.
3. A chest "not right" though it does not hurt (胸口不舒服, 胸前难受), with a sweat, in a patient of 50 or over or with
   hypertension / heart disease / diabetes, is the criteria's "chest pain or pressure that may be cardiac"
   (../shared/spec/triage-criteria.md, general emergency triage): an emergency, never a consult.
4. A baby's first month told by custom (刚满月, 满月了, 快满月, 出了月子的宝宝) is its age, about a month.
5. A man named by his kinship word (老公, 爸, 儿子, 外公) is never asked about a pregnancy: the word says the sex.

Conversations drive the real engine (NLU, flows, interceptors, rules) through the REST channel.
"""
from __future__ import annotations

import httpx
import pytest

from tests.nlu.classes import measured_lines
from tests.triage.talk import Talk


def _key(text: str) -> int:
    return abs(hash(text))


MOOD = ["我爸近来情绪不大好，饭也吃得少", "我妈这一阵心情不怎么好，话都少了", "外公这段日子情绪一直不太好",
        "我婆婆最近情绪很不好，整天闷在屋里"]
BEREAVED = ["我奶奶老伴去世以后，天天晚上睡不着", "我妈的老伴上个月走了，她一直失眠",
            "外公自从外婆走了以后一直睡不好"]
CHEST = [("胸口不舒服，出了一身冷汗", {"age": "66岁"}),
         ("我爸胸前难受，一直在冒虚汗", {"age": "58"}),
         ("胸口有点不得劲，后背都汗湿了，我有高血压", {"age": "45岁"})]
BABY = ["宝宝刚刚满月，今天摸着烫，量了38度2", "孩子满月了，这两天发热38度5", "我家娃快满月了，发烧到38度",
        "已经出了月子的孩子，今天体温38度1"]
MEN = ["老公这两天反复烧，最高38度6", "我爸发烧两天了，最高38度7", "我外公发烧了，38度8"]


def test_the_sentences_copy_no_measured_line() -> None:
    measured = measured_lines(13)
    texts = [*MOOD, *BEREAVED, *(c for c, _ in CHEST), *BABY, *MEN]
    for text in texts:
        runs = {text[i:i + 8] for i in range(len(text) - 7)}
        assert not any(r in line for r in runs for line in measured), text


# ---- 1: a relative's low mood

@pytest.mark.parametrize("opening", MOOD)
async def test_1_a_relatives_low_mood_starts_the_mood_questions(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r12k-mood-{_key(opening)}")
    await t.say(opening)
    assert t.slots.get("subject") in ("parent", "other"), t.slots
    assert t.slots.get("symptoms", {}).get("low_mood") is True, t.slots.get("symptoms")
    await t.until({"age": "70岁"}, default="没有")
    assert {"phq2_interest", "phq2_mood"} <= set(t.asked), t.asked
    assert "complaint_text" not in t.asked, t.asked


# ---- 2: the one bereaved is the patient

@pytest.mark.parametrize("opening", BEREAVED)
async def test_2_the_bereaved_relative_is_the_patient(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r12k-loss-{_key(opening)}")
    await t.say(opening)
    assert t.slots.get("subject") in ("parent", "other"), t.slots
    assert t.slots.get("loss") == "person", t.slots


async def test_2_the_speakers_own_loss_is_still_the_speakers(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r12k-loss-self")
    await t.say("老伴走了快半年，我一直睡不踏实")
    assert t.slots.get("subject") in (None, "self"), t.slots


# ---- 3: a chest not right, with a sweat, at an age or with a risk factor

@pytest.mark.parametrize(("opening", "answers"), CHEST)
async def test_3_chest_discomfort_with_a_sweat_is_an_emergency(client: httpx.AsyncClient, opening: str,
                                                               answers: dict[str, str]) -> None:
    t = Talk(client, f"r12k-chest-{_key(opening)}")
    await t.say(opening)
    assert t.slots.get("symptoms", {}).get("chest_tightness") is True, t.slots.get("symptoms")
    await t.until({**answers, "symptoms.chest_pain": "不疼", "subject": "本人"}, default="没有")
    assert t.level == "emergency", (t.asked, t.level, t.rules)
    assert any(r.startswith("cardiac.") for r in t.rules), t.rules


@pytest.mark.parametrize("opening", ["胸口不难受，就是嗓子疼", "胸口没有不舒服，只是有点咳嗽"])
async def test_3_a_chest_said_fine_is_no_pressure(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r12k-chest-no-{_key(opening)}")
    await t.say(opening)
    assert t.slots.get("symptoms", {}).get("chest_tightness") is not True, t.slots.get("symptoms")


# ---- 4: a baby's first month

@pytest.mark.parametrize("opening", BABY)
async def test_4_a_full_month_is_the_babys_age(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r12k-baby-{_key(opening)}")
    await t.say(opening)
    assert abs(float(t.slots.get("age") or 0) - 1 / 12) < 0.01, t.slots
    assert "age_months" not in t.asked, t.asked
    assert t.level == "emergency" and "peds.infant_fever_under_3m" in t.rules, (t.asked, t.rules)


async def test_4_a_full_month_answers_how_old(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r12k-baby-answer")
    await t.say("宝宝发烧了，38度3")
    if t.waiting in ("age_months", "age"):
        await t.say("刚满月")
    assert t.level == "emergency" and "peds.infant_fever_under_3m" in t.rules, (t.asked, t.slots, t.rules)


# ---- 5: a man is asked no pregnancy question

@pytest.mark.parametrize("opening", MEN)
async def test_5_a_man_named_by_his_kin_word_is_male(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r12k-man-{_key(opening)}")
    await t.say(opening)
    assert t.slots.get("sex") == "male", t.slots
    await t.until({"age": "35岁"}, default="没有")
    assert "pregnant" not in t.asked and "pregnancy_weeks" not in t.asked, t.asked
    assert not any("怀孕" in text for text in t.texts), t.texts


@pytest.mark.parametrize(("opening", "sex"), [("我老婆发烧了，38度5", "female"), ("我女儿发烧38度4，二十岁", "female"),
                                              ("我老伴发烧了，38度5", None)])
async def test_5_the_kin_word_says_a_womans_sex_or_none(client: httpx.AsyncClient, opening: str, sex: str | None) -> None:
    t = Talk(client, f"r12k-kin-{_key(opening)}")
    await t.say(opening)
    assert t.slots.get("sex") == sex, t.slots
