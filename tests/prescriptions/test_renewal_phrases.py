"""Renewal wordings that name the medicine or the person (nlu/data/renewal_phrases.yml), typed in Chinese through
the real NLU and engine (REST): each reaches the renewal flow; a medicine never prescribed is said, not swapped
for another one."""
from __future__ import annotations

import httpx
import pytest

from bot.runtime import Runtime
from nlu.interpreter import load_interpreter
from tests.console.helpers import say, texts
from tests.prescriptions.test_renewal import approved_before

PHRASES = ["想续开降压药", "再开点降压药", "我妈的药快吃完了想再开一个月的", "想续开氨氯地平", "给我爸续开降压药"]


@pytest.mark.parametrize("text", ["想续开二甲双胍", "再开点降压药", "我妈的药快吃完了想再开一个月的"])
def test_the_nlu_reads_them_as_renewal(text: str) -> None:
    parse = load_interpreter().parse(text)
    assert parse.intent.name == "renew_prescription" and parse.intent.confidence >= 0.8


async def test_each_wording_reaches_the_renewal_flow(runtime: Runtime, client: httpx.AsyncClient,
                                                     other_client: httpx.AsyncClient) -> None:
    _, _, previous = await approved_before(runtime, client, other_client, "rp-1")
    for text in PHRASES:
        asked = texts(await say(client, "rp-1", text))
        assert "苯磺酸氨氯地平片" in asked and previous in asked and "病情稳定吗" in asked, (text, asked)
        assert [f.flow for f in (await runtime.engine.state("rp-1")).stack] == ["prescription_renewal"]
        await say(client, "rp-1", "/restart")
    # And it goes on to the request, as any renewal does.
    await say(client, "rp-1", "我妈的药快吃完了想再开一个月的")
    await say(client, "rp-1", "没有，挺稳定的")
    assert "已提交续方申请" in texts(await say(client, "rp-1", "没有"))


async def test_a_medicine_never_prescribed_is_not_renewed_as_another(runtime: Runtime, client: httpx.AsyncClient,
                                                                    other_client: httpx.AsyncClient) -> None:
    _, _, previous = await approved_before(runtime, client, other_client, "rp-2")
    replies = await say(client, "rp-2", "想续开二甲双胍")
    answer = texts(replies)
    assert "没有查到在这里开过您说的这种药的处方" in answer and "苯磺酸氨氯地平片" in answer and "病情稳定吗" not in answer
    assert (await runtime.engine.state("rp-2")).stack == []
    payloads = [b["payload"] for m in replies for b in m.get("buttons") or []]
    assert f'/renew_prescription{{"rx_id": "{previous}"}}' in payloads and "/request_doctor" in payloads
    # The patient picks the one on file: the renewal goes on for it.
    assert "病情稳定吗" in texts(await say(client, "rp-2", payloads[0]))


@pytest.mark.parametrize(("answer", "worse"), [("没有加重", False), ("没有", False), ("稳定", False), ("有加重", True),
                                               ("有", True), ("最近血压降不下来", True)])
async def test_the_stability_answer_is_read_as_typed(runtime: Runtime, client: httpx.AsyncClient,
                                                     other_client: httpx.AsyncClient, answer: str, worse: bool) -> None:
    """"没有加重" is no near-copy of a button "有加重" (the buttons are 病情稳定 / 最近加重了)."""
    await approved_before(runtime, client, other_client, "rp-3")
    await say(client, "rp-3", "再开点降压药")
    await say(client, "rp-3", answer)
    assert (await runtime.engine.state("rp-3")).slots.get("renewal_worse") is worse
