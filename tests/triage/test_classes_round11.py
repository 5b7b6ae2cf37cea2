"""Round 11 (ans): failure classes in how the intake reads a patient's typed answers, in typed Chinese of our own.

1. A yes/no red-flag question answered by describing the finding: a sweat seen on the body ("额头上全是汗") and a pain
   that runs on to the jaw, arm, shoulder or back ("连着下巴") are yes; the finding denied or said to be fine in its own
   clause ("胳膊不疼", "出汗正常") is no. A cardiac red flag still unreadable after the re-ask, in a chest pain or pressure
   with age or risk factors (or no age to be had), errs to emergency (cardiac.chest_pain_red_flag_unknown; criteria
   §3 "chest pain that may be cardiac, especially with sweating, radiating pain, age or risk factors" and "Unknown
   answers ... never counts as no"); a chest pain's age is asked even after the intake stopped asking.
2. The mood screen answered in words, also by a relative: an interest given up ("以前爱钓鱼，现在不去了") and a low mood
   seen ("看着挺消沉") score on the PHQ scale (affirmed: "more than half the days"); the item said to be as usual is 0.
3. An asthmatic's or a COPD patient's tight chest with the breath short is the airways' tightness, not a cardiac chest
   pain: asked about a pain besides it, and urgent when sentences can be spoken (criteria "urgent: new breathlessness
   with chronic lung disease, able to speak in sentences"); a true chest pain with breathlessness stays emergency.
4. "Normal" statements and a single past vomit are no symptoms: urine said to be normal is no urinary symptom, a vomit
   that stopped is no persistent vomiting, a single day of mild diarrhoea in a child drinking well is selfcare (criteria
   "selfcare: mild gastroenteritis with good intake and no blood"); more than a day of it is still urgent.

Conversations drive the real engine (NLU, flows, interceptors, rules) through the REST channel.
"""
from __future__ import annotations

import httpx
import pytest

from actions.intake_facts import read_facts
from tests.nlu.classes import measured_lines
from tests.triage.talk import Talk

# ---- 1: a red flag described

SWEAT_YES = ["脸煞白，脑门上一层汗", "后背的衣服都湿透了", "手心额头都湿乎乎的，汗直往下滴"]
SWEAT_NO = ["身上干干的，汗倒没出", "出汗跟平时一样正常"]
RADIATING_YES = ["胸口正当中压着疼，一直牵到下巴和牙根", "左边胳膊跟着发酸发疼", "疼起来后背也扯着疼", "牵着左肩膀一起难受"]
RADIATING_NO = ["就在胸口这一块，别的地方不疼", "胳膊肩膀下巴都没事"]


@pytest.mark.parametrize("sweat", SWEAT_YES)
async def test_1_a_sweat_described_is_a_yes_and_an_emergency(client: httpx.AsyncClient, sweat: str) -> None:
    t = Talk(client, f"r11-sweat-{abs(hash(sweat))}")
    await t.say("胸口疼")
    await t.until({"subject": "我爸", "symptoms.sweating": sweat, "age": "74岁"}, default="没有")
    assert t.asked.count("symptoms.sweating") == 1, t.asked
    assert t.slots["symptoms"]["sweating"] is True, t.slots["symptoms"]
    assert t.level == "emergency" and "cardiac.chest_pain_red_flags" in t.rules, (t.asked, t.rules)


@pytest.mark.parametrize("radiating", RADIATING_YES)
async def test_1_a_pain_running_on_is_a_yes_and_an_emergency(client: httpx.AsyncClient, radiating: str) -> None:
    t = Talk(client, f"r11-radiating-{abs(hash(radiating))}")
    await t.say("胸口闷着疼")
    await t.until({"subject": "我妈", "symptoms.radiating_pain": radiating, "age": "66岁"}, default="没有")
    assert t.asked.count("symptoms.radiating_pain") == 1, t.asked
    assert t.slots["symptoms"]["radiating_pain"] is True, t.slots["symptoms"]
    assert t.level == "emergency" and "cardiac.chest_pain_red_flags" in t.rules, (t.asked, t.rules)


@pytest.mark.parametrize(("sweat", "radiating"), list(zip(SWEAT_NO, RADIATING_NO)))
async def test_1_the_finding_denied_in_words_is_a_no(client: httpx.AsyncClient, sweat: str, radiating: str) -> None:
    t = Talk(client, f"r11-denied-{abs(hash(sweat))}")
    await t.say("胸口疼")
    await t.until({"subject": "我", "symptoms.sweating": sweat, "symptoms.radiating_pain": radiating, "age": "30岁"},
                  default="没有")
    assert t.asked.count("symptoms.sweating") == 1 and t.asked.count("symptoms.radiating_pain") == 1, t.asked
    assert t.slots["symptoms"]["sweating"] is False and t.slots["symptoms"]["radiating_pain"] is False, t.slots
    assert t.level == "urgent" and "cardiac.chest_pain" in t.rules, (t.asked, t.rules)


async def test_1_an_unreadable_red_flag_in_an_older_patient_errs_to_emergency(client: httpx.AsyncClient) -> None:
    """Two red flags given up in a row stop the asking; the age is still asked, and at 72 the unconfirmed sweat and
    radiation are an emergency (criteria: never "no")."""
    t = Talk(client, "r11-unknown-old")
    await t.say("胸口疼")
    await t.until({"subject": "我爸", "symptoms.sweating": "他就那样坐着", "symptoms.radiating_pain": "他就那样坐着",
                   "age": "72岁"}, default="没有")
    assert "age" in t.asked, t.asked
    assert t.slots["symptoms"]["sweating"] == "unknown", t.slots["symptoms"]
    assert t.level == "emergency" and "cardiac.chest_pain_red_flag_unknown" in t.rules, (t.asked, t.rules)


async def test_1_an_unreadable_red_flag_in_a_young_patient_keeps_the_chest_pain_level(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r11-unknown-young")
    await t.say("胸口疼")
    await t.until({"subject": "我", "symptoms.sweating": "这个嘛", "symptoms.radiating_pain": "这个嘛", "age": "26岁"},
                  default="没有")
    assert t.level == "urgent" and "cardiac.chest_pain_red_flag_unknown" not in t.rules, (t.asked, t.rules)


@pytest.mark.parametrize("pale", ["脸白白的，嘴唇也没血色", "小脸蜡黄蜡黄的", "整个人煞白"])
async def test_1_a_pale_child_described_is_pale(client: httpx.AsyncClient, pale: str) -> None:
    t = Talk(client, f"r11-pale-{abs(hash(pale))}")
    await t.say("孩子三岁，大便里有血")
    await t.until({"symptoms.pallor": pale}, default="没有")
    assert t.asked.count("symptoms.pallor") == 1, t.asked
    assert t.level == "emergency" and "peds.bloody_diarrhea" in t.rules, (t.asked, t.rules)


async def test_1_one_leg_bigger_than_the_other_is_a_swelling(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r11-leg")
    await t.say("胸口有点疼")
    await t.until({"subject": "我", "age": "30岁", "symptoms.leg_swelling": "右边小腿比左边粗了一圈"}, default="没有")
    assert t.slots["symptoms"].get("leg_swelling") is True, t.slots["symptoms"]
    assert t.level == "emergency" and "cardiac.pulmonary_embolism_signs" in t.rules, (t.asked, t.rules)


# ---- 2: the mood screen in words, also by a relative

INTEREST = ["他以前最爱钓鱼，现在鱼竿都不碰了", "原来每天都去公园打拳，这一个月一次都没去", "我妈过去爱跳舞，最近哪也不去"]
MOOD = ["看上去挺消沉的", "老是一个人唉声叹气", "话也少了，整个人闷闷的"]


@pytest.mark.parametrize(("interest", "mood"), list(zip(INTEREST, MOOD)))
async def test_2_a_relative_describing_the_mood_screen_scores_it(client: httpx.AsyncClient, interest: str, mood: str) -> None:
    t = Talk(client, f"r11-phq-{abs(hash(interest))}")
    await t.say("我爸最近心情很差，老一个人坐着")
    await t.until({"phq2_interest": interest, "phq2_mood": mood, "age": "72岁", "conditions_answer": "高血压"},
                  default="没有")
    assert t.asked.count("phq2_interest") == 1 and t.asked.count("phq2_mood") == 1, t.asked
    assert t.slots["phq2_interest"] >= 1 and t.slots["phq2_mood"] >= 1, t.slots
    assert t.level == "consult" and "psych.depression_screen_positive" in t.rules, (t.asked, t.rules)


@pytest.mark.parametrize(("interest", "mood"), [("还跟以前一样天天出去遛弯", "心情挺好的，有说有笑"),
                                                ("该干嘛干嘛，爱好一点没变", "看着挺乐呵")])
async def test_2_the_items_said_as_usual_are_zero(client: httpx.AsyncClient, interest: str, mood: str) -> None:
    t = Talk(client, f"r11-phq-no-{abs(hash(interest))}")
    await t.say("我爸最近睡不好")
    await t.until({"phq2_interest": interest, "phq2_mood": mood, "age": "70岁"}, default="没有")
    if "phq2_interest" in t.asked:
        assert t.slots.get("phq2_interest") == 0 and t.slots.get("phq2_mood") == 0, t.slots


# ---- 3: an asthmatic's tight chest

@pytest.mark.parametrize(("opening", "besides", "at_rest"), [
    ("我有哮喘，今天又犯了，有点喘，胸口紧", "就是胸口紧", "能说完整句子，就是胸口紧"),
    ("我有慢阻肺，这两天气短，胸口发紧", "只是发紧，不疼", "说话一句一句能说完"),
    ("哮喘老毛病了，今天喘，胸口憋得慌", "没有疼，就是憋", "坐着还好，话能说完整"),
])
async def test_3_an_asthmatic_tight_chest_is_not_a_cardiac_pain(client: httpx.AsyncClient, opening: str, besides: str,
                                                               at_rest: str) -> None:
    t = Talk(client, f"r11-asthma-{abs(hash(opening))}")
    await t.say(opening)
    assert t.level is None, t.rules
    await t.until({"symptoms.chest_pain": besides, "breathless_at_rest": at_rest, "age": "45岁", "subject": "我"},
                  default="没有")
    assert t.asked.count("symptoms.chest_pain") == 1, t.asked
    assert t.slots["symptoms"]["chest_pain"] is False and t.slots["symptoms"]["chest_tightness"] is True, t.slots
    assert t.slots.get("breathless_at_rest") is False, t.slots
    assert t.level == "urgent" and "cardiac.chest_pain_with_dyspnea" not in t.rules, (t.asked, t.rules)


@pytest.mark.parametrize("opening", ["我有哮喘，今天喘得厉害，胸口也疼", "我有慢阻肺，喘不上气，胸口痛"])
async def test_3_a_true_chest_pain_with_breathlessness_stays_emergency(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r11-asthma-pain-{abs(hash(opening))}")
    await t.say(opening)
    assert t.level == "emergency" and "cardiac.chest_pain_with_dyspnea" in t.rules, t.rules


async def test_3_a_pain_besides_the_tightness_is_a_chest_pain(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r11-asthma-besides")
    await t.say("我有哮喘，今天有点喘，胸口紧")
    await t.say("有，还一阵一阵地刺着疼")
    assert t.slots["symptoms"]["chest_pain"] is True, t.slots["symptoms"]
    assert t.level == "emergency" and "cardiac.chest_pain_with_dyspnea" in t.rules, t.rules


async def test_3_a_tight_chest_without_lung_disease_still_answers_the_chest_pain_question(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r11-tight-no-asthma")
    await t.say("今天有点喘，胸口发紧")
    await t.until({"subject": "我"}, default="没有")
    assert "symptoms.chest_pain" not in t.asked and t.slots["symptoms"].get("chest_pain") is True, (t.asked, t.slots)
    assert t.level == "emergency" and "cardiac.chest_pain_with_dyspnea" in t.rules, t.rules


# ---- 4: "normal" and a single past vomit

@pytest.mark.parametrize("text", ["小便正常，没有尿痛", "大小便都正常，就是肚子疼", "尿尿正常，背上有点痛"])
def test_4_urine_said_to_be_normal_is_no_urinary_symptom(text: str) -> None:
    facts = read_facts(text)
    assert facts.get("symptoms.dysuria") is not True and facts.get("symptoms.hematuria") is not True, facts


@pytest.mark.parametrize("text", ["小便的时候刺痛", "尿尿有点疼"])
def test_4_a_painful_urine_is_still_read(text: str) -> None:
    assert read_facts(text).get("symptoms.dysuria") is True


@pytest.mark.parametrize(("opening", "vomit", "feeding"), [
    ("我儿子6岁，昨天开始拉肚子，拉了三次稀的", "早上吐过一回，之后就没再吐", "喝水喝粥都行"),
    ("女儿七岁，拉肚子一天了", "吐了一次就好了", "稀饭和水都能喝下去"),
    ("孩子六岁，拉稀一天了", "昨晚吐了一下，现在不吐了", "水也喝，米汤也喝"),
])
async def test_4_a_day_of_mild_diarrhoea_and_one_vomit_that_stopped_is_selfcare(
        client: httpx.AsyncClient, opening: str, vomit: str, feeding: str) -> None:
    t = Talk(client, f"r11-gastro-{abs(hash(opening))}")
    await t.say(opening)
    await t.until({"symptoms.vomiting": vomit, "symptoms.vomiting_or_diarrhea": vomit, "symptoms.refusal_to_feed": feeding,
                   "symptoms.abdominal_pain": vomit, "symptoms.decreased_urination": "大小便都正常",
                   "symptoms.drowsiness": "精神挺好，还在玩"}, default="没有")
    assert t.level == "selfcare", (t.asked, t.rules, t.slots)
    assert "peds.persistent_vomiting_diarrhea" not in t.rules and "uro.urinary_symptoms" not in t.rules, t.rules


async def test_4_more_than_a_day_of_diarrhoea_is_still_urgent(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r11-gastro-two-days")
    await t.say("孩子五岁，拉肚子两天了")
    await t.until({"symptoms.refusal_to_feed": "能喝水"}, default="没有")
    assert t.level == "urgent" and "peds.persistent_vomiting_diarrhea" in t.rules, (t.asked, t.rules)


async def test_4_ongoing_vomiting_for_a_day_is_still_urgent(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r11-vomit-ongoing")
    await t.say("孩子四岁，吐了一天了，现在还在吐")
    await t.until({}, default="没有")
    assert t.level == "urgent" and "peds.persistent_vomiting_diarrhea" in t.rules, (t.asked, t.rules)


# ---- our own words

MINE = [*SWEAT_YES, *SWEAT_NO, *RADIATING_YES, *RADIATING_NO, *INTEREST, *MOOD, "脸白白的，嘴唇也没血色", "右边小腿比左边粗了一圈"]


def test_these_sentences_copy_no_measured_line() -> None:
    measured = measured_lines(12)
    for text in MINE:
        runs = {text[i:i + 8] for i in range(len(text) - 7)}
        assert not any(r in line for r in runs for line in measured), text
