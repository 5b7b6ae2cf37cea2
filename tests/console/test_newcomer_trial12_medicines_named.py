"""Newcomer trial 12: "我吃二甲双胍和硝苯地平" — the summary kept 硝苯地平 and dropped 二甲双胍 (the lexicon had no code for
it). Every medicine named appears, on the console's summary and in the prescription facts. Typed Chinese through the
real NLU and engine; the console API."""
from __future__ import annotations

import json

import httpx

from bot.runtime import Runtime
from tests.console.helpers import on_duty, say
from tests.console.test_console_api import queued, sign_in


async def test_both_medicines_named_together_appear_in_the_summary(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"], name="李医生")
    await say(client, "meds12", "我有高血压和糖尿病，这两天头晕")
    await say(client, "meds12", "我吃二甲双胍和硝苯地平")
    cid = await queued(client, "meds12")
    await sign_in(client, "dr.li")
    view = (await client.get(f"/api/console/consultations/{cid}")).json()["view"]
    shown = json.dumps(view["medications"], ensure_ascii=False)
    assert "二甲双胍" in shown and "硝苯地平" in shown, shown
    [taken] = [b for b in view["background"] if b["name"] == "medications"]
    assert "二甲双胍" in taken["text"], taken
    facts = (await client.get(f"/api/console/prescriptions/consultations/{cid}/facts")).json()
    assert "二甲双胍" in facts["medications"], facts
