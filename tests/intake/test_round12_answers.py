"""Round 12 (newcomer trial): how answers to yes/no questions are read, in our own words, typed as a patient would.

1. An answer whose 有 / 是 belongs to another named thing (urine, sweat, a day, a medicine) is no yes to the asked
   symptom: the question is asked again, never a false red flag.
2. A vague answer ("差不多吧", "一般般") is neither a yes nor a no: asked again, then `unknown`; the question's own
   clear words ("还行" to the can-you-eat question) still answer it.
3. "不知道" to the doctor offer is not a silent no: both are offered again, with a word for the unsure.
"""
from __future__ import annotations

import httpx
import pytest

from tests.intake.test_round8_answers import answer_at, typed
from tests.triage.talk import Talk

STOOL_Q = "大便里有没有血？"
TODDLER_DIARRHOEA = "我家孩子两岁，拉肚子一天了"


@pytest.mark.parametrize("text", ["有小便，就是量少一些", "有尿尿，不过比平时少", "是前天晚上开始拉的",
                                  "有吃过药，喂了益生菌", "有出汗，背上湿湿的", "是今天早上发现的"])
def test_a_yes_about_another_thing_is_no_yes_to_the_symptom(text: str) -> None:
    assert typed("symptoms.bloody_stool", text, STOOL_Q) is None


@pytest.mark.parametrize("text", ["有尿，大便里也有点血丝", "有吃药，但是大便还是带血", "是的，有血", "有"])
def test_a_yes_about_the_symptom_beside_another_thing_is_still_a_yes(text: str) -> None:
    assert typed("symptoms.bloody_stool", text, STOOL_Q) is True


# 还行 is the feeding question's own clear answer (below): that one pair is left out.
@pytest.mark.parametrize(("slot", "text"), [
    (slot, text)
    for slot in ("symptoms.abdominal_pain", "symptoms.bloody_stool", "symptoms.refusal_to_feed")
    for text in ("差不多吧", "一般般吧", "马马虎虎", "就那样吧", "还行吧我也")
    if not (slot == "symptoms.refusal_to_feed" and "还行" in text)])
def test_a_vague_answer_is_neither_yes_nor_no(slot: str, text: str) -> None:
    assert typed(slot, text, "") is None


@pytest.mark.parametrize("text", ["还行", "能吃", "还能吃一点"])
def test_the_feeding_questions_own_words_still_answer_it(text: str) -> None:
    assert typed("symptoms.refusal_to_feed", text, "吃奶或吃饭怎么样？有没有一直不肯吃、喂不进去？") is False


@pytest.mark.parametrize("text", ["有一点吧", "应该有", "没有", "不疼"])
def test_clear_answers_to_a_symptom_question_are_kept(text: str) -> None:
    assert typed("symptoms.abdominal_pain", text, "") is (not text.startswith(("没", "不")))


@pytest.mark.parametrize("text", ["有尿，没见血", "是昨天开始的，没有血", "没有"])
def test_a_no_about_the_symptom_beside_another_thing_is_still_a_no(text: str) -> None:
    assert typed("symptoms.bloody_stool", text, STOOL_Q) is False


def test_not_allergic_is_still_a_no() -> None:
    from bot.answers import says_no
    assert says_no("不过敏") and not says_no("有小便不过少")


@pytest.mark.parametrize("answer", ["有尿的，就是不太多", "是昨天下午开始的", "有喂过药了"])
async def test_the_toddler_is_not_sent_to_120_for_an_answer_about_urine(client: httpx.AsyncClient, answer: str) -> None:
    t = Talk(client, f"r12-stool-{answer}")
    await t.say(TODDLER_DIARRHOEA)
    await answer_at(t, "symptoms.bloody_stool", answer)
    assert t.level != "emergency", t.texts[-3:]
    assert (t.slots.get("symptoms") or {}).get("bloody_stool") is not True
    assert t.waiting == "symptoms.bloody_stool", t.asked[-3:]


@pytest.mark.parametrize("answer", ["差不多吧", "一般般", "就那样吧"])
async def test_a_vague_answer_is_asked_again_then_unknown(client: httpx.AsyncClient, answer: str) -> None:
    t = Talk(client, f"r12-vague-{answer}")
    await t.say(TODDLER_DIARRHOEA)
    await answer_at(t, "symptoms.bloody_stool", answer)
    assert t.waiting == "symptoms.bloody_stool" and "bloody_stool" not in (t.slots.get("symptoms") or {})
    await t.say(answer)
    assert (t.slots.get("symptoms") or {}).get("bloody_stool") == "unknown", t.asked[-4:]
    assert t.level != "emergency"


async def _at_doctor_offer(client: httpx.AsyncClient, sender: str) -> Talk:
    t = Talk(client, sender)
    await t.say("老爷子71了，抗原阳性，烧38度，昨天起")
    for _ in range(25):
        if t.waiting == "wants_doctor":
            return t
        assert t.waiting is not None, t.texts[-3:]
        await t.say("没有")
    raise AssertionError(t.asked)


@pytest.mark.parametrize("answer", ["不知道", "我也说不好", "不确定要不要"])
async def test_unsure_about_a_doctor_is_offered_both_again(client: httpx.AsyncClient, answer: str) -> None:
    t = await _at_doctor_offer(client, f"r12-doctor-{answer}")
    reply = await t.say(answer)
    assert t.waiting == "wants_doctor" and t.slots.get("wants_doctor") is None
    said = "".join(str(m.get("text") or "") for m in reply)
    assert "拿不准" in said and "转" in said, said
    titles = [b["title"] for m in reply for b in m.get("buttons", [])]
    assert any("转在线医生" in x for x in titles) and len(titles) >= 2, titles
    await t.say("好，转在线医生")
    assert t.slots.get("wants_doctor") is True


def test_no_phrasing_copies_a_measured_line() -> None:
    import ast
    from pathlib import Path

    from tests.nlu.classes import assert_copies_no_measured_line
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    mine = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and any("\u4e00" <= c <= "\u9fff" for c in n.value) and len(n.value) >= 2]
    assert len(mine) > 30
    assert_copies_no_measured_line(mine, "tests/intake/test_round12_answers.py", newest_blind=13)
