"""Session seven (talk7a): what a newcomer met when typing, fixed as classes, typed through the real NLU and engine.

1. Two named products asked about together get an answer about that pair: a shared active ingredient (from the cited
   table nlu/lexicon/doses.yml, read by content/interactions/combinations.yml `ingredients`) is named, with "not
   together", the label's daily limits and a pharmacist/doctor; none shared: none known to the bot, ask a pharmacist.
   Saying both were taken stays an overdose emergency.
2. A question naming a red flag (vomiting blood, black stool, a fit, one-sided weakness …) counts for safety: the
   emergency answer when the rules make it one, else the danger sign said with 120 and a person and the intake's
   red-flag questions — never a home-care article. An ordinary symptom in a question stays a question.
3. A relative said to have died is never the patient: the living relative described is (or the speaker).
"""

from __future__ import annotations

import httpx
import pytest

from tests.intake.conftest import say_texts

EMERGENCY = "请立即拨打120"
ARTICLE = "来源："  # a knowledge article or home-care text carries its source line


def _sender(tag: str, text: str) -> str:
    return f"t7a-{tag}-{abs(hash(text))}"


def _payloads(replies: list[dict]) -> list[str]:
    return [b.get("payload") for r in replies for b in r.get("buttons") or []]


# ---- 1. two products named together ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, first, second", [
    ("白加黑跟泰诺能一块儿吃吗", "白加黑", "泰诺"),
    ("快克和日夜百服咛可以同时吃吗？", "快克", "日夜百服咛"),
    ("吃过999感冒灵了，还能吃扑热息痛吗", "999感冒灵", "扑热息痛"),
    ("感康与泰诺林冲突吗", "感康", "泰诺林"),
    ("氨酚黄那敏和感冒灵一起喝行不行", "氨酚黄那敏", "感冒灵"),
])
async def test_two_products_sharing_acetaminophen_are_named_with_the_daily_limit(
        client: httpx.AsyncClient, text: str, first: str, second: str) -> None:
    said, replies, tracker = await say_texts(client, _sender("shared", text), text)
    assert first in said and second in said, said
    assert "对乙酰氨基酚" in said and "不要一起吃" in said, said
    assert "24小时内不超过4次" in said and "2 g" in said, said  # the label's limits (label_acetaminophen)
    assert "药师" in said and "/request_doctor" in _payloads(replies), said
    assert "来源" in said and "说明书" in said, said
    assert tracker["slots"].get("triage_level") != "emergency"  # a question, not a report


async def test_two_ibuprofen_products_share_ibuprofen(client: httpx.AsyncClient) -> None:
    said, _, _ = await say_texts(client, _sender("ibu", "x"), "美林和芬必得可以一起给大人吃吗")
    assert "都含有布洛芬" in said and "不要一起吃" in said and "1.2 g" in said, said


async def test_two_products_with_no_shared_ingredient_are_said_to_share_none_known(client: httpx.AsyncClient) -> None:
    said, replies, _ = await say_texts(client, _sender("none", "x"), "新康泰克和芬必得能一起吃吗")
    assert "没有已知的相同成分" in said and "药师" in said, said
    assert "不要一起吃" not in said
    assert "/request_doctor" in _payloads(replies)


@pytest.mark.parametrize("text", ["我刚吃了快克，后来又吃了泰诺林", "下午吃了感冒灵又喝了两包白加黑"])
async def test_both_products_said_taken_stay_an_overdose_emergency(client: httpx.AsyncClient, text: str) -> None:
    said, _, tracker = await say_texts(client, _sender("taken", text), text)
    assert EMERGENCY in said and tracker["slots"].get("triage_level") == "emergency", said


# ---- 2. red flags named in a question --------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "呕血了该怎么处理",
    "抽风了怎么急救",
    "突然半边脸歪了，说话也不清楚，要紧吗",
    "胸口疼还冒冷汗是怎么回事",
    "叫不醒了咋办",
    "吐血要去医院吗",
])
async def test_a_red_flag_question_gets_the_emergency_answer(client: httpx.AsyncClient, text: str) -> None:
    said, replies, tracker = await say_texts(client, _sender("rf", text), text)
    assert EMERGENCY in said and tracker["slots"].get("triage_level") == "emergency", said
    assert "/call_120" in _payloads(replies) or "tel:120" in said


@pytest.mark.parametrize("text, word", [
    ("大便黑得像柏油要紧吗", "柏油"),
    ("拉的大便发黑是什么原因", "大便发黑"),
    ("喘不过气来怎么缓解", "喘不过气"),
])
async def test_a_red_flag_question_not_yet_an_emergency_gets_the_red_flag_path(
        client: httpx.AsyncClient, text: str, word: str) -> None:
    said, replies, tracker = await say_texts(client, _sender("rfq", text), text)
    assert "危险信号" in said and word in said and "120" in said, said
    assert {"/call_120", "/request_doctor"} <= set(_payloads(replies)), replies
    assert ARTICLE not in said, said  # no home-care article
    events = [e.get("name") for e in tracker["events"] if e.get("event") == "action"]
    assert "home_care_guidance" not in events and "answer_question_if_confident" not in events, events


@pytest.mark.parametrize("text", ["流鼻涕了怎么办", "嗓子疼怎么缓解"])
async def test_an_ordinary_symptom_in_a_question_stays_a_question(client: httpx.AsyncClient, text: str) -> None:
    said, _, tracker = await say_texts(client, _sender("ord", text), text)
    assert "危险信号" not in said and "您描述的情况可能危及生命" not in said, said
    assert tracker["slots"].get("triage_level") is None


async def test_a_topic_question_about_a_red_flag_is_not_an_emergency(client: httpx.AsyncClient) -> None:
    said, _, tracker = await say_texts(client, _sender("topic", "x"), "抽搐和寒战怎么区分")
    assert tracker["slots"].get("triage_level") != "emergency", said


# ---- 3. the one who died is never the patient --------------------------------------------------------------------

@pytest.mark.parametrize("text, subject", [
    ("我爷爷上周过世了，奶奶这几天饭都吃不下", "other"),
    ("老公前年出车祸走了，女儿到现在一提就哭，整夜睡不着", "child"),
    ("我妈去年病逝了，我爸现在天天一个人喝闷酒", "parent"),
    ("我外公没了以后，外婆一直心情很差", "other"),
    ("姐姐走了，我整晚整晚睡不着", "self"),
    ("我儿子去世快一年了，我还是每天哭", "self"),
])
async def test_the_relative_who_died_is_never_the_patient(client: httpx.AsyncClient, text: str, subject: str) -> None:
    said, _, tracker = await say_texts(client, _sender("died", text), text)
    assert tracker["slots"].get("subject") == subject, (tracker["slots"].get("subject"), said)


async def test_the_sex_is_the_living_relatives(client: httpx.AsyncClient) -> None:
    _, _, tracker = await say_texts(client, _sender("sex", "x"), "外公前阵子病逝了，外婆现在整天吃不下饭")
    assert tracker["slots"].get("subject") == "other" and tracker["slots"].get("sex") == "female", tracker["slots"]
