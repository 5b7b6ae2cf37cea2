"""console7: the handoff summary says 基础疾病：无 only when the patient said none — 未询问 when the bot never asked,
不清楚 when the patient did not know — and the same for 本次用药, 药物过敏 and 怀孕; on the console card (API), in the
doctors' Telegram summary and in the regulator's export. Typed Chinese through the real NLU and engine."""
from __future__ import annotations

import datetime as dt
import json
from typing import Any

import httpx

from bot.consultations.summary import build_intake
from bot.runtime import Runtime
from bot.supervision.export import Exporter
from integrations.telegram.doctors.text import render_summary
from tests.console.helpers import on_duty, say
from tests.console.test_console_api import queued, sign_in

CONDITIONS_QUESTION = "慢性病或特殊情况"


async def _view(runtime: Runtime, client: httpx.AsyncClient, sender: str) -> dict[str, Any]:
    cid = await queued(client, sender, "general")
    await sign_in(client, "dr.li")
    response = await client.get(f"/api/console/consultations/{cid}")
    assert response.status_code == 200, response.text
    return response.json()


def _background(detail: dict[str, Any]) -> dict[str, str]:
    return {b["label"]: b["text"] for b in detail["view"]["background"]}


async def _telegram(runtime: Runtime, sender: str) -> str:
    state = await runtime.engine.state(sender)
    return render_summary(build_intake(state, await runtime.engine.events(sender)),
                          lambda key, **v: key + " " + " ".join(map(str, v.values())))


async def _until_conditions_asked(client: httpx.AsyncClient, sender: str, opening: str) -> None:
    said = await say(client, sender, opening)
    for _ in range(20):
        if any(CONDITIONS_QUESTION in (m.get("text") or "") for m in said):
            return
        said = await say(client, sender, "没有")
    raise AssertionError("the conditions question never came")


async def test_a_question_never_asked_reads_not_asked_never_none(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    await say(client, "asked-nothing", "我嗓子疼了两天")
    detail = await _view(runtime, client, "asked-nothing")
    shown = _background(detail)
    assert shown["基础疾病"] == "未询问" and shown["药物过敏"] == "未询问", shown
    assert shown["本次用药"] == "未询问", shown
    assert "怀孕" not in shown, "never asked, never said: left out"
    assert not detail["view"]["risk_factors"]
    told = await _telegram(runtime, "asked-nothing")
    assert "基础疾病 未询问" in told and "基础疾病 无" not in told, told


async def test_none_only_when_the_patient_said_none_and_unknown_when_they_did_not_know(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    await _until_conditions_asked(client, "said-none", "我发烧38度6，烧了一天了")
    await say(client, "said-none", "没有，身体一直挺好的")
    shown = _background(await _view(runtime, client, "said-none"))
    assert shown["基础疾病"] == "无", shown

    await _until_conditions_asked(client, "not-sure", "我妈发烧39度，昨天开始的")
    await say(client, "not-sure", "这个我不清楚")
    shown = _background(await _view(runtime, client, "not-sure"))
    assert shown["基础疾病"] == "不清楚", shown
    assert "基础疾病 不清楚" in await _telegram(runtime, "not-sure")


async def test_said_medicines_and_conditions_are_listed_and_the_export_carries_the_same(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    await say(client, "said-some", "我有高血压，这两天头疼，吃了两片布洛芬")
    shown = _background(await _view(runtime, client, "said-some"))
    assert "高血压" in shown["基础疾病"] and "布洛芬" in shown["本次用药"], shown
    assert shown["药物过敏"] == "未询问", shown

    now = dt.datetime.now(dt.timezone.utc)
    job = Exporter(runtime.config, runtime.db, now - dt.timedelta(hours=1), now + dt.timedelta(hours=1))
    [record] = [json.loads(line) for line in b"".join([c async for c in job.chunks()]).decode().splitlines()]
    exported = {b["label"]: (b["status"], b["text"]) for b in record["intake"]["background"]}
    assert exported["药物过敏"] == ("not_asked", "未询问") and exported["基础疾病"][0] == "present", exported
