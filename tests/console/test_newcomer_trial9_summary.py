"""Newcomer trial 9, the console's side of the raw-code check: the detail pane (the API's `view`) names who the patient
is, their age and how long in words — the same renderer as the Telegram summary (bot/consultations/labels.py).
Typed Chinese through the real NLU and engine; the console API."""
from __future__ import annotations

import json
import re

import httpx
import pytest

from bot.runtime import Runtime
from tests.console.helpers import on_duty, say
from tests.console.test_console_api import queued, sign_in

RAW = re.compile(r'"(self|child|infant|parent|spouse|male|female)"|\b0\.\d{2,3}\b')


@pytest.mark.parametrize("opening, words", [
    ("我老婆咳嗽两天了，嗓子疼", ["配偶", "2天"]),
    ("宝宝7个月，咳嗽流鼻涕一天了", ["7个月", "1天"]),
    ("我爸68岁，拉肚子三天了", ["父母", "68岁", "3天"]),
])
async def test_the_console_view_names_values_in_words(runtime: Runtime, client: httpx.AsyncClient, opening: str,
                                                      words: list[str]) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    sender = f"words-{abs(hash(opening))}"
    await say(client, sender, opening)
    cid = await queued(client, sender)
    await sign_in(client, "dr.li")
    response = await client.get(f"/api/console/consultations/{cid}")
    assert response.status_code == 200, response.text
    view = response.json()["view"]
    shown = json.dumps({k: view[k] for k in ("patient", "facts", "answers", "vitals")}, ensure_ascii=False)
    assert all(w in shown for w in words), shown
    assert not RAW.search(shown), shown
