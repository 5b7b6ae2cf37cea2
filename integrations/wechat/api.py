"""The outbound WeChat API client: one shared access token, customer-service and template messages, media, menu.

The access token is shared by every worker (in Redis when configured) and refreshed by one
worker at a time under a lock: WeChat invalidates the previous token a few minutes after a new
one is issued, so workers refreshing on their own would knock each other's tokens out.
"""
from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Protocol, TypeVar

import httpx

from integrations.wechat.settings import WeChatSettings

T = TypeVar("T")
# Error codes that mean "this access token is no longer good": refresh and retry once.
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
# Refresh this long before WeChat says the token expires, so no call races the expiry.
TOKEN_MARGIN_SECONDS = 300
LOCK_SECONDS = 15


class WeChatAPIError(RuntimeError):
    """WeChat answered with a non-zero errcode (or not at all)."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class TokenStore(Protocol):
    """Where the shared access token lives, and the lock that makes one worker refresh it."""

    async def get(self) -> str | None: ...

    async def put(self, token: str, ttl_seconds: int) -> None: ...

    async def acquire(self) -> str | None:
        """A lock handle when this worker may refresh now, None when another worker holds the lock."""

    async def release(self, handle: str) -> None: ...


class MemoryTokenStore:
    """One process (embedded mode): the token in memory, an asyncio lock."""

    def __init__(self) -> None:
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def get(self) -> str | None:
        return self._token if self._token and time.monotonic() < self._expires else None

    async def put(self, token: str, ttl_seconds: int) -> None:
        self._token, self._expires = token, time.monotonic() + ttl_seconds

    async def acquire(self) -> str | None:
        await self._lock.acquire()
        return "memory"

    async def release(self, handle: str) -> None:
        self._lock.release()


class RedisTokenStore:
    """Many workers: the token under one Redis key, the refresh lock a SET NX with an expiry."""

    _RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"

    def __init__(self, redis: Any, token_key: str, lock_key: str) -> None:
        self._redis = redis
        self._token_key = token_key
        self._lock_key = lock_key

    async def get(self) -> str | None:
        value = await self._redis.get(self._token_key)
        return value.decode() if isinstance(value, bytes) else value

    async def put(self, token: str, ttl_seconds: int) -> None:
        await self._redis.set(self._token_key, token, ex=max(ttl_seconds, 1))

    async def acquire(self) -> str | None:
        handle = uuid.uuid4().hex
        taken = await self._redis.set(self._lock_key, handle, nx=True, ex=LOCK_SECONDS)
        return handle if taken else None

    async def release(self, handle: str) -> None:
        await self._redis.eval(self._RELEASE, 1, self._lock_key, handle)


def token_store(redis: Any | None, prefix: str) -> TokenStore:
    """The shared store when Redis is configured, else this process's memory."""
    if redis is None:
        return MemoryTokenStore()
    return RedisTokenStore(redis, prefix + "wechat:access_token", prefix + "wechat:token_lock")


@dataclass(frozen=True)
class Media:
    """A downloaded media file."""

    content: bytes
    content_type: str


class MediaRefused(ValueError):
    """The media is too large or of a type we do not keep."""


class WeChatAPI:
    """Async calls to the official-account API, with the shared token."""

    def __init__(self, settings: WeChatSettings, store: TokenStore, http: httpx.AsyncClient | None = None) -> None:
        self.settings = settings
        self._store = store
        self._http = http or httpx.AsyncClient(timeout=settings.http_timeout_seconds)

    async def close(self) -> None:
        await self._http.aclose()

    # -- the token ---------------------------------------------------------------------------

    async def access_token(self, stale: str | None = None) -> str:
        """The current token; with `stale`, a token other than that one (refreshing if needed)."""
        token = await self._store.get()
        if token and token != stale:
            return token
        deadline = time.monotonic() + LOCK_SECONDS
        while True:
            handle = await self._store.acquire()
            if handle is not None:
                try:
                    # Another worker may have refreshed while we waited for the lock.
                    token = await self._store.get()
                    if token and token != stale:
                        return token
                    return await self._fetch_token()
                finally:
                    await self._store.release(handle)
            await asyncio.sleep(0.05)
            token = await self._store.get()
            if token and token != stale:
                return token
            if time.monotonic() > deadline:
                raise WeChatAPIError(-1, "timed out waiting for another worker to refresh the access token")

    async def _fetch_token(self) -> str:
        try:
            response = await self._http.get(
                f"{self.settings.api_base}/cgi-bin/token",
                params={"grant_type": "client_credential", "appid": self.settings.app_id, "secret": self.settings.app_secret},
            )
        except httpx.HTTPError as exc:
            raise WeChatAPIError(-1, f"WeChat API unreachable: {exc.__class__.__name__}") from exc
        data = _json(response)
        token = data.get("access_token")
        if not token:
            raise WeChatAPIError(int(data.get("errcode", -1)), str(data.get("errmsg", "no access_token")))
        await self._store.put(token, int(data.get("expires_in", 7200)) - TOKEN_MARGIN_SECONDS)
        return token

    # -- calls --------------------------------------------------------------------------------

    async def _with_token(self, request: Callable[[str], Awaitable[T]]) -> T:
        """Run `request(token)`; when WeChat calls the token expired, refresh it and try once more."""
        token = await self.access_token()
        try:
            return await request(token)
        except _StaleToken:
            token = await self.access_token(stale=token)
        try:
            return await request(token)
        except _StaleToken as exc:
            raise WeChatAPIError(exc.errcode, "the access token was refused twice") from None

    async def call(self, path: str, body: dict[str, Any] | None = None, params: dict[str, str] | None = None) -> dict[str, Any]:
        """POST JSON (or GET without a body); an expired-token error is retried once after a refresh."""
        url = f"{self.settings.api_base}{path}"

        async def request(token: str) -> dict[str, Any]:
            query = {**(params or {}), "access_token": token}
            try:
                if body is None:
                    response = await self._http.get(url, params=query)
                else:
                    # WeChat wants UTF-8 JSON, not \u escapes, or Chinese text arrives escaped.
                    response = await self._http.post(url, params=query, content=_dumps(body),
                                                     headers={"Content-Type": "application/json; charset=utf-8"})
            except httpx.HTTPError as exc:
                raise WeChatAPIError(-1, f"WeChat API unreachable: {exc.__class__.__name__}") from exc
            return _checked(_json(response))

        return await self._with_token(request)

    async def send_text(self, openid: str, content: str) -> None:
        await self.call("/cgi-bin/message/custom/send", {"touser": openid, "msgtype": "text", "text": {"content": content}})

    async def send_news(self, openid: str, article: dict[str, str]) -> None:
        """A link card (WeChat now shows one article per customer-service news message)."""
        await self.call("/cgi-bin/message/custom/send", {"touser": openid, "msgtype": "news", "news": {"articles": [article]}})

    async def send_template(
        self, openid: str, template_id: str, data: dict[str, str], url: str | None = None
    ) -> int | None:
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": template_id,
            "data": {key: {"value": value} for key, value in data.items()},
        }
        if url:
            body["url"] = url
        answer = await self.call("/cgi-bin/message/template/send", body)
        return answer.get("msgid")

    async def create_menu(self, menu: dict[str, Any]) -> None:
        await self.call("/cgi-bin/menu/create", menu)

    async def download_media(self, media_id: str) -> Media:
        """A temporary media file, streamed so that an oversized one is cut off early, never held whole."""
        url = f"{self.settings.api_base}/cgi-bin/media/get"

        async def request(token: str) -> Media:
            try:
                async with self._http.stream("GET", url, params={"access_token": token, "media_id": media_id}) as response:
                    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                    if content_type in ("application/json", "text/plain"):
                        _checked(_json_bytes(await response.aread()), default_errcode=-1)
                    return await self._media_body(response, content_type)
            except httpx.HTTPError as exc:
                raise WeChatAPIError(-1, f"WeChat API unreachable: {exc.__class__.__name__}") from exc

        return await self._with_token(request)

    async def _media_body(self, response: httpx.Response, content_type: str) -> Media:
        limit = self.settings.media_max_bytes
        if content_type not in self.settings.media_content_types:
            raise MediaRefused(f"content type {content_type or 'unknown'} is not accepted")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise MediaRefused(f"media is larger than {limit} bytes")
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                raise MediaRefused(f"media is larger than {limit} bytes")
            chunks.append(chunk)
        return Media(b"".join(chunks), content_type)


class _StaleToken(Exception):
    def __init__(self, errcode: int) -> None:
        super().__init__(errcode)
        self.errcode = errcode


def _checked(data: dict[str, Any], default_errcode: int = 0) -> dict[str, Any]:
    """The answer, or the error it carries (a stale token as `_StaleToken`, for one retry)."""
    errcode = int(data.get("errcode", default_errcode) or 0)
    if errcode in TOKEN_ERRORS:
        raise _StaleToken(errcode)
    if errcode:
        raise WeChatAPIError(errcode, str(data.get("errmsg", "")))
    return data


def _dumps(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _json_bytes(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except ValueError:
        raise WeChatAPIError(-1, "WeChat answered with something that is not JSON") from None
    if not isinstance(data, dict):
        raise WeChatAPIError(-1, "WeChat answered with JSON that is not an object")
    return data


def _json(response: httpx.Response) -> dict[str, Any]:
    if response.status_code >= 500:
        raise WeChatAPIError(-1, f"WeChat answered HTTP {response.status_code}")
    return _json_bytes(response.content)
