"""Newcomer trial 12: the ID number typed at the card binding's second relation question (binding a family member's
card) was kept in clear — only the answers to the identifying questions were sealed. Every ID-card (and mobile) number
typed anywhere in the card flows is sealed now; the question still reads the words around it. Typed over REST."""
from __future__ import annotations

import json
import logging

import httpx
import pytest

from tests.wechat.test_cards import ID_ADULT

WEBHOOK = "/webhooks/rest/webhook"


async def _say(client: httpx.AsyncClient, sender: str, message: str) -> str:
    response = await client.post(WEBHOOK, json={"sender": sender, "message": message})
    assert response.status_code == 200
    return "\n".join(m.get("text") or "" for m in response.json())


async def test_an_id_number_at_the_second_relation_question_is_sealed(client: httpx.AsyncClient, runtime,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sender = "card-relation-id"
    assert "隐私说明" in await _say(client, sender, "/bind_card")
    assert "为谁绑定" in await _say(client, sender, "1")
    assert "什么人" in await _say(client, sender, "李秀英")  # a name alone: the relation is asked again
    await _say(client, sender, f"我妈，身份证号{ID_ADULT}")
    state = await runtime.engine.state(sender)
    assert state.slots.get("card_relation") == "parent", state.slots
    tracker = json.dumps((await client.get(f"/conversations/{sender}/tracker")).json(), ensure_ascii=False)
    assert ID_ADULT not in tracker and ID_ADULT[:6] + ID_ADULT[6:14] not in tracker, "the ID number is in clear"
    assert ID_ADULT not in json.dumps([e.data for e in await runtime.engine.events(sender)], ensure_ascii=False)
    assert ID_ADULT not in caplog.text


async def test_an_id_number_typed_at_the_consent_question_is_sealed(client: httpx.AsyncClient, runtime) -> None:
    sender = "card-consent-id"
    await _say(client, sender, "/bind_card")
    await _say(client, sender, f"同意，我的身份证是{ID_ADULT}")
    assert ID_ADULT not in json.dumps([e.data for e in await runtime.engine.events(sender)], ensure_ascii=False)
