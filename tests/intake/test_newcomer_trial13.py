"""Newcomer trial 13 (talk8): typed as a patient would, through the real NLU and engine (shared `client`, Talk).

1. A possible ectopic pregnancy (an early pregnancy or a missed period with belly pain, bleeding or fainting) got
   the late pregnancy's waiting advice (left side, waters breaking): it gets the ectopic's (lie down, nothing by
   mouth, note the bleeding, bring the pregnancy test).
2. "我到底要不要去医院" typed in the middle of an intake got the COVID article: it is impatience — the answer comes
   after a few more questions (a doctor / 120 offered), then the pending question again; said again, a doctor.
3. A child already on a fever medicine was asked the weight "to calculate the dose" and given none: the dose by weight
   of the medicine the child is on (and of the one suggested when none is taken), with the label's limits.
4. (Left: asking the sex before a pregnancy added a question to every adult intake and broke the 15-question cap.)
5. An older person who newly cannot stand, walk or get up (今天, 刚才, 早上起来就…) is an emergency (a new motor
   deficit, a possible stroke or collapse: neuro.elderly_new_cannot_stand); for days, in person today.
6. 走路东倒西歪 (staggering) is an unsteady gait (ataxia), not one-sided weakness.
7. "说话有点费劲": with breathlessness, too breathless to speak in sentences (severe); without, slurred speech.
"""

from __future__ import annotations

import httpx
import pytest

from tests.triage.talk import Talk

LATE_PREGNANCY = ("左侧卧位", "破水", "胎动", "产检资料")


def _waiting(talk: Talk) -> str:
    return "\n".join(t for t in talk.texts if t.startswith("等待"))


@pytest.mark.parametrize("opening", [
    "我28岁，月经推迟两周了，今天下腹一侧很痛，刚才还晕倒了一次",
    "我怀孕6周了，今天肚子很痛，有点出血",
    "我老婆怀孕7周，刚才肚子疼晕倒了",
    "我25岁，验孕棒两条杠，现在下面出血，肚子一阵阵疼",
])
async def test_a_possible_ectopic_gets_the_ectopics_waiting_advice(client: httpx.AsyncClient, opening: str) -> None:
    talk = Talk(client, f"t13-ectopic-{abs(hash(opening))}")
    await talk.say(opening)
    await talk.until({"age": "28岁"})
    assert talk.level == "emergency" and "preg.possible_ectopic" in talk.rules, (talk.level, talk.rules, talk.texts)
    waiting = _waiting(talk)
    for words in ("躺下", "不要吃东西、不要喝水", "出血", "验孕棒"):
        assert words in waiting, waiting
    for words in LATE_PREGNANCY:
        assert words not in waiting, waiting


@pytest.mark.parametrize("question", ["我到底要不要去医院", "那我到底需不需要去医院啊？"])
async def test_should_i_go_to_hospital_in_an_intake_is_impatience_then_the_question_again(
        client: httpx.AsyncClient, question: str) -> None:
    talk = Talk(client, f"t13-impatient-{abs(hash(question))}")
    await talk.say("我35岁，发烧两天了，38.5度")
    pending = talk.waiting
    assert pending and talk.level is None
    n = len(talk.texts)
    await talk.say(question)
    said = "\n".join(talk.texts[n:])
    assert "再问几个问题" in said and "转人工医生" in said and "120" in said, said
    assert "居家治疗指南" not in said and "来源" not in said, said
    assert talk.waiting == pending and talk.level is None, (talk.waiting, said)
    n = len(talk.texts)
    await talk.say(question)
    said = "\n".join(talk.texts[n:])
    assert "现在就可以帮您转在线医生" in said, said
    assert talk.waiting == pending and talk.level is None, (talk.waiting, said)


async def test_when_to_go_to_hospital_outside_an_intake_still_gets_the_article(client: httpx.AsyncClient) -> None:
    talk = Talk(client, "t13-when-hospital")
    await talk.say("阳了什么情况要去医院？")
    assert any("居家治疗指南" in t for t in talk.texts), talk.texts


@pytest.mark.parametrize("opening", [
    "我爸82岁，一个人住，今天早上起来就站不起来了",
    "我妈78岁，一个人在家，今天起不来床了",
    "我爸80岁，刚才起不来床了",
    "奶奶86岁，早上起来就走不了路了",
])
async def test_an_older_person_newly_unable_to_stand_is_an_emergency(client: httpx.AsyncClient, opening: str) -> None:
    talk = Talk(client, f"t13-stand-{abs(hash(opening))}")
    await talk.say(opening)
    assert talk.level == "emergency", (talk.level, talk.rules, talk.texts)
    assert "neuro.elderly_new_cannot_stand" in talk.rules, talk.rules


async def test_an_older_person_unable_to_stand_for_days_is_seen_today(client: httpx.AsyncClient) -> None:
    talk = Talk(client, "t13-stand-days")
    await talk.say("我妈75岁，站不起来三天了")
    await talk.until({"complaint_text": "站不起来"})
    assert talk.level == "urgent", (talk.level, talk.rules, talk.texts[-6:])
    assert "neuro.elderly_cannot_stand" in talk.rules, talk.rules


@pytest.mark.parametrize("opening", ["我30岁，今天走路东倒西歪的", "我40岁，这两天走路有点东倒西歪"])
async def test_staggering_is_an_unsteady_gait_not_one_sided_weakness(client: httpx.AsyncClient, opening: str) -> None:
    talk = Talk(client, f"t13-stagger-{abs(hash(opening))}")
    await talk.say(opening)
    symptoms = talk.slots.get("symptoms") or {}
    assert symptoms.get("ataxia") is True and not symptoms.get("limb_weakness"), symptoms
    assert talk.level is None, (talk.level, talk.rules)  # no stroke emergency from "one-sided weakness"


async def test_an_older_person_staggering_since_today_is_an_emergency_for_the_gait(client: httpx.AsyncClient) -> None:
    talk = Talk(client, "t13-stagger-old")
    await talk.say("我妈70岁，今天走路东倒西歪的")
    assert talk.level == "emergency" and "neuro.elderly_new_cannot_stand" in talk.rules, (talk.level, talk.rules)
    assert "neuro.stroke_signs" not in talk.rules, talk.rules
    assert not (talk.slots.get("symptoms") or {}).get("limb_weakness"), talk.slots


@pytest.mark.parametrize("opening", ["我60岁，喘不上气，说话有点费劲", "我52岁，胸闷气短，说话都有点吃力"])
async def test_speaking_an_effort_when_breathless_is_severe_breathlessness(client: httpx.AsyncClient, opening: str) -> None:
    talk = Talk(client, f"t13-speak-breath-{abs(hash(opening))}")
    await talk.say(opening)
    assert talk.level == "emergency" and "resp.severe_dyspnea" in talk.rules, (talk.level, talk.rules)
    assert not (talk.slots.get("symptoms") or {}).get("slurred_speech"), talk.slots


async def test_speaking_an_effort_answers_the_at_rest_question(client: httpx.AsyncClient) -> None:
    talk = Talk(client, "t13-speak-answer")
    await talk.say("我60岁，喘不上气")
    assert talk.waiting == "breathless_at_rest", talk.asked
    await talk.say("说话有点费劲")
    assert talk.slots.get("breathless_at_rest") is True, talk.slots
    assert not (talk.slots.get("symptoms") or {}).get("slurred_speech"), talk.slots
    assert talk.level == "emergency" and "neuro.stroke_signs" not in talk.rules, (talk.level, talk.rules)


@pytest.mark.parametrize("opening", ["我妈70岁，刚才说话有点费劲", "我爸65岁，突然说话有点费劲，右手没劲"])
async def test_speaking_an_effort_without_breathlessness_is_slurred_speech(client: httpx.AsyncClient, opening: str) -> None:
    talk = Talk(client, f"t13-speak-stroke-{abs(hash(opening))}")
    await talk.say(opening)
    assert (talk.slots.get("symptoms") or {}).get("slurred_speech") is True, talk.slots
    assert talk.level == "emergency" and "neuro.stroke_signs" in talk.rules, (talk.level, talk.rules)


async def _weight_then_advice(talk: Talk, opening: str, weight: str) -> str:
    await talk.say(opening)
    for _ in range(25):
        if talk.waiting == "weight_kg" or (talk.level is not None and talk.waiting != "weight_kg" and "weight_kg" in talk.asked):
            break
        await talk.say("没有")
    assert talk.waiting == "weight_kg", (talk.asked, talk.texts[-3:])
    assert any("计算退烧药的剂量" in t for t in talk.texts[-2:]), talk.texts[-2:]
    n = len(talk.texts)
    await talk.say(weight)
    return "\n".join(talk.texts[n:])


@pytest.mark.parametrize(("opening", "dose"), [
    ("我女儿5岁，发烧38.8度，早上吃了美林", "每次 100–200 mg"),
    ("儿子4岁，发烧39度，刚喂了泰诺林", "每次 200–300 mg"),
    ("我儿子3岁，发烧39度一天了", "每次 200–300 mg"),
])
async def test_the_weight_asked_for_the_dose_gives_the_dose(client: httpx.AsyncClient, opening: str, dose: str) -> None:
    talk = Talk(client, f"t13-dose-{abs(hash(opening))}")
    advice = await _weight_then_advice(talk, opening, "20公斤")
    assert dose in advice, advice
    assert "24小时内不超过4次" in advice and "说明书" in advice, advice
