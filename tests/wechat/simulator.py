"""A local stand-in for WeChat: the API server we call, and the platform that pushes to our webhook.

`WeChatAPIServer` is a real HTTP server on 127.0.0.1 serving the endpoints wenzhen (and the
broadcasts module) call — token, stable_token, customer-service and template send, media get,
menu create, user tags and mass send — and recording every call it received.

`WeChatPlatform` plays WeChat's side of the webhook: it builds messages and events as the
platform sends them, signs them and (compatible/safe mode) encrypts them with wechatpy, posts
them to our `/webhooks/wechat`, measures the reply time, decrypts the reply, and retries like
WeChat does (three tries in all, each abandoned after 5 seconds without an answer).
"""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner, random_string

TOKEN_TTL = 7200
# MsgIds are unique across every platform object of a test run, as WeChat's are.
_MSG_IDS = itertools.count(int(time.time() * 1000))


@dataclass
class Call:
    """One request the API server received."""

    method: str
    path: str
    query: dict[str, str]
    body: Any
    errcode: int = 0  # what the server answered: 0 when the call was accepted


class WeChatAPIServer:
    """The WeChat API on loopback. Use as a context manager; `base_url` goes in WENZHEN_WECHAT_API_BASE."""

    def __init__(self, app_id: str = "wx_test_app", app_secret: str = "test-secret") -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.calls: list[Call] = []
        self.media: dict[str, tuple[bytes, str]] = {}
        self.valid_tokens: set[str] = set()
        self.tokens_issued = 0
        self.tags: dict[int, dict[str, Any]] = {}
        self.user_tags: dict[str, set[int]] = {}
        self.fail_next: dict[str, list[int]] = {}  # path -> errcodes to answer with, in order
        self._counter = itertools.count(1000)
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> "WeChatAPIServer":
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                simulator._handle(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                simulator._handle(self, "POST")

            def log_message(self, *args: Any) -> None:
                return

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # many workers call at once; the default backlog of 5 resets them

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- what tests arrange and inspect -----------------------------------------------------------

    def add_media(self, media_id: str, content: bytes, content_type: str) -> None:
        self.media[media_id] = (content, content_type)

    def expire_tokens(self) -> None:
        """Every issued token stops working, as when WeChat expires or replaces it."""
        with self._lock:
            self.valid_tokens.clear()

    def received(self, path: str, refused: bool = False) -> list[Any]:
        """The JSON bodies (or query, for GETs) accepted on one path, in order (with `refused`, also
        the calls answered with an error, e.g. an expired token)."""
        with self._lock:
            return [c.body if c.method == "POST" else c.query for c in self.calls
                    if c.path == path and (refused or c.errcode == 0)]

    def customer_messages(self, openid: str | None = None) -> list[dict[str, Any]]:
        sent = self.received("/cgi-bin/message/custom/send")
        return [m for m in sent if openid is None or m.get("touser") == openid]

    # -- the protocol ------------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        url = urlparse(request.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        body: Any = None
        if method == "POST":
            raw = request.rfile.read(int(request.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = raw
        call = Call(method, url.path, query, body)
        with self._lock:
            self.calls.append(call)
        answer = self._answer(call)
        if isinstance(answer, tuple):
            content, content_type = answer
            request.send_response(200)
            request.send_header("Content-Type", content_type)
            request.send_header("Content-Length", str(len(content)))
            request.end_headers()
            request.wfile.write(content)
            return
        call.errcode = int(answer.get("errcode", 0))
        self._reply(request, answer, status=404 if call.errcode == 404 else 200)

    def _answer(self, call: Call) -> dict[str, Any] | tuple[bytes, str]:
        if isinstance(call.body, bytes):
            return {"errcode": 47001, "errmsg": "data format error"}
        with self._lock:
            forced = self.fail_next.get(call.path)
            if forced:
                return {"errcode": forced.pop(0), "errmsg": "forced by the test"}
        if call.path == "/cgi-bin/token":
            return self._issue(call.query.get("appid"), call.query.get("secret"))
        if call.path == "/cgi-bin/stable_token":
            body = call.body or {}
            return self._issue(body.get("appid"), body.get("secret"))
        if call.query.get("access_token") not in self.valid_tokens:
            return {"errcode": 42001, "errmsg": "access_token expired"}
        if call.path == "/cgi-bin/media/get":
            found = self.media.get(call.query.get("media_id", ""))
            return found if found is not None else {"errcode": 40007, "errmsg": "invalid media_id"}
        handler = self._routes().get(call.path)
        if handler is None:
            return {"errcode": 404, "errmsg": f"unknown api {call.path}"}
        return handler(call.body or {})

    def _issue(self, app_id: str | None, secret: str | None) -> dict[str, Any]:
        if app_id != self.app_id:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if secret != self.app_secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        with self._lock:
            self.tokens_issued += 1
            token = f"ACCESS_TOKEN_{self.tokens_issued}_{random_string(8)}"
            self.valid_tokens.add(token)
        return {"access_token": token, "expires_in": TOKEN_TTL}

    def _routes(self) -> dict[str, Any]:
        ok = lambda body: {"errcode": 0, "errmsg": "ok"}  # noqa: E731
        return {
            "/cgi-bin/message/custom/send": ok,
            "/cgi-bin/message/template/send": lambda body: {"errcode": 0, "errmsg": "ok", "msgid": next(self._counter)},
            "/cgi-bin/menu/create": ok,
            "/cgi-bin/tags/create": self._create_tag,
            "/cgi-bin/tags/get": lambda body: {"tags": list(self.tags.values())},
            "/cgi-bin/tags/members/batchtagging": lambda body: self._tagging(body, add=True),
            "/cgi-bin/tags/members/batchuntagging": lambda body: self._tagging(body, add=False),
            "/cgi-bin/user/tag/get": self._tag_members,
            "/cgi-bin/message/mass/sendall": self._mass,
            "/cgi-bin/message/mass/send": self._mass,
            "/cgi-bin/message/mass/preview": ok,
            "/cgi-bin/message/mass/get": lambda body: {"msg_id": body.get("msg_id"), "msg_status": "SEND_SUCCESS"},
        }

    def _create_tag(self, body: dict[str, Any]) -> dict[str, Any]:
        tag_id = next(self._counter)
        self.tags[tag_id] = {"id": tag_id, "name": body.get("tag", {}).get("name", ""), "count": 0}
        return {"tag": {"id": tag_id, "name": self.tags[tag_id]["name"]}}

    def _tagging(self, body: dict[str, Any], add: bool) -> dict[str, Any]:
        tag_id = int(body.get("tagid", 0))
        if tag_id not in self.tags:
            return {"errcode": 45159, "errmsg": "invalid tag id"}
        for openid in body.get("openid_list", []):
            tags = self.user_tags.setdefault(openid, set())
            (tags.add if add else tags.discard)(tag_id)
        self.tags[tag_id]["count"] = sum(tag_id in t for t in self.user_tags.values())
        return {"errcode": 0, "errmsg": "ok"}

    def _tag_members(self, body: dict[str, Any]) -> dict[str, Any]:
        tag_id = int(body.get("tagid", 0))
        members = sorted(o for o, tags in self.user_tags.items() if tag_id in tags)
        return {"count": len(members), "data": {"openid": members}, "next_openid": ""}

    def _mass(self, body: dict[str, Any]) -> dict[str, Any]:
        msg_id = next(self._counter)
        return {"errcode": 0, "errmsg": "send job submission success", "msg_id": msg_id, "msg_data_id": msg_id}

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, data: dict[str, Any], status: int = 200) -> None:
        raw = json.dumps(data, ensure_ascii=False).encode("utf-8")
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(raw)))
        request.end_headers()
        request.wfile.write(raw)


# -- the platform side of the webhook --------------------------------------------------------------


@dataclass
class Delivery:
    """What happened to one pushed message: every attempt's status and the final reply."""

    status: int | None
    body: str
    reply: dict[str, Any] | None  # the (decrypted) reply XML as a dict, None for `success`/empty
    attempts: int
    seconds: float  # from the first try to the final answer
    statuses: list[int | None] = field(default_factory=list)

    @property
    def text(self) -> str | None:
        return None if self.reply is None else self.reply.get("Content")


def _signature(*parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


class WeChatPlatform:
    """Pushes messages and events to a webhook as WeChat does. `mode`: plaintext | compatible | safe."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        token: str,
        app_id: str,
        aes_key: str | None = None,
        mode: str = "plaintext",
        path: str = "/webhooks/wechat",
        account: str = "gh_wenzhen_test",
        timeout: float = 5.0,
        tries: int = 3,
    ) -> None:
        self.http = http
        self.token = token
        self.app_id = app_id
        self.aes_key = aes_key
        self.mode = mode
        self.path = path
        self.account = account
        self.timeout = timeout
        self.tries = tries

    # -- building what WeChat sends ----------------------------------------------------------------

    def message(self, openid: str, msg_type: str, create_time: int | None = None, **fields: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "ToUserName": self.account,
            "FromUserName": openid,
            "CreateTime": create_time or int(time.time()),
            "MsgType": msg_type,
        }
        data.update(fields)
        if msg_type != "event" and "MsgId" not in data:
            data["MsgId"] = next(_MSG_IDS)
        return data

    def text(self, openid: str, content: str, **fields: Any) -> dict[str, Any]:
        return self.message(openid, "text", Content=content, **fields)

    def image(self, openid: str, media_id: str, pic_url: str = "http://127.0.0.1/pic.jpg") -> dict[str, Any]:
        return self.message(openid, "image", PicUrl=pic_url, MediaId=media_id)

    def voice(self, openid: str, media_id: str, recognition: str | None = None) -> dict[str, Any]:
        fields: dict[str, Any] = {"MediaId": media_id, "Format": "amr"}
        if recognition is not None:
            fields["Recognition"] = recognition
        return self.message(openid, "voice", **fields)

    def location(self, openid: str, lat: float, lon: float, label: str = "") -> dict[str, Any]:
        return self.message(openid, "location", Location_X=lat, Location_Y=lon, Scale=15, Label=label)

    def link(self, openid: str, title: str, url: str, description: str = "") -> dict[str, Any]:
        return self.message(openid, "link", Title=title, Description=description, Url=url)

    def event(self, openid: str, event: str, create_time: int | None = None, **fields: Any) -> dict[str, Any]:
        return self.message(openid, "event", create_time=create_time, Event=event, **fields)

    # -- the wire ---------------------------------------------------------------------------------------

    @staticmethod
    def to_xml(data: dict[str, Any]) -> str:
        return xmltodict.unparse({"xml": data}, full_document=False)

    def signed_query(self, timestamp: int | None = None, nonce: str | None = None, **extra: str) -> dict[str, str]:
        timestamp_text = str(timestamp or int(time.time()))
        nonce = nonce or random_string(10)
        query = {
            "signature": _signature(self.token, timestamp_text, nonce),
            "timestamp": timestamp_text,
            "nonce": nonce,
            "openid": "ignored",
        }
        query.update(extra)
        return query

    def seal(self, xml: str, timestamp: int | None = None, app_id: str | None = None) -> tuple[dict[str, str], str]:
        """The query string and body of one request in this platform's mode."""
        timestamp = timestamp or int(time.time())
        nonce = random_string(10)
        if self.mode == "plaintext":
            return self.signed_query(timestamp, nonce), xml
        assert self.aes_key is not None
        crypto = WeChatCrypto(self.token, self.aes_key, app_id or self.app_id)
        envelope = xmltodict.parse(crypto.encrypt_message(xml, nonce, str(timestamp)))["xml"]
        encrypt = envelope["Encrypt"]
        if self.mode == "compatible":
            inner = xmltodict.parse(xml)["xml"]
            body = self.to_xml({**inner, "Encrypt": encrypt})
        else:
            body = self.to_xml({"ToUserName": self.account, "Encrypt": encrypt})
        query = self.signed_query(timestamp, nonce, encrypt_type="aes", msg_signature=envelope["MsgSignature"])
        return query, body

    def open_reply(self, body: str) -> dict[str, Any] | None:
        """The reply as a dict (decrypting it in compatible/safe mode); None for `success` or empty."""
        if body in ("", "success"):
            return None
        outer = xmltodict.parse(body)["xml"]
        if "Encrypt" not in outer:
            return outer
        assert self.aes_key is not None
        crypto = WeChatCrypto(self.token, self.aes_key, self.app_id)
        plain = crypto.decrypt_message(body, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"])
        return xmltodict.parse(plain)["xml"]

    async def push(self, data: dict[str, Any]) -> Delivery:
        """Send one message or event like WeChat: retry when no answer comes within the timeout."""
        query, body = self.seal(self.to_xml(data))
        return await self.post(query, body)

    async def post(self, query: dict[str, str], body: str | bytes) -> Delivery:
        started = time.perf_counter()
        statuses: list[int | None] = []
        content = body.encode("utf-8") if isinstance(body, str) else body
        for attempt in range(1, self.tries + 1):
            try:
                response = await asyncio.wait_for(
                    self.http.post(self.path, params=query, content=content, headers={"Content-Type": "text/xml"}),
                    self.timeout,
                )
            except asyncio.TimeoutError:
                statuses.append(None)
                continue
            statuses.append(response.status_code)
            reply = self.open_reply(response.text) if response.status_code == 200 else None
            return Delivery(response.status_code, response.text, reply, attempt, time.perf_counter() - started, statuses)
        return Delivery(None, "", None, self.tries, time.perf_counter() - started, statuses)
