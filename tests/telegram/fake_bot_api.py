"""A local HTTP server that speaks the Telegram Bot API, so tests drive the real python-telegram-bot against it.

It answers the methods wenzhen uses (getMe, sendMessage, sendPhoto, editMessageText,
answerCallbackQuery, setWebhook, deleteWebhook, getUpdates) and 404s any other,
records every call it receives, and hands out queued updates to long-polling clients.
Bodies are read as PTB sends them (form-encoded, values JSON-encoded unless strings) or as JSON.
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qs

TOKEN = "123456:TEST-token_for-wenzhen"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "问诊", "username": "wenzhen_test_bot"}

# Form fields whose values PTB sends JSON-encoded and that must be decoded to compare them.
_JSON_FIELDS = {"reply_markup", "allowed_updates", "entities", "link_preview_options", "reply_parameters"}
_INT_FIELDS = {"chat_id", "message_id", "offset", "limit", "timeout"}


class BadRequest(Exception):
    """What Telegram answers 400 to; the message is its description."""


@dataclass
class ApiCall:
    """One request the bot made: the method and its decoded parameters."""

    method: str
    params: dict[str, Any]
    received_at: float = field(default_factory=time.perf_counter)  # for benchmarks (bench/telegram_relay.py)


@dataclass
class FakeBotApi:
    """The fake server: start() it, point `Bot(base_url=fake.base_url + "/bot")` at it, read `calls`."""

    token: str = TOKEN
    calls: list[ApiCall] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._message_ids = itertools.count(1)
        self._changed = threading.Condition()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> "FakeBotApi":
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                api._serve(self)

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        """The API base (what WENZHEN_TELEGRAM_API_BASE would be), without `/bot<token>`."""
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # -- what tests use ----------------------------------------------------------------------

    def queue_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Make an update available to getUpdates; gives it an update_id when it has none."""
        update = dict(update)
        update.setdefault("update_id", next(self._update_ids))
        with self._changed:
            self._updates.append(update)
            self._changed.notify_all()
        return update

    def next_update_id(self) -> int:
        return next(self._update_ids)

    def calls_of(self, method: str) -> list[ApiCall]:
        with self._changed:
            return [c for c in self.calls if c.method == method]

    def sent_to(self, chat_id: int) -> list[ApiCall]:
        """Every sendMessage/sendPhoto addressed to one chat, in order."""
        with self._changed:
            return [
                c for c in self.calls
                if c.method in ("sendMessage", "sendPhoto") and c.params.get("chat_id") == chat_id
            ]

    def texts_to(self, chat_id: int) -> list[str]:
        return [c.params.get("text") or c.params.get("caption") or "" for c in self.sent_to(chat_id)]

    def wait_for(self, predicate: Callable[["FakeBotApi"], Any], timeout: float = 15.0) -> Any:
        """Block until predicate(self) is truthy (returns its value); fail loudly after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                value = predicate(self)
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    recent = [(c.method, c.params) for c in self.calls[-10:]]
                    raise AssertionError(f"the fake Bot API never saw what was awaited; last calls: {recent}")
                # Woken by every API call; also looks again now and then, for predicates on other state.
                self._changed.wait(min(remaining, 0.05))

    def pending_updates(self) -> int:
        with self._changed:
            return len(self._updates)

    # -- the protocol -----------------------------------------------------------------------

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?", 1)[0]
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            self._reply(request, 401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return
        method = path[len(prefix):]
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        params = _decode(body, request.headers.get("Content-Type", ""))
        handler = getattr(self, f"_api_{method}", None)
        with self._changed:
            self.calls.append(ApiCall(method, params))
            self._changed.notify_all()
        if handler is None:
            self._reply(request, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
            return
        try:
            result = handler(params)
        except BadRequest as exc:
            self._reply(request, 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"})
            return
        self._reply(request, 200, {"ok": True, "result": result})

    @staticmethod
    def _reply(request: BaseHTTPRequestHandler, status: int, data: dict[str, Any]) -> None:
        body = json.dumps(data, ensure_ascii=False).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        try:
            request.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client gave up on a long poll (e.g. when it stops): nothing to answer


    def _message(self, params: dict[str, Any], **extra: Any) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        message = {
            "message_id": params.get("message_id") or next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": BOT_USER,
            **extra,
        }
        if "reply_markup" in params:
            message["reply_markup"] = params["reply_markup"]
        return message

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return BOT_USER

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._message(params, text=params.get("text", ""))

    def _api_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        photo = [{"file_id": "photo-1", "file_unique_id": "u1", "width": 1, "height": 1}]
        return self._message(params, photo=photo, caption=params.get("caption", ""))

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return self._message(params, text=params.get("text", ""))

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:  # noqa: N802
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:  # noqa: N802
        if not str(params.get("url", "")).startswith("https://"):
            raise BadRequest("bad webhook: An HTTPS URL must be provided for webhook")
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:  # noqa: N802
        return True

    def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:  # noqa: N802
        offset = int(params.get("offset") or 0)
        timeout = min(float(params.get("timeout") or 0), 5.0)
        deadline = time.monotonic() + timeout
        with self._changed:
            # Updates below the offset are confirmed by the client: Telegram forgets them.
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and not self._stopping:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            return list(self._updates)


def _decode(body: bytes, content_type: str) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return json.loads(body)
    fields = {k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()}
    decoded: dict[str, Any] = {}
    for key, value in fields.items():
        if key in _JSON_FIELDS:
            decoded[key] = json.loads(value)
        elif key in _INT_FIELDS and value.lstrip("-").isdigit():
            decoded[key] = int(value)
        elif value in ("true", "false"):
            decoded[key] = value == "true"
        else:
            decoded[key] = value
    return decoded


class Updates:
    """Builds update objects the way Telegram shapes them, for private chats."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        self._message_ids = itertools.count(5000)

    @staticmethod
    def user(chat_id: int, name: str = "张三") -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": name, "language_code": "zh-hans"}

    def message(self, chat_id: int, text: str | None = None, **content: Any) -> dict[str, Any]:
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "张三"},
            "from": self.user(chat_id),
            **content,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                command = text.split(" ", 1)[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": self.api.next_update_id(), "message": message}

    def callback(self, chat_id: int, data: str, message_id: int = 1) -> dict[str, Any]:
        return {
            "update_id": self.api.next_update_id(),
            "callback_query": {
                "id": f"cbq-{next(self._message_ids)}",
                "from": self.user(chat_id),
                "chat_instance": f"ci-{chat_id}",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private"},
                    "from": BOT_USER,
                    "text": "…",
                },
            },
        }
