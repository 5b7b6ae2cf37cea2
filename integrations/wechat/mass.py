"""WeChat delivery of health-education broadcasts: mass send by tag, customer-service and template messages.

Three delivery methods for `bot.broadcasts`, on the channel's own API client and contacts:

- `wechat_mass`: the batch's recipients get a temporary tag, then one `mass/sendall` to that tag
  with a `clientmsgid`, so repeating the call after a crash never delivers twice (errcode 45065);
  the service account's monthly limit per user is counted by `bot.broadcasts`.
- `wechat_cs`: a customer-service message, only inside the 48-hour window (and the per-interaction
  allowance) the contacts table keeps.
- `wechat_template`: a template message, when `broadcasts.wechat.template` is configured.

Also the tag source that mirrors the account's user tags for audiences. Named under `plugins:`.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import select

from bot.broadcasts import (
    OVER_LIMIT,
    Content,
    Outcome,
    Recipient,
    TransientDeliveryError,
    register_method,
    register_tag_source,
)
from integrations.wechat.api import WeChatAPIError
from integrations.wechat.channel import WeChatChannel, channel_for
from integrations.wechat.contacts import WeChatContact

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger("wenzhen.wechat.mass")

# System busy, API frequency/minute limits: try again later, nothing was sent.
TRANSIENT_ERRORS = frozenset({-1, 45009, 45011, 45033})
DUPLICATE_CLIENTMSGID = 45065
TAG_NAME_EXISTS = 45157
OUTSIDE_WINDOW = 45015
CS_LIMIT = 45047
USER_UNSUBSCRIBED = 43004
TAGGING_CHUNK = 50  # batchtagging takes at most 50 openids per call
TEMP_TAG_PREFIX = "wz"  # our temporary per-batch tags; never mirrored as user tags
UNSUBSCRIBED = "unsubscribed"
OUTSIDE_WINDOW_REASON = "outside_window"


def _channel(runtime: "Runtime") -> WeChatChannel:
    channel = channel_for(runtime)
    if channel is None:
        raise TransientDeliveryError("the WeChat channel is not configured (WENZHEN_WECHAT_*)")
    return channel


async def _call(channel: WeChatChannel, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    """One API call; busy/limit errors and network failures become TransientDeliveryError."""
    try:
        return await channel.api.call(path, body)
    except WeChatAPIError as exc:
        if exc.errcode in TRANSIENT_ERRORS:
            raise TransientDeliveryError(str(exc)) from exc
        raise
    except httpx.HTTPError as exc:
        raise TransientDeliveryError(f"WeChat unreachable: {exc.__class__.__name__}") from exc


async def _unsubscribed(runtime: "Runtime", openids: list[str]) -> set[str]:
    """Users who unfollowed the account (the unsubscribe event): nothing reaches them, so nothing is tried."""
    found: set[str] = set()
    async with runtime.db.session() as session:
        for start in range(0, len(openids), 500):
            rows = await session.scalars(
                select(WeChatContact.openid).where(
                    WeChatContact.openid.in_(openids[start : start + 500]), WeChatContact.subscribed.is_(False)
                )
            )
            found.update(rows)
    return found


class MassByTag:
    """`wechat_mass`: one temporary tag and one `mass/sendall` per batch, idempotent by `clientmsgid`."""

    name = "wechat_mass"
    channel = "wechat"
    chunk_size = 0
    idempotent = True
    monthly_limit: int | None = 4  # a service account's mass messages per user per month (config may lower it)

    async def send(self, runtime: "Runtime", content: Content, recipients: list[Recipient], key: str) -> dict[int, Outcome]:
        channel = _channel(runtime)
        gone = await _unsubscribed(runtime, [r.sender for r in recipients])
        outcomes = {r.delivery_id: Outcome("skipped", UNSUBSCRIBED) for r in recipients if r.sender in gone}
        targets = [r for r in recipients if r.sender not in gone]
        if not targets:
            return outcomes
        tag_id = await self._tag(channel, key[:30])
        try:
            refused = await self._tag_members(channel, tag_id, targets)
            outcomes.update(refused)
            targets = [r for r in targets if r.delivery_id not in refused]
            if not targets:
                return outcomes
            body = {
                "filter": {"is_to_all": False, "tag_id": tag_id},
                "msgtype": "text",
                "text": {"content": content.text},
                "clientmsgid": key[:64],
            }
            try:
                answer = await _call(channel, "/cgi-bin/message/mass/sendall", body)
                msg_id = str(answer.get("msg_id", ""))
            except WeChatAPIError as exc:
                if exc.errcode != DUPLICATE_CLIENTMSGID:
                    outcomes.update({r.delivery_id: Outcome("failed", f"wechat errcode {exc.errcode}") for r in targets})
                    return outcomes
                msg_id = ""  # sent by an earlier attempt of this batch (before a crash): not again
            outcomes.update({r.delivery_id: Outcome("sent", provider_id=msg_id or None) for r in targets})
            return outcomes
        finally:
            await self._drop_tag(channel, tag_id)

    @staticmethod
    async def _tag_members(channel: WeChatChannel, tag_id: int, targets: list[Recipient]) -> dict[int, Outcome]:
        """Put the recipients under the batch tag, 50 per call; an openid WeChat refuses (e.g. 40003, not
        a follower of this account) is found one by one and reported failed, the others still go."""
        refused: dict[int, Outcome] = {}
        for start in range(0, len(targets), TAGGING_CHUNK):
            chunk = targets[start : start + TAGGING_CHUNK]
            try:
                await _call(channel, "/cgi-bin/tags/members/batchtagging",
                            {"openid_list": [r.sender for r in chunk], "tagid": tag_id})
                continue
            except WeChatAPIError:
                pass
            for r in chunk:
                try:
                    await _call(channel, "/cgi-bin/tags/members/batchtagging", {"openid_list": [r.sender], "tagid": tag_id})
                except WeChatAPIError as exc:
                    refused[r.delivery_id] = Outcome("failed", f"wechat errcode {exc.errcode}")
        return refused

    @staticmethod
    async def _tag(channel: WeChatChannel, name: str) -> int:
        try:
            answer = await _call(channel, "/cgi-bin/tags/create", {"tag": {"name": name}})
            return int(answer["tag"]["id"])
        except WeChatAPIError as exc:
            if exc.errcode != TAG_NAME_EXISTS:
                raise TransientDeliveryError(f"cannot create the batch tag: {exc}") from exc
        # Left by an attempt that crashed: reuse it (tagging the same users again is harmless).
        tags = (await _call(channel, "/cgi-bin/tags/get"))["tags"]
        return next(int(t["id"]) for t in tags if t["name"] == name)

    @staticmethod
    async def _drop_tag(channel: WeChatChannel, tag_id: int) -> None:
        try:
            await _call(channel, "/cgi-bin/tags/delete", {"tag": {"id": tag_id}})
        except (WeChatAPIError, TransientDeliveryError) as exc:
            # A leftover tag costs one of the account's 100 tags, not a wrong delivery: log it.
            log.warning("could not delete temporary broadcast tag %s: %s", tag_id, exc)


class CustomerService:
    """`wechat_cs`: one customer-service message per recipient, inside the service window only."""

    name = "wechat_cs"
    channel = "wechat"
    chunk_size = 1
    idempotent = False
    monthly_limit: int | None = None

    async def send(self, runtime: "Runtime", content: Content, recipients: list[Recipient], key: str) -> dict[int, Outcome]:
        channel = _channel(runtime)
        outcomes: dict[int, Outcome] = {}
        for r in recipients:
            contact = await channel.contacts.get(r.sender)
            if contact is not None and not contact.subscribed:
                outcomes[r.delivery_id] = Outcome("skipped", UNSUBSCRIBED)
                continue
            if not await channel.contacts.take_send_slot(r.sender):
                outcomes[r.delivery_id] = Outcome("skipped", OUTSIDE_WINDOW_REASON)
                continue
            try:
                await _call(channel, "/cgi-bin/message/custom/send",
                            {"touser": r.sender, "msgtype": "text", "text": {"content": content.text}})
                outcomes[r.delivery_id] = Outcome("delivered")
            except WeChatAPIError as exc:
                outcomes[r.delivery_id] = _refused(exc)
        return outcomes


class Template:
    """`wechat_template`: a template message with fields filled from the campaign (config `broadcasts.wechat.template`)."""

    name = "wechat_template"
    channel = "wechat"
    chunk_size = 1
    idempotent = False
    monthly_limit: int | None = None

    async def send(self, runtime: "Runtime", content: Content, recipients: list[Recipient], key: str) -> dict[int, Outcome]:
        template = runtime.config.get("broadcasts.wechat.template") or {}
        if not template.get("id"):
            return {r.delivery_id: Outcome("failed", "no template configured") for r in recipients}
        values = {"title": content.title, "text": content.text, "source": content.source or ""}
        data = {name: {"value": values.get(str(field), "")} for name, field in (template.get("fields") or {}).items()}
        channel = _channel(runtime)
        outcomes: dict[int, Outcome] = {}
        for r in recipients:
            body: dict[str, Any] = {"touser": r.sender, "template_id": template["id"], "data": data}
            if template.get("url"):
                body["url"] = template["url"]
            try:
                answer = await _call(channel, "/cgi-bin/message/template/send", body)
                outcomes[r.delivery_id] = Outcome("sent", provider_id=str(answer.get("msgid", "")) or None)
            except WeChatAPIError as exc:
                outcomes[r.delivery_id] = _refused(exc)
        return outcomes


def _refused(exc: WeChatAPIError) -> Outcome:
    """WeChat's answer for one recipient, as the report's reason."""
    if exc.errcode == OUTSIDE_WINDOW:
        return Outcome("skipped", OUTSIDE_WINDOW_REASON)
    if exc.errcode == CS_LIMIT:
        return Outcome("skipped", OVER_LIMIT)
    if exc.errcode == USER_UNSUBSCRIBED:
        return Outcome("skipped", UNSUBSCRIBED)
    return Outcome("failed", f"wechat errcode {exc.errcode}")


async def account_tags(runtime: "Runtime") -> dict[str, list[str]]:
    """The account's user tags and their members (tags API), without our temporary batch tags."""
    channel = _channel(runtime)
    members: dict[str, list[str]] = {}
    for tag in (await _call(channel, "/cgi-bin/tags/get"))["tags"]:
        name = str(tag["name"])
        if name.startswith(TEMP_TAG_PREFIX) and "-wechat_mass-" in name:
            continue
        openids: list[str] = []
        next_openid = ""
        while True:
            page = await _call(channel, "/cgi-bin/user/tag/get", {"tagid": tag["id"], "next_openid": next_openid})
            openids.extend((page.get("data") or {}).get("openid") or [])
            next_openid = page.get("next_openid") or ""
            if not next_openid or not page.get("count"):
                break
        members[name] = openids
    return members


register_method(MassByTag())
register_method(CustomerService())
register_method(Template())
register_tag_source("wechat", account_tags)
