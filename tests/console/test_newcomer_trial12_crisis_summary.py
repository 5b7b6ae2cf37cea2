"""Newcomer trial 12: the suicidal-ideation summary listed saved-up pills as 本次用药 and wrote 想死 as the complaint.
Saved pills are a risk fact (囤积药物, in the patient's words), never a current medicine; the complaint is the
clinician's term (自杀意念) with the patient's words in quotes. Typed Chinese through the real NLU; the console API."""
from __future__ import annotations

import json

import httpx

from bot.runtime import Runtime
from tests.console.helpers import on_duty, say
from tests.console.test_console_api import queued, sign_in


async def test_saved_pills_are_a_risk_and_the_complaint_is_worded_as_a_clinician_would(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.xu", ["psychology"], name="徐医生")
    await say(client, "crisis12", "我最近一直想死，攒了一瓶安眠药")
    cid = await queued(client, "crisis12", "psychology")
    await sign_in(client, "dr.xu")
    view = (await client.get(f"/api/console/consultations/{cid}")).json()["view"]
    shown = json.dumps(view, ensure_ascii=False)
    assert view["medications"] == [], view["medications"]
    assert [b["text"] for b in view["background"] if b["name"] == "medications"] == ["未询问"], view["background"]
    risks = [r["label"] for r in view["risk_factors"]]
    assert any(r.startswith("囤积药物") and "攒了一瓶安眠药" in r for r in risks), risks
    assert view["patient"]["complaint"] == "自杀意念（患者原话：“想死”）", view["patient"]
    assert [s["label"] for s in view["symptoms_present"]] == ["自杀意念（患者原话：“想死”）"], shown
    queue = (await client.get("/api/console/queue")).json()
    assert "自杀意念" in json.dumps(queue, ensure_ascii=False), queue


async def test_a_medicine_said_as_taken_elsewhere_stays_a_current_medicine(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.xu", ["psychology"], name="徐医生")
    await say(client, "crisis12b", "我最近一直想死，攒了一瓶安眠药")
    await say(client, "crisis12b", "我平时每天吃一片安眠药才能睡着")
    cid = await queued(client, "crisis12b", "psychology")
    await sign_in(client, "dr.xu")
    view = (await client.get(f"/api/console/consultations/{cid}")).json()["view"]
    assert [m["label"] for m in view["medications"]] == ["安眠药"], view["medications"]
    assert any(r["label"].startswith("囤积药物") for r in view["risk_factors"]), view["risk_factors"]
