"""Round 5 of issue 10: the failure classes the lead reported from a fresh blind set, pinned in typed Chinese.

Every conversation drives the real engine (NLU, flows, interceptors, rules) through the REST channel;
the words are our own, with both sides of each line (a case that must rise and one that must not).
tests/triage/vignettes_round5.yml is driven by the words driver and each case must be decided exactly
(r502, a toothache opening asked as a medicine question, since round 6: the symptom beside the question
is read again and the medicines question asked).
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx
import pytest

from actions.intake_facts import read_facts
from tests.triage.talk import Talk
from tests.triage.words import load_word_vignettes, run_set

ROUND5 = Path(__file__).parent / "vignettes_round5.yml"
KNOWN_LEFT: set[str] = set()


# ---- class 3: carbon monoxide beyond the household cluster (facts read; the flow asks once)

@pytest.mark.parametrize("text", ["洗完澡出来就头晕，想吐", "孩子刚洗完澡就说头疼", "老两口都头疼，早上起来的"])
def test_a_co_setting_or_two_people_is_read(text: str) -> None:
    facts = read_facts(text)
    assert facts.get("co_setting") is True or facts.get("household_cluster") is True, facts


@pytest.mark.parametrize("text", ["加班以后头有点疼", "我头晕，坐车坐的"])
def test_no_co_setting_without_one(text: str) -> None:
    facts = read_facts(text)
    assert not facts.get("co_setting") and not facts.get("household_cluster"), facts


# ---- class 7: a resolved fever in words; a current one is not resolved

@pytest.mark.parametrize("text", ["前两天最高38度7，这两天都是三十六度多", "烧第二天就退了", "今天36度5"])
def test_a_resolved_fever_is_read(text: str) -> None:
    assert read_facts(text).get("fever_resolved") is True


@pytest.mark.parametrize("text", ["现在还是38度5", "这两天都是37度8", "这两天都是三十九度"])
def test_a_current_fever_is_not_resolved(text: str) -> None:
    assert read_facts(text).get("fever_resolved") is not True


# ---- class 4 / 6 / 10: the words that place a complaint

def test_life_events_postpartum_diarrhoea_and_a_boys_groin_are_read() -> None:
    assert read_facts("失业以后天天睡不着，心慌").get("life_stress") is True
    assert read_facts("生完孩子一个月了，整天想哭").get("postpartum") is True
    assert read_facts("中午吃完饭拉了两次，有点恶心").get("symptoms.diarrhea") is True
    assert read_facts("没拉肚子").get("symptoms.diarrhea") is False
    assert read_facts("儿子说下面痛，一直哭").get("symptoms.lower_abdominal_pain") is True
    assert read_facts("脚下面疼").get("symptoms.lower_abdominal_pain") is None
    assert read_facts("最近考试压力大，头疼").get("life_stress") is None


# ---- class 8: a burning pain is not a fever (both sides)

async def test_a_burning_pain_is_not_a_fever(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r5-simile")
    await t.say("腰上一圈水泡，火烧火燎地疼")
    assert (t.slots.get("symptoms") or {}).get("fever") is not True, t.slots
    u = Talk(client, "r5-fever")
    await u.say("发烧了，浑身疼")
    assert (u.slots.get("symptoms") or {}).get("fever") is True


# ---- class 2: the alertness question reads a faint described

async def test_an_elder_with_covid_who_fainted_on_the_toilet(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r5-faint")
    await t.say("我妈阳了，发烧两天，78岁")
    await t.until({"symptoms.confusion": "上厕所的时候晕过去一下", "temperature": "38度5", "subject": "我妈"},
                  default="没有")
    assert t.level == "emergency", (t.asked, t.rules)
    assert "symptoms.confusion" in t.asked


# ---- all classes: the developer vignettes, each exact, no question more than twice

async def test_the_round_5_classes_in_words(client: httpx.AsyncClient) -> None:
    score = await run_set(client, load_word_vignettes(ROUND5), 6, prefix="round5")
    print("\n" + score.report("Round-5 failure classes, in words through REST:"))
    wrong = [t.vignette.id for t in score.talks if t.decided != t.vignette.expected]
    assert set(wrong) <= KNOWN_LEFT, score.report("")
    for t in score.talks:
        twice = {slot: n for slot, n in Counter(t.asked).items() if n > 2}
        assert not twice, (t.vignette.id, twice)
