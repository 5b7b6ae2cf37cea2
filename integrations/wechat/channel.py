"""The WeChat channel: inbound messages and events to engine turns within 5 seconds, and bot messages out.

WeChat waits 5 s for an answer and then retries (three tries, then the patient sees
"该公众号暂时无法提供服务"). So each message is claimed once (`dedupe`), its turn runs as a
task, and the request waits only the reply budget (default 4 s): a turn finished by then is
answered passively; otherwise the request answers `success` and the replies follow through
the customer-service API as soon as the turn ends.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Awaitable, Callable

from bot.engine import UnknownConversation
from bot.messages import Attachment, BotMessage, UserMessage, conversation_id_for
from bot.runtime import Runtime
from integrations.wechat.api import WeChatAPI, WeChatAPIError, token_store
from integrations.wechat.contacts import Contacts
from integrations.wechat.dedupe import MemoryClaims, RedisClaims, message_key
from integrations.wechat.protocol import Inbound, render_reply, text_reply
from integrations.wechat.rendering import Outgoing, passive_and_rest, render
from integrations.wechat.settings import WeChatSettings, load_settings

if TYPE_CHECKING:  # wechatpy is imported on first use (integrations/wechat/protocol.py)
    from wechatpy.messages import BaseMessage

log = logging.getLogger("wenzhen.wechat")
EventHandler = Callable[["BaseMessage"], Awaitable[None]]

CHANNEL = "wechat"
MEDIA_JOB = "wechat_media"


@dataclass(frozen=True)
class FetchMedia:
    """Job payload: a patient's image or voice to fetch before WeChat forgets it."""

    openid: str
    media_id: str
    kind: str
    message_id: str
MEDIA_KINDS = ("image", "voice", "video", "shortvideo")
FETCHED_KINDS = ("image", "voice")  # the media kept for the doctor (antigen photos, reports, voice)
# Payloads the channel itself starts turns with; flows/wechat.yml answers them.
SUBSCRIBE_PAYLOAD = "/wechat_subscribe"
UNKNOWN_MENU_PAYLOAD = "/help"
UNSUPPORTED_PAYLOAD = "/wechat_unsupported"


class WeChatChannel:
    """One runtime's WeChat channel: the webhook's logic and the engine's output for `wechat`."""

    def __init__(
        self,
        runtime: "Runtime",
        settings: WeChatSettings,
        api: WeChatAPI,
        contacts: Contacts,
        claims: MemoryClaims | RedisClaims,
    ) -> None:
        self.runtime = runtime
        self.settings = settings
        self.api = api
        self.contacts = contacts
        self.claims = claims
        self._background: set[asyncio.Task[Any]] = set()
        self._event_handlers: dict[str, EventHandler] = {}

    def on_event(self, event: str, handler: EventHandler) -> None:
        """Let another module take an event this channel does not handle (e.g. the broadcasts
        module and MASSSENDJOBFINISH); `event` is wechatpy's lower-case event name."""
        self._event_handlers[event] = handler

    # ---- inbound ------------------------------------------------------------------------------

    async def answer(self, inbound: Inbound, gone: Callable[[], Awaitable[bool]] | None = None) -> str:
        """The HTTP body for one verified request: a passive reply, or `success`.

        `gone` tells whether WeChat has already hung up (it gives up after 5 s and retries,
        and a retry is answered `success`): then a passive reply would be lost, so the
        replies go through the customer-service API instead.
        """
        key = message_key(inbound.message)
        if not await self.claims.claim(key):
            return "success"  # a retry or a twin: the first copy answers
        turn = self._spawn(self._handle(inbound.message))
        done, _ = await asyncio.wait({turn}, timeout=self.settings.reply_budget_seconds)
        if not done:
            self._spawn(self._deliver_when_done(inbound.message.source, turn))
            return "success"
        try:
            replies = turn.result()
        except Exception:
            # Let WeChat's retry try again rather than lose the message.
            await self.claims.release(key)
            raise
        items = await self._render(inbound.message.source, replies)
        if gone is not None and await gone():
            self._spawn(self._send_items(inbound.message.source, items))
            return "success"
        passive, rest = passive_and_rest(items)
        if rest:
            self._spawn(self._send_items(inbound.message.source, rest))
        return render_reply(self.settings, inbound, None if passive is None else text_reply(inbound, passive))

    def _spawn(self, coroutine: Any) -> asyncio.Task[Any]:
        task = asyncio.create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait for turns and deliveries still running (on shutdown, and in tests); a task that
        outlives the timeout is cancelled and logged."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._background:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                for task in list(self._background):
                    log.error("wechat: cancelling a delivery still running at shutdown")
                    task.cancel()
                await asyncio.wait(set(self._background), timeout=1.0)
                return
            await asyncio.wait(set(self._background), timeout=remaining)

    async def _deliver_when_done(self, openid: str, turn: asyncio.Task[list[BotMessage]]) -> None:
        try:
            replies = await turn
            await self._send_items(openid, await self._render(openid, replies))
        except Exception:
            log.exception("wechat: a slow turn for a user failed after the request was answered")

    async def _handle(self, message: BaseMessage) -> list[BotMessage]:
        """Run what a message or event means; returns the bot's replies (maybe none)."""
        openid = message.source
        key = f"wechat:{message_key(message)}"
        if message.type == "unknown" and "Event" in message._data:
            return await self._other_event(str(message._data["Event"]).lower(), message)
        if message.type != "event":
            # The window bookkeeping is independent of the turn: run both at once.
            replies, _ = await asyncio.gather(self._message(message, key), self.contacts.interacted(openid))
            return replies
        event = message.event
        if event in ("subscribe", "subscribe_scan"):
            await self.contacts.interacted(openid)
            replies = await self._turn(openid, key, payload=SUBSCRIBE_PAYLOAD)
            scene = self.settings.scene_payloads.get(message.scene_id) if event == "subscribe_scan" else None
            if scene:
                replies += await self._turn(openid, key + ":scene", payload=scene)
            return replies
        if event == "scan":
            await self.contacts.interacted(openid)
            scene = self.settings.scene_payloads.get(message.scene_id)
            return await self._turn(openid, key, payload=scene) if scene else []
        if event == "click":
            await self.contacts.interacted(openid)
            payload = self.settings.click_payloads.get(message.key, UNKNOWN_MENU_PAYLOAD)
            return await self._turn(openid, key, payload=payload)
        if event == "unsubscribe":
            await self.contacts.set_subscribed(openid, False)
            await self._record(openid, "wechat_unsubscribed", {})
        elif event == "view":
            await self.contacts.interacted(openid)
            await self._record(openid, "wechat_menu_view", {"url": message.url})
        elif event == "location":
            try:
                await self.contacts.located(openid, message.latitude, message.longitude)
            except (TypeError, ValueError):
                log.info("wechat LOCATION event without a usable position")
        elif event == "templatesendjobfinish":
            await self._record(openid, "wechat_template_status", {"msgid": message.id, "status": message.status})
        else:
            return await self._other_event(event, message)
        return []

    async def _other_event(self, event: str, message: BaseMessage) -> list[BotMessage]:
        handler = self._event_handlers.get(event)
        if handler is None:
            log.info("wechat event %s ignored", event)
        else:
            await handler(message)
        return []

    async def _message(self, message: BaseMessage, key: str) -> list[BotMessage]:
        openid = message.source
        kind = message.type
        if kind == "text":
            return await self._turn(openid, key, text=message.content or "")
        if kind in MEDIA_KINDS:
            data = {"format": message.format} if kind == "voice" else {}
            attachment = Attachment(kind="video" if kind == "shortvideo" else kind, media_id=message.media_id,
                                    url=getattr(message, "image", None), data=data)
            # A voice note's text is WeChat's own speech recognition, when the account has it on.
            text = (message.recognition or "") if kind == "voice" else ""
            replies = await self._turn(openid, key, text=text, attachments=(attachment,))
            if attachment.kind not in FETCHED_KINDS:
                return replies  # a video stays a reference: WeChat serves it as a link, not a file
            await self.runtime.jobs.schedule(
                MEDIA_JOB,
                FetchMedia(openid=openid, media_id=message.media_id, kind=attachment.kind, message_id=key),
                key=f"{MEDIA_JOB}:{message.media_id}",
            )
            return replies
        if kind == "location":
            try:
                lat, lon = float(message.location_x), float(message.location_y)
            except (TypeError, ValueError):
                return await self._turn(openid, key, payload=UNSUPPORTED_PAYLOAD)
            await self.contacts.located(openid, lat, lon)
            attachment = Attachment(kind="location", data={"latitude": lat, "longitude": lon,
                                                           "label": message.label or "", "scale": message.scale})
            return await self._turn(openid, key, attachments=(attachment,))
        if kind == "link":
            attachment = Attachment(kind="link", url=message.url, data={"title": message.title or "",
                                                                      "description": message.description or ""})
            return await self._turn(openid, key, attachments=(attachment,))
        return await self._turn(openid, key, payload=UNSUPPORTED_PAYLOAD)

    async def _turn(
        self, openid: str, message_id: str, text: str = "", payload: str | None = None,
        attachments: tuple[Attachment, ...] = (),
    ) -> list[BotMessage]:
        message = UserMessage(channel=CHANNEL, sender=openid, text=text, payload=payload,
                              attachments=attachments, message_id=message_id)
        return await self.runtime.engine.handle(message)

    async def _record(self, openid: str, type_: str, data: dict[str, Any]) -> None:
        """An event in the user's conversation; a user we never talked to has none to record in."""
        try:
            await self.runtime.engine.record(conversation_id_for(CHANNEL, openid), type_, data, actor="system")
        except UnknownConversation:
            log.info("wechat %s for a user without a conversation", type_)

    async def _render(self, openid: str, replies: list[BotMessage]) -> list[Outgoing]:
        if not replies:
            return []
        state = await self.runtime.engine.state(conversation_id_for(CHANNEL, openid))
        return render(replies, self.runtime.responses.text("wechat_buttons_hint", state))

    # ---- outbound -----------------------------------------------------------------------------

    async def send(self, recipient_id: str, messages: list[BotMessage]) -> None:
        """The engine's output for `wechat` (doctor messages, follow-ups): customer-service messages
        while the window is open, a template notice after it; what cannot go out is recorded."""
        await self._send_items(recipient_id, await self._render(recipient_id, messages), messages)

    async def _send_items(self, openid: str, items: list[Outgoing], messages: list[BotMessage] | None = None) -> None:
        contact = await self.contacts.get(openid)
        if contact is None or not contact.subscribed:
            reason = "unknown_user" if contact is None else "unsubscribed"
            await self._record(openid, "wechat_undelivered", {"reason": reason, "count": len(items)})
            return
        for index, item in enumerate(items):
            try:
                if await self.contacts.take_send_slot(openid):
                    await self._send_one(openid, item)
                    continue
                reason = "window_closed"
            except WeChatAPIError as exc:
                log.warning("wechat customer-service send failed: %s", exc)
                reason = f"api_error:{exc.errcode}"
            notice = await self._send_notice(openid, messages or [])
            await self._record(openid, "wechat_undelivered",
                               {"reason": reason, "count": len(items) - index, "notice_sent": notice})
            return

    async def _send_one(self, openid: str, item: Outgoing) -> None:
        if item.image_url is not None:
            await self.api.send_news(openid, {"title": item.text or "", "url": item.image_url, "picurl": item.image_url})
        else:
            assert item.text is not None
            await self.api.send_text(openid, item.text)

    async def _send_notice(self, openid: str, messages: list[BotMessage]) -> str | None:
        """A template message for the first notice among the messages that has a template configured."""
        for message in messages:
            notice = (message.custom or {}).get("notice")
            if not isinstance(notice, dict):
                continue
            template_id = self.settings.templates.get(str(notice.get("name")))
            if template_id is None:
                continue
            data = {str(k): str(v) for k, v in (notice.get("data") or {}).items()}
            try:
                msgid = await self.api.send_template(openid, template_id, data, notice.get("url") or self.settings.template_url)
            except WeChatAPIError as exc:
                log.warning("wechat template send failed: %s", exc)
                return None
            await self._record(openid, "wechat_template_sent", {"notice": notice.get("name"), "msgid": msgid})
            return str(notice.get("name"))
        return None



def build_wechat(runtime: Runtime) -> WeChatChannel | None:
    """The service factory: the channel, or None when WENZHEN_WECHAT_* are not set."""
    settings = load_settings(runtime.config)
    channel: WeChatChannel | None = None
    if settings is not None:
        window = dt.timedelta(hours=settings.service_window_hours)
        contacts = Contacts(runtime.db, window, settings.max_messages_per_interaction)
        claims: MemoryClaims | RedisClaims
        if runtime.redis is not None:
            claims = RedisClaims(runtime.redis, runtime.key("wechat:seen:"), settings.dedupe_ttl_seconds)
        else:
            claims = MemoryClaims(settings.dedupe_ttl_seconds)
        api = WeChatAPI(settings, token_store(runtime.redis, runtime.redis_prefix))
        channel = WeChatChannel(runtime, settings, api, contacts, claims)
    return channel


def channel_for(runtime: Runtime) -> WeChatChannel | None:
    """This runtime's channel; None when WENZHEN_WECHAT_* are not set."""
    return runtime.services.find(WeChatChannel)
