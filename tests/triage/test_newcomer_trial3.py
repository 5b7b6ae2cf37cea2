"""Newcomer trial 3 of issue 10: findings of a first-time user, fixed as classes — in typed Chinese, our own
words, through the real NLU and engine over the REST channel."""
from __future__ import annotations

import httpx
import pytest

from tests.triage.talk import Talk


async def reach(t: Talk, slot: str, opening: str, answers: dict[str, str]) -> None:
    await t.say(opening)
    for _ in range(12):
        if t.waiting == slot or t.level is not None:
            break
        await t.say(answers.get(t.waiting or "", "没有"))
    assert t.waiting == slot, t.asked


def slot(t: Talk, name: str) -> object:
    head, _, code = name.partition(".")
    return (t.slots.get(head) or {}).get(code) if code else t.slots.get(head)


def present(t: Talk) -> set[str]:
    return {f"symptoms.{k}" for k, v in (t.slots.get("symptoms") or {}).items() if v is True}


FEVER = "我发烧了，38度5，两天了"
WHO = {"subject": "我自己", "age": "31岁", "sex": "女", "fever_persists_despite_medication": "没吃退烧药"}


# ---- class 2: an "I can't tell" answer is unknown, never a symptom

@pytest.mark.parametrize("vague", ["说不清", "说不清楚", "这个我也说不清", "不好说", "讲不清", "哎 我真说不清楚"])
async def test_a_vague_answer_is_unknown_and_carries_no_symptom(client: httpx.AsyncClient, vague: str) -> None:
    t = Talk(client, f"n3-vague-{vague}")
    await reach(t, "symptoms.dyspnea", FEVER, WHO)
    await t.say(vague)
    assert slot(t, "symptoms.slurred_speech") in (None, False), t.slots
    assert t.level != "emergency", (t.level, t.rules)
    assert slot(t, "symptoms.dyspnea") == "unknown", slot(t, "symptoms.dyspnea")
    assert "120" not in t.texts[-1] or t.waiting is not None


# ---- class 1: an answer about another symptom is not a yes to the pending one

@pytest.mark.parametrize("other", ["咳得厉害 晚上都睡不了", "主要是咳嗽比较厉害", "就是嗓子疼得厉害"])
async def test_an_answer_about_another_symptom_is_not_a_yes(client: httpx.AsyncClient, other: str) -> None:
    t = Talk(client, f"n3-other-{other}")
    await reach(t, "symptoms.dyspnea", FEVER, WHO)
    await t.say(other)
    assert slot(t, "symptoms.dyspnea") is not True, slot(t, "symptoms.dyspnea")
    said = present(t)
    assert said & {"symptoms.cough", "symptoms.sore_throat"}, said  # the other symptom is recorded
    assert t.waiting == "symptoms.dyspnea"  # asked again (counted towards the re-ask limit)


async def test_the_asked_symptom_said_with_a_degree_word_is_still_a_yes(client: httpx.AsyncClient) -> None:
    t = Talk(client, "n3-same")
    await reach(t, "symptoms.dyspnea", FEVER, WHO)
    await t.say("喘得厉害")
    assert slot(t, "symptoms.dyspnea") is True


# ---- class 3c: an opening that says who and what starts the intake, however worried

@pytest.mark.parametrize("opening", ["宝宝10个月 发烧了 怎么办啊 急死了", "我闺女两岁 一直拉肚子 急死我了 怎么办"])
async def test_a_worried_opening_with_a_complaint_starts_the_intake(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"n3-worried-{opening}")
    await t.say(opening)
    assert t.waiting is not None, t.texts  # a question of the intake, not "请告诉我发生了什么"
    assert not any("请告诉我发生了什么" in x for x in t.texts), t.texts
    assert present(t), t.slots


async def test_a_cry_for_help_without_a_complaint_still_asks_what_happened(client: httpx.AsyncClient) -> None:
    t = Talk(client, "n3-cry")
    await t.say("救命啊 快来人")
    assert any("120" in x for x in t.texts), t.texts


# ---- class 3a/3b: what was said answers the question it overlaps

async def test_chest_tightness_said_answers_the_chest_pain_question(client: httpx.AsyncClient) -> None:
    t = Talk(client, "n3-tight")
    await t.say("我爸72了 刚才说胸口有点闷")
    await t.until({"subject": "我爸", "age": "72岁", "sex": "男"}, default="没有")
    assert "symptoms.chest_pain" not in t.asked, t.asked
    assert slot(t, "symptoms.chest_pain") is True


async def test_a_no_to_the_pregnancy_warning_question_answers_the_breathing_question(client: httpx.AsyncClient) -> None:
    t = Talk(client, "n3-preg")
    await t.say("我怀孕28周了 发烧38度2 咳嗽")
    await t.until({"subject": "我自己", "age": "28岁", "sex": "女"}, default="没有")
    assert "symptoms.pregnancy_warning" in t.asked, t.asked
    assert "symptoms.dyspnea" not in t.asked, t.asked
    assert slot(t, "symptoms.dyspnea") is False


# ---- class 3e: a fever nobody measured is asked about in words that fit

async def test_an_unmeasured_fever_is_asked_whether_it_keeps_burning(client: httpx.AsyncClient) -> None:
    t = Talk(client, "n3-unmeasured")
    await t.say("我老婆发烧三天了 浑身发烫")
    await t.until({"subject": "我老婆", "age": "35岁", "sex": "女", "temperature": "不知道 没量"}, default="没有")
    assert "fever_persists_despite_medication" in t.asked, t.asked  # round 6: still asked
    asked = [x for x in t.texts if "退烧药" in x]
    assert asked and not any("38.5℃以上吗" in x for x in asked), asked


async def test_a_measured_fever_keeps_the_threshold_question(client: httpx.AsyncClient) -> None:
    t = Talk(client, "n3-measured")
    await t.say("我老婆发烧三天了 最高39度")
    await t.until({"subject": "我老婆", "age": "35岁", "sex": "女"}, default="没有")
    assert any("38.5℃以上吗" in x for x in t.texts), t.asked


# ---- class 5: a baby's breathing is asked by the signs a parent can see

async def test_an_infant_is_not_offered_speaking_in_sentences(client: httpx.AsyncClient) -> None:
    t = Talk(client, "n3-infant")
    reply: list = []
    await t.say("宝宝10个月 发烧了 怎么办啊 急死了")
    for _ in range(15):
        if t.waiting == "symptoms.dyspnea" or t.level is not None or t.waiting is None:
            break
        reply = await t.say({"temperature": "不知道 没量", "sex": "男孩"}.get(t.waiting or "", "没有"))
    assert t.waiting == "symptoms.dyspnea", t.asked
    titles = [b.get("title") for m in reply for b in (m.get("buttons") or [])]
    assert not any("整句" in str(x) or "说话" in str(x) for x in titles), titles
    assert any("鼻翼" in str(x) for x in titles), titles
    await t.say("鼻翼一扇一扇的")
    assert slot(t, "symptoms.dyspnea") is True


# ---- class 4: a cold with a medicine question

async def test_a_cold_with_a_medicine_question_goes_to_the_intake_and_gets_care_for_each_symptom(
        client: httpx.AsyncClient) -> None:
    t = Talk(client, "n3-cold-medicine")
    await t.say("感冒了 流鼻涕 嗓子有点疼 没发烧 吃点什么药好")
    assert not any("知识库里暂时没有" in x for x in t.texts), t.texts
    assert t.waiting is not None, t.texts
    assert {"symptoms.runny_nose", "symptoms.sore_throat"} <= present(t), t.slots
    await t.until({"subject": "我自己", "age": "30岁", "sex": "男"}, default="没有")
    care = "\n".join(t.texts)
    assert "嗓子疼" in care and "鼻塞流涕" in care, care[-800:]
    assert "单独的房间" not in care, care[-800:]  # no COVID home isolation for a cold


async def test_a_positive_test_still_gets_the_isolation_advice(client: httpx.AsyncClient) -> None:
    t = Talk(client, "n3-positive")
    await t.say("我阳了 嗓子疼 流鼻涕")
    await t.until({"subject": "我自己", "age": "30岁", "sex": "男"}, default="没有")
    assert "单独的房间" in "\n".join(t.texts), t.asked


async def test_a_symptom_said_beside_a_medicine_question_is_not_offered_again(client: httpx.AsyncClient) -> None:
    t = Talk(client, "n3-offered")
    reply = await t.say("发烧38度6 流鼻涕 吃点什么药好")
    for _ in range(15):
        if t.waiting in ("other_symptoms", None) or t.level is not None:
            break
        reply = await t.say({"subject": "我自己", "age": "30岁", "sex": "男"}.get(t.waiting or "", "没有"))
    assert "symptoms.runny_nose" in present(t), t.slots
    if t.waiting == "other_symptoms":
        titles = [b.get("title") for m in reply for b in (m.get("buttons") or [])]
        assert "流涕鼻塞" not in titles, titles
