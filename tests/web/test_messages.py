"""A REST patient receives what is pushed later: `messages?after=SEQ`, the stream with `Last-Event-ID`,
image uploads, and who may read which conversation (docs/webchat.md)."""
from __future__ import annotations

import asyncio
import json
import struct
import zlib
from typing import Any, AsyncIterator

import httpx
import pytest

from bot.app import create_app
from bot.messages import BotMessage
from bot.runtime import Runtime
from integrations.web.rest_auth import CSRF_HEADER, VISITOR_COOKIE, RestAuth

WEBHOOK = "/webhooks/rest/webhook"


def png(width: int = 2, height: int = 2) -> bytes:
    """A real (tiny) PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _anonymous(runtime: Runtime, base_url: str = "http://t") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(runtime=runtime)), base_url=base_url)


async def test_messages_after_a_sequence_number_carry_the_bots_and_the_doctors_replies(
        client: httpx.AsyncClient, runtime: Runtime) -> None:
    replies = (await client.post(WEBHOOK, json={"sender": "p1", "message": "我发烧了，38度5，咳嗽两天"})).json()
    first = (await client.get("/conversations/p1/messages", params={"after": 0})).json()
    assert first["sender_id"] == "p1" and first["more"] is False
    assert [m["text"] for m in first["messages"]] == [r["text"] for r in replies]  # the same as the webhook said
    assert all(m["from"] == "bot" and m["recipient_id"] == "p1" for m in first["messages"])
    seqs = [m["seq"] for m in first["messages"]]
    assert seqs == sorted(seqs) and first["last_seq"] >= seqs[-1]
    assert (await client.get("/conversations/p1/messages", params={"after": first["last_seq"]})).json()["messages"] == []

    # A doctor's reply pushed into the conversation (as the console does) is there after last_seq, marked staff.
    await runtime.engine.push("p1", [BotMessage(text="您好，我是李医生，请问现在体温多少？")], actor="doctor:7")
    later = (await client.get("/conversations/p1/messages", params={"after": first["last_seq"]})).json()
    assert [(m["from"], m["text"]) for m in later["messages"]] == [("staff", "您好，我是李医生，请问现在体温多少？")]
    assert later["messages"][0]["seq"] > first["last_seq"] and later["last_seq"] == later["messages"][0]["seq"]

    # With include=patient the patient's own lines come too, in order.
    everything = (await client.get("/conversations/p1/messages", params={"include": "patient"})).json()["messages"]
    assert everything[0] == {**everything[0], "from": "patient", "text": "我发烧了，38度5，咳嗽两天"}
    assert everything[-1]["from"] == "staff"


async def test_limit_pages_through_with_more(client: httpx.AsyncClient) -> None:
    await client.post(WEBHOOK, json={"sender": "p2", "message": "/greet"})
    await client.post(WEBHOOK, json={"sender": "p2", "message": "孩子咳嗽"})
    whole = (await client.get("/conversations/p2/messages")).json()["messages"]
    assert len(whole) >= 2
    page = (await client.get("/conversations/p2/messages", params={"limit": 1})).json()
    assert page["more"] is True and page["messages"] == whole[:1]
    rest = (await client.get("/conversations/p2/messages", params={"after": page["last_seq"]})).json()["messages"]
    assert rest == whole[1:]


async def test_a_conversation_not_started_has_no_messages_yet(client: httpx.AsyncClient) -> None:
    answer = (await client.get("/conversations/newcomer/messages")).json()
    assert answer == {"sender_id": "newcomer", "messages": [], "last_seq": 0, "more": False}


@pytest.mark.parametrize("query", [{"after": "-1"}, {"after": "abc"}, {"after": "1.5"}, {"after": "9" * 30},
                                   {"after": "１２"}, {"limit": "0"}, {"limit": "201"}, {"include": "everything"}])
async def test_bad_input_is_a_400_with_a_reason(client: httpx.AsyncClient, query: dict[str, str]) -> None:
    await client.post(WEBHOOK, json={"sender": "p3", "message": "/greet"})
    response = await client.get("/conversations/p3/messages", params=query)
    assert response.status_code == 400 and response.json()["error"]


async def test_a_patient_reads_only_their_own_conversation(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await client.post(WEBHOOK, json={"sender": "alice", "message": "我头疼"})
    await client.post(WEBHOOK, json={"sender": "bob", "message": "我肚子疼"})
    auth = RestAuth(runtime.config)
    alice = {"Authorization": f"Bearer {auth.sender_token('alice')}"}
    async with _anonymous(runtime) as http:
        assert (await http.get("/conversations/alice/messages")).status_code == 401  # no token
        assert (await http.get("/conversations/alice/messages", headers=alice)).status_code == 200
        refused = await http.get("/conversations/bob/messages", headers=alice)
        assert refused.status_code == 401 and "bob" not in refused.text and "肚子" not in refused.text
        assert (await http.get("/conversations/bob/stream", headers=alice)).status_code == 401
        # Another channel's conversation: the deployment token only.
        assert (await http.get("/conversations/wechat:o1/messages", headers=alice)).status_code == 403


async def test_a_visitor_cookie_acts_as_its_own_sender_only_and_changes_nothing_without_the_csrf_token(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await client.post(WEBHOOK, json={"sender": "bob", "message": "我肚子疼"})
    async with _anonymous(runtime, "https://wenzhen.test") as http:
        session = (await http.get("/chat/session")).json()
        me, csrf = session["sender"], session["csrf"]
        assert me.startswith("web-") and http.cookies.get(VISITOR_COOKIE)
        assert (await http.get("/chat/session")).json() == session  # the same visitor on the next visit
        assert RestAuth(runtime.config).deployment_token not in json.dumps(session)

        forged = await http.post(WEBHOOK, json={"sender": me, "message": "我发烧了"})
        assert forged.status_code == 401  # the cookie alone (a page of another site) cannot post
        assert not await runtime.store.exists(me)
        said = await http.post(WEBHOOK, json={"sender": me, "message": "我发烧了"}, headers={CSRF_HEADER: csrf})
        assert said.status_code == 200 and said.json()
        assert (await http.get(f"/conversations/{me}/messages")).json()["messages"]
        assert (await http.get("/conversations/bob/messages")).status_code == 401
        assert (await http.post(WEBHOOK, json={"sender": "bob", "message": "hi"},
                                headers={CSRF_HEADER: csrf})).status_code == 401
    async with _anonymous(runtime, "https://wenzhen.test") as other:
        other.cookies.set(VISITOR_COOKIE, "forged.cookie.value", domain="wenzhen.test")
        newcomer = (await other.get("/chat/session")).json()
        assert newcomer["sender"] != me  # a bad cookie is a new visitor, never someone else


async def test_an_image_is_stored_shown_to_the_doctor_and_to_the_patient(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await client.post(WEBHOOK, json={"sender": "p4", "message": "我发烧了"})
    image = png()
    sent = await client.post("/conversations/p4/attachments", content=image, headers={"Content-Type": "image/png"})
    assert sent.status_code == 200 and isinstance(sent.json(), list)
    user = [e for e in await runtime.engine.events("p4") if e.type == "user"][-1]
    attachment = user.data["attachments"][0]
    assert attachment["kind"] == "image" and attachment["content_type"] == "image/png"
    lines = (await client.get("/conversations/p4/messages", params={"include": "patient"})).json()["messages"]
    mine = [m for m in lines if m["from"] == "patient" and m.get("attachments")]
    href = mine[-1]["attachments"][0]["href"]
    fetched = await client.get(href)
    assert fetched.status_code == 200 and fetched.content == image
    assert (await client.get("/conversations/p4/attachments/1/5")).status_code == 404


@pytest.mark.parametrize(("content", "kind", "status"), [
    (b"GIF89a....", "image/gif", 415),            # not a type we keep
    (b"<svg onload=alert(1)>", "image/png", 415),  # bytes that are not what they claim
    (b"", "image/png", 400),
    (b"\x89PNG\r\n\x1a\n" + b"0" * (9 * 1024 * 1024), "image/png", 413),
])
async def test_a_bad_upload_is_refused_and_nothing_is_stored(
        client: httpx.AsyncClient, runtime: Runtime, content: bytes, kind: str, status: int) -> None:
    response = await client.post("/conversations/p5/attachments", content=content, headers={"Content-Type": kind})
    assert response.status_code == status and response.json()["error"]
    assert not await runtime.store.exists("p5")


# ---- the stream, driven on the ASGI app directly (httpx's ASGI transport waits for the whole body) ----

class Stream:
    """An open Server-Sent Events response: its frames as they come."""

    def __init__(self, app: Any, path: str, headers: dict[str, str]) -> None:
        self.status = 0
        self.frames: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self._buffer = ""
        self._disconnect = asyncio.Event()
        path, _, query = path.partition("?")
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": query.encode(),
                 "root_path": "", "server": ("t", 80), "client": ("127.0.0.1", 1),
                 "headers": [(k.lower().encode(), v.encode()) for k, v in {"host": "t", **headers}.items()]}
        self.task = asyncio.create_task(app(scope, self._receive, self._send))

    async def _receive(self) -> dict[str, Any]:
        await self._disconnect.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
        elif message["type"] == "http.response.body":
            self._buffer += message.get("body", b"").decode()
            while "\n\n" in self._buffer:
                block, self._buffer = self._buffer.split("\n\n", 1)
                frame = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line and not line.startswith(":"))
                if "event" in frame:
                    self.frames.put_nowait(frame)

    async def next(self, event: str = "message") -> dict[str, Any]:
        while True:
            frame = await asyncio.wait_for(self.frames.get(), 10)
            if frame["event"] == event:
                return {"id": int(frame["id"]), **json.loads(frame["data"])}

    async def close(self) -> None:
        self._disconnect.set()
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


@pytest.fixture
async def app(runtime: Runtime) -> AsyncIterator[Any]:
    yield create_app(runtime=runtime)


async def test_a_doctors_reply_is_pushed_down_the_stream_and_a_reconnect_resumes_without_loss(
        runtime: Runtime, client: httpx.AsyncClient, app: Any) -> None:
    token = {"Authorization": f"Bearer {RestAuth(runtime.config).sender_token('p6')}"}
    await client.post(WEBHOOK, json={"sender": "p6", "message": "/greet"})
    history = (await client.get("/conversations/p6/messages")).json()
    stream = Stream(app, f"/conversations/p6/stream?after={history['last_seq']}", token)
    ready = await stream.next("ready")
    assert stream.status == 200 and ready["after"] == history["last_seq"]

    await runtime.engine.push("p6", [BotMessage(text="我是陈医生，您的检查结果正常。")], actor="doctor:3")
    pushed = await stream.next()
    assert pushed["text"] == "我是陈医生，您的检查结果正常。" and pushed["from"] == "staff" and pushed["id"] == pushed["seq"]
    said = (await client.post(WEBHOOK, json={"sender": "p6", "message": "孩子发烧39度"})).json()
    streamed = [await stream.next() for _ in said]
    assert [m["text"] for m in streamed] == [m["text"] for m in said]  # the webhook's turn comes down too
    await stream.close()

    # Offline: two more doctor messages. The browser reconnects with the last id it saw.
    await runtime.engine.push("p6", [BotMessage(text="请多喝水。")], actor="doctor:3")
    await runtime.engine.push("p6", [BotMessage(text="明天再量一次体温。")], actor="doctor:3")
    again = Stream(app, f"/conversations/p6/stream?after={history['last_seq']}",
                   {**token, "Last-Event-ID": str(streamed[-1]["seq"])})
    await again.next("ready")
    missed = [await again.next(), await again.next()]
    assert [m["text"] for m in missed] == ["请多喝水。", "明天再量一次体温。"]
    assert missed[0]["seq"] > streamed[-1]["seq"]
    assert again.frames.empty()  # nothing twice
    await again.close()


async def test_a_bad_last_event_id_is_a_400(runtime: Runtime, app: Any) -> None:
    token = {"Authorization": f"Bearer {RestAuth(runtime.config).deployment_token}"}
    stream = Stream(app, "/conversations/p7/stream", {**token, "Last-Event-ID": "yesterday"})
    await asyncio.wait_for(stream.task, 10)
    assert stream.status == 400


@pytest.mark.parametrize("sender", ["a%00b", "a%07b", "%20", "x" * 300])
async def test_a_hostile_conversation_id_is_a_400(client: httpx.AsyncClient, sender: str) -> None:
    for path in (f"/conversations/{sender}/messages", f"/conversations/{sender}/stream"):
        response = await client.get(path)
        assert response.status_code == 400, response.text


async def test_a_follow_up_check_in_and_a_broadcast_reach_a_web_patient_live_and_later(
        make_runtime: Any) -> None:
    from bot import broadcasts as bc
    from bot.messages import UserMessage
    from tests.broadcasts.conftest import FAST, run_until_finished

    runtime = await make_runtime(rest={"auth": "token"}, **FAST)
    app = create_app(runtime=runtime)
    for sender in ("web-elder", "web-young"):
        await runtime.engine.handle(UserMessage("rest", sender, text="我今年70岁，发烧了" if sender == "web-elder" else "你好"))
    await bc.record_opt_out(runtime, "rest", "web-young", source="test")
    token = {"Authorization": f"Bearer {RestAuth(runtime.config).sender_token('web-elder')}"}
    after = max(e.seq or 0 for e in await runtime.engine.events("web-elder"))
    stream = Stream(app, f"/conversations/web-elder/stream?after={after}", token)
    await stream.next("ready")

    # A daily check-in (actions/followup.py runs /followup_checkin through Engine.trigger).
    replies = await runtime.engine.trigger("web-elder", "/followup_checkin")
    checkin = [await stream.next() for _ in replies]
    assert [m["text"] for m in checkin] == [r.text for r in replies] and all(m["from"] == "bot" for m in checkin)

    # A health-education campaign by the `web` method: stored in the conversation, streamed to the open page.
    content = bc.Content(title="通知", text="发热门诊本周六延长开放至晚上九点。回复“退订”不再接收。")
    campaign = await bc.create_campaign(runtime, "通知", content, bc.Audience(), ["web"], "admin:t")
    await bc.schedule_campaign(runtime, campaign)
    report = await run_until_finished(runtime, campaign)
    assert report.counts["delivered"] == 1 and report.reasons["skipped"] == {bc.OPTED_OUT: 1}
    assert (await stream.next())["text"] == content.text
    await stream.close()
    async with _anonymous(runtime) as http:
        later = (await http.get("/conversations/web-elder/messages", params={"after": after}, headers=token)).json()
    assert later["messages"][-1]["text"] == content.text  # and there for a client that reads later
    young = [e for e in await runtime.engine.events("web-young") if e.type == "bot"]
    assert content.text not in [e.data.get("text") for e in young]


async def test_an_identifying_answer_is_never_sent_back_in_clear(client: httpx.AsyncClient) -> None:
    from tests.cards.test_cards_over_rest import say

    await say(client, "/bind_card")
    await say(client, "1")
    await say(client, "2")
    await say(client, "我妈，王秀英")
    lines = (await client.get("/conversations/card-rest/messages", params={"include": "patient"})).json()["messages"]
    assert "王秀英" not in json.dumps(lines, ensure_ascii=False)
    assert "（个人信息已加密保存）" in [m["text"] for m in lines if m["from"] == "patient"]


async def test_the_new_routes_are_described_in_openapi_and_the_page_is_served_locally(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {"/conversations/{sender}/messages", "/conversations/{sender}/stream",
            "/conversations/{sender}/attachments"} <= set(paths)
    assert "text/event-stream" in paths["/conversations/{sender}/stream"]["get"]["responses"]["200"]["content"]
    page = await client.get("/chat")
    assert page.status_code == 200 and "转人工" in page.text and 'href="tel:120"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "http" not in page.text.replace('name="viewport"', "")  # no CDN: every file comes from here
    for asset in ("/chat/static/chat.js", "/chat/static/chat.css"):
        assert (await client.get(asset)).status_code == 200
    assert (await client.get("/chat/static/../rest.py")).status_code == 404


async def test_a_pub_sub_outage_costs_no_answer_and_no_message(runtime: Runtime, client: httpx.AsyncClient,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    async def down(topic: str, message: Any) -> None:
        raise ConnectionError("redis is away")

    monkeypatch.setattr(runtime.pubsub, "publish", down)
    said = await client.post(WEBHOOK, json={"sender": "p8", "message": "我头疼"})
    assert said.status_code == 200 and said.json()
    await runtime.engine.push("p8", [BotMessage(text="您好，我是王医生。")], actor="doctor:2")  # does not raise
    lines = (await client.get("/conversations/p8/messages")).json()["messages"]
    assert lines[-1]["text"] == "您好，我是王医生。"


async def test_a_picture_is_acknowledged_and_the_pending_question_put_again(client: httpx.AsyncClient) -> None:
    """Typed Chinese through the NLU, then a photo: never "没能识别", the same question asked again."""
    asked = (await client.post(WEBHOOK, json={"sender": "p9", "message": "我发烧两天了，最高38度5"})).json()
    photo = await client.post("/conversations/p9/attachments", content=png(), headers={"Content-Type": "image/png"})
    texts = [m["text"] for m in photo.json()]
    assert texts[0] == "图片收到了，医生接诊时可以查看。我们接着刚才的问题："
    assert texts[1] == asked[-1]["text"] and photo.json()[1]["buttons"] == asked[-1]["buttons"]
    assert not any("没能识别" in t or "没太明白" in t for t in texts)

    # With no question pending: the doctor and the symptoms offered.
    alone = (await client.post("/conversations/p10/attachments", content=png(), headers={"Content-Type": "image/png"})).json()
    assert "图片收到了" in alone[0]["text"] and [b["payload"] for b in alone[0]["buttons"]] == ["/request_doctor", "/report_symptoms"]


async def test_each_message_says_who_wrote_it_so_a_pharmacy_notice_is_not_signed_as_a_doctor(
        client: httpx.AsyncClient, runtime: Runtime) -> None:
    await client.post(WEBHOOK, json={"sender": "p-rx", "message": "我咳嗽两天了"})
    start = (await client.get("/conversations/p-rx/messages")).json()
    assert {m["by"] for m in start["messages"]} == {"bot"}
    for actor, text in [("doctor:7", "您好，我是李医生。"),
                        ("pharmacist:3", "您的处方已由药师审核通过（处方号 RX1）。"),
                        ("pharmacist:3", "您的药品已发货，快递单号 SF123。"),
                        ("system", "复诊提醒：明天上午9点。"),
                        ("system:retention", "您的资料已按规定归档。"),
                        ("admin:1", "系统将于今晚维护。")]:
        await runtime.engine.push("p-rx", [BotMessage(text=text, custom={"notice": {"name": "x"}})], actor=actor)
    later = (await client.get("/conversations/p-rx/messages", params={"after": start["last_seq"]})).json()["messages"]
    assert [(m["from"], m["by"]) for m in later] == [
        ("staff", "doctor"), ("staff", "pharmacist"), ("staff", "pharmacist"), ("bot", "system"), ("bot", "system"),
        ("staff", "admin")]
