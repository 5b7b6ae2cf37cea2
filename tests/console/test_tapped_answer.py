"""The doctor reads the button the patient tapped: "吃药后能退下来" and "没吃退烧药" sent one payload, and
the console showed the other one. Typed Chinese through the real NLU and engine up to the question,
the button's own payload tapped, then the consultation through the console API."""
from __future__ import annotations

import httpx

from bot.runtime import Runtime
from tests.console.helpers import on_duty, say
from tests.console.test_console_api import queued, sign_in

QUESTION = "吃了退烧药以后"


async def test_the_console_shows_the_button_the_patient_tapped(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    replies = await say(client, "fever-tap", "我发烧三天了，39度")
    for _ in range(8):
        asked = [m for m in replies if QUESTION in str(m.get("text") or "")]
        if asked:
            break
        replies = await say(client, "fever-tap", "没有")
    else:
        raise AssertionError(f"never asked about the fever after medicine: {replies}")
    [payload] = [b["payload"] for b in asked[0]["buttons"] if b["title"] == "吃药后能退下来"]
    await say(client, "fever-tap", payload)
    cid = await queued(client, "fever-tap")
    await sign_in(client, "dr.li")
    lines = [m["text"] for m in (await client.get(f"/api/console/consultations/{cid}")).json()["messages"]
             if m["from"] == "patient"]
    assert "吃药后能退下来" in lines and "没吃退烧药" not in lines, lines
