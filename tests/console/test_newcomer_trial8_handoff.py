"""Newcomer trial 8: a parent asking for a person in the middle of the questions is not swallowed by them.

Typed Chinese through the real NLU and engine. 儿科 has nobody on duty, 全科 has: the reply offers a 转全科
button and then puts the pending question again; the button stays typable, and any wording naming 全科 acts.
"""
from __future__ import annotations

import httpx
import pytest

from bot.runtime import Runtime
from tests.console.helpers import on_duty, say, texts


@pytest.mark.parametrize(("ask", "choose"), [
    ("我想直接问医生", "转全科"),
    ("转人工", "那就转到全科医生吧"),
    ("我要找医生", "找全科看看吧"),
])
async def test_a_parent_asking_for_a_doctor_reaches_general_practice(runtime: Runtime, client: httpx.AsyncClient,
                                                                      ask: str, choose: str) -> None:
    await on_duty(runtime, "dr.wang", ["general"], name="王医生")
    await say(client, "parent", "宝宝8个月，耳朵疼，一直抓耳朵")
    offered = texts(await say(client, "parent", ask))
    assert "全科有医生在线" in offered, offered
    queued = texts(await say(client, "parent", choose))
    assert "全科" in queued and "第 1 位" in queued, queued
    assert "没能识别" not in queued and "没有看懂" not in queued and "不清楚" not in queued, queued


async def test_a_negated_department_is_not_chosen(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.wang", ["general"], name="王医生")
    await say(client, "parent", "宝宝8个月，耳朵疼，一直抓耳朵")
    await say(client, "parent", "转人工")
    said = texts(await say(client, "parent", "不要转全科"))
    assert "第 1 位" not in said, said


async def test_a_typed_read_more_after_an_article_opens_it(client: httpx.AsyncClient) -> None:
    first = await say(client, "reader", "孩子发烧了，可以物理降温吗")
    if not any(b.get("title") == "看全文" for m in first for b in m.get("buttons", [])):
        pytest.skip("no article with 看全文 was shown")
    said = texts(await say(client, "reader", "看全文"))
    assert "没能识别" not in said and "没有看懂" not in said, said


@pytest.mark.parametrize("thanks", ["谢谢医生", "好的 谢谢", "再见"])
async def test_after_the_doctor_closes_stale_questions_are_dropped_and_thanks_answered(
        runtime: Runtime, client: httpx.AsyncClient, thanks: str) -> None:
    from bot.consultations import Closing, consultations

    doctor = await on_duty(runtime, "dr.li", ["general"], name="李明")
    await say(client, "p8", "头晕两天了")
    await say(client, "p8", "转人工")
    service = consultations(runtime)
    [entry] = await service.queue(["general"])
    await service.accept(entry.consultation.id, doctor)
    await service.close(entry.consultation.id, doctor, Closing("头晕待查", "注意休息", "selfcare", "—"))
    said = texts(await say(client, "p8", thanks))
    assert said and "没能识别" not in said and "没有看懂" not in said and "？" not in said, said
