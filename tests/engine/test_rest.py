"""The REST channel and tracker (CONTRACTS.md §2), health and metrics (§6), and bad input at the edge."""
from __future__ import annotations

import asyncio

import httpx

WEBHOOK = "/webhooks/rest/webhook"


async def test_greeting_returns_rasa_shaped_messages_with_the_menu(client: httpx.AsyncClient) -> None:
    response = await client.post(WEBHOOK, json={"sender": "u1", "message": "/greet"})
    assert response.status_code == 200
    messages = response.json()
    assert messages[0]["recipient_id"] == "u1"
    assert "您好" in messages[0]["text"]
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert "/request_doctor" in payloads and "/covid_positive" in payloads


async def test_tracker_shows_slots_flow_triage_handoff_and_events(client: httpx.AsyncClient) -> None:
    await client.post(WEBHOOK, json={"sender": "u2", "message": "/greet"})
    tracker = (await client.get("/conversations/u2/tracker")).json()
    assert tracker["sender_id"] == "u2"
    assert tracker["slots"]["language"] == "zh"
    assert tracker["active_flow"] is None and tracker["latest_triage"] is None and tracker["handoff"] is None
    kinds = [e["event"] for e in tracker["events"]]
    assert "user" in kinds and "bot" in kinds
    assert [e["seq"] for e in tracker["events"]] == list(range(1, len(kinds) + 1))


async def test_restart_payload_forgets_slots(client: httpx.AsyncClient) -> None:
    await client.post(WEBHOOK, json={"sender": "u3", "message": '/greet{"temperature": 38.6}'})
    assert (await client.get("/conversations/u3/tracker")).json()["slots"]["temperature"] == 38.6
    await client.post(WEBHOOK, json={"sender": "u3", "message": "/restart"})
    assert "temperature" not in (await client.get("/conversations/u3/tracker")).json()["slots"]


async def test_unknown_conversation_tracker_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/conversations/nobody/tracker")
    assert response.status_code == 404 and "nobody" in response.json()["error"]


async def test_another_channels_conversation_needs_the_operator_token(client: httpx.AsyncClient) -> None:
    headers = {"Authorization": "Bearer not-the-operator-token"}
    assert (await client.get("/conversations/wechat:o123/tracker", headers=headers)).status_code == 403


async def test_malformed_json_is_a_400_with_a_reason(client: httpx.AsyncClient) -> None:
    response = await client.post(WEBHOOK, content=b'{"sender": "u1", "message": ', headers={"content-type": "application/json"})
    assert response.status_code == 400 and response.json()["error"] == "body is not valid JSON"


async def test_invalid_utf8_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post(WEBHOOK, content=b'{"sender": "u1", "message": "\xff\xfe"}')
    assert response.status_code == 400 and "UTF-8" in response.json()["error"]


async def test_missing_or_bad_sender_is_a_400(client: httpx.AsyncClient) -> None:
    for body in ({"message": "hi"}, {"sender": "", "message": "hi"}, {"sender": 5, "message": "hi"},
                 {"sender": "a:b", "message": "hi"}, {"sender": "x" * 500, "message": "hi"}, ["not", "an", "object"]):
        response = await client.post(WEBHOOK, json=body)
        assert response.status_code == 400, body
        assert response.json()["error"]


async def test_non_string_message_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.post(WEBHOOK, json={"sender": "u1", "message": {"a": 1}})
    assert response.status_code == 400 and response.json()["error"] == "'message' must be a string"


async def test_an_oversized_body_is_a_413(client: httpx.AsyncClient) -> None:
    response = await client.post(WEBHOOK, json={"sender": "u1", "message": "啊" * 200_000})
    assert response.status_code == 413


async def test_a_ten_thousand_character_message_gets_an_answer_and_is_stored_whole(client: httpx.AsyncClient) -> None:
    text = "我发烧了" * 2500
    response = await client.post(WEBHOOK, json={"sender": "long", "message": text})
    assert response.status_code == 200 and response.json()
    users = [e for e in (await client.get("/conversations/long/tracker")).json()["events"] if e["event"] == "user"]
    assert users[0]["text"] == text and "truncated" not in users[0]


async def test_a_longer_message_is_cut_and_the_cut_recorded(client: httpx.AsyncClient) -> None:
    response = await client.post(WEBHOOK, json={"sender": "longer", "message": "a" * 12_000})
    assert response.status_code == 200
    users = [e for e in (await client.get("/conversations/longer/tracker")).json()["events"] if e["event"] == "user"]
    assert len(users[0]["text"]) == 10_000 and users[0]["truncated"] is True


async def test_emoji_whitespace_and_control_characters_get_graceful_answers(client: httpx.AsyncClient) -> None:
    for i, text in enumerate(["😷🤒🤒", "   ", "\x00\x07\x1b[31m", "", "\u202e\u200b𠀀", "<script>alert(1)</script>"]):
        response = await client.post(WEBHOOK, json={"sender": f"odd{i}", "message": text})
        assert response.status_code == 200, text
        assert response.json() and all(m.get("text") for m in response.json())


async def test_concurrent_messages_to_one_conversation_are_each_stored_once(client: httpx.AsyncClient) -> None:
    texts = [f"/greet{{\"n\": {i}}}" for i in range(20)]
    responses = await asyncio.gather(*(client.post(WEBHOOK, json={"sender": "busy", "message": t}) for t in texts))
    assert all(r.status_code == 200 for r in responses)
    events = (await client.get("/conversations/busy/tracker")).json()["events"]
    assert sorted(e["text"] for e in events if e["event"] == "user") == sorted(texts)


async def test_model_parse_returns_the_contract_shape(client: httpx.AsyncClient) -> None:
    response = await client.post("/model/parse", json={"text": "你好"})
    assert response.status_code == 200
    data = response.json()
    assert data["text"] == "你好" and set(data) >= {"intent", "intent_ranking", "entities"}
    assert set(data["intent"]) == {"name", "confidence"}
    assert (await client.post("/model/parse", json={"text": 3})).status_code == 400


async def test_health_readiness_and_metrics(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"
    await client.post(WEBHOOK, json={"sender": "m1", "message": "/greet"})
    metrics = (await client.get("/metrics")).text
    assert 'wenzhen_messages_total{channel="rest"}' in metrics and "wenzhen_turn_seconds_bucket" in metrics


async def test_the_rest_api_is_described_in_openapi(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {"/webhooks/rest/webhook", "/conversations/{sender}/tracker", "/model/parse", "/readyz"} <= set(paths)


async def test_a_conversation_busy_past_the_lock_timeout_is_a_503_and_nothing_is_stored(client: httpx.AsyncClient, runtime) -> None:
    await client.post(WEBHOOK, json={"sender": "stuck", "message": "/greet"})
    runtime.locks.timeout = 0.2
    async with runtime.locks.hold("stuck"):
        response = await client.post(WEBHOOK, json={"sender": "stuck", "message": "还在吗"})
    assert response.status_code == 503 and response.headers["retry-after"] == "2"
    users = [e for e in (await client.get("/conversations/stuck/tracker")).json()["events"] if e["event"] == "user"]
    assert [u["text"] for u in users] == ["/greet"]
