"""Identifying answers are sealed by the engine on every channel, not only on WeChat."""
from __future__ import annotations

import json

import httpx
from sqlalchemy import text

from tests.wechat.test_cards import ID_ADULT

WEBHOOK = "/webhooks/rest/webhook"


async def say(client: httpx.AsyncClient, message: str) -> str:
    response = await client.post(WEBHOOK, json={"sender": "card-rest", "message": message})
    assert response.status_code == 200
    return "\n".join(m.get("text") or "" for m in response.json())


async def test_a_card_bound_over_rest_leaves_nothing_identifying_in_clear(client: httpx.AsyncClient, runtime) -> None:
    assert "隐私说明" in await say(client, "/bind_card")
    assert "为谁绑定" in await say(client, "1")
    assert "姓名" in await say(client, "1")
    assert "身份证" in await say(client, "张三丰")
    assert "手机" in await say(client, ID_ADULT)
    assert "绑定成功" in await say(client, "13800138000")
    events = json.dumps((await client.get("/conversations/card-rest/tracker")).json(), ensure_ascii=False)
    async with runtime.db.session() as session:
        rows = (await session.execute(text("SELECT * FROM medical_cards"))).all()
    stored = json.dumps([list(map(str, r)) for r in rows], ensure_ascii=False)
    for secret in ("张三丰", ID_ADULT, "13800138000"):
        assert secret not in events and secret not in stored


async def test_symptoms_typed_where_a_name_was_asked_are_read_in_clear_and_screened(client: httpx.AsyncClient) -> None:
    await say(client, "/bind_card")
    await say(client, "1")
    await say(client, "1")
    answer = await say(client, "胸口很痛，喘不上气，嘴唇发紫")
    assert "120" in answer


async def test_whose_card_is_answered_in_words(client: httpx.AsyncClient, runtime) -> None:
    """A newcomer typed "给我自己": not understood, asked again, then the whole binding was thrown away."""
    for sender, said, relation in (("card-self", "给我自己", "self"), ("card-mum", "给我妈绑", "parent"),
                                   ("card-son", "我儿子的", "child")):
        async def answer(message: str, sender: str = sender) -> str:
            response = await client.post(WEBHOOK, json={"sender": sender, "message": message})
            assert response.status_code == 200
            return "\n".join(m.get("text") or "" for m in response.json())

        await answer("/bind_card")
        assert "为谁绑定" in await answer("1")
        assert "姓名" in await answer(said)
        assert (await runtime.engine.state(sender)).slots.get("card_relation") == relation
