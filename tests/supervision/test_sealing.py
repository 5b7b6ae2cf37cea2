"""Sealing is decided by the question (a sensitive slot), not by what the NLU found in the answer."""
from __future__ import annotations

import json

import httpx

from tests.cards.test_cards_over_rest import say


async def test_a_name_answer_the_nlu_finds_a_subject_in_is_still_sealed(client: httpx.AsyncClient, runtime) -> None:
    await say(client, "/bind_card")
    await say(client, "1")
    await say(client, "2")
    parsed = runtime.interpreter.parse("我妈，王秀英")
    assert parsed.entities, "the premise: the NLU finds an entity (the subject) in this answer"
    await say(client, "我妈，王秀英")
    tracker = json.dumps((await client.get("/conversations/card-rest/tracker")).json(), ensure_ascii=False)
    assert "王秀英" not in tracker
    assert "我妈" not in tracker  # no entity quoting the sealed text is kept either
    async with runtime.db.engine.connect() as conn:
        from sqlalchemy import text

        rows = " ".join(str(tuple(r)) for r in await conn.execute(text("SELECT * FROM events")))
    assert "王秀英" not in rows
