"""Session seven: a patient who answers a question with a health question, again and again.

The health question is answered each time, but the same words again (or more than three questions
while one question waits) count as asking that question again: the conversation always reaches a
decision, never an endless loop of "我们接着刚才的问题".
"""
from __future__ import annotations

import httpx

from tests.triage.talk import Talk

OPENING = "我老婆发烧了，三十八度六，从前天晚上开始"
REPEATED = "吃布洛芬可以吗？"


async def test_the_same_question_instead_of_every_answer_still_reaches_a_decision(client: httpx.AsyncClient) -> None:
    t = Talk(client, "s7-repeat")
    await t.say(OPENING)
    first_pending = t.waiting
    assert first_pending is not None
    for _ in range(40):
        if t.level is not None or t.waiting is None:
            break
        await t.say(REPEATED)
    assert t.level is not None or t.waiting is None, t.texts[-4:]
    assert t.level != "emergency"


async def test_different_questions_while_one_waits_are_answered_and_the_question_kept(client: httpx.AsyncClient) -> None:
    t = Talk(client, "s7-different")
    await t.say(OPENING)
    pending = t.waiting
    assert pending is not None
    for question in ("退烧药隔多久能再吃一次？", "物理降温用酒精擦身可以吗？"):
        reply = await t.say(question)
        said = "".join(str(m.get("text") or "") for m in reply)
        assert "接着刚才的问题" in said, said
        assert t.waiting == pending, (question, t.asked[-3:])
