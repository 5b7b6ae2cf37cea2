"""The inbound wire protocol: URL verification, signature and replay checks, safe XML, AES, replies.

Every request is checked in the same order: size, signature, timestamp window, XML safety
(defusedxml, before wechatpy's parser ever sees the bytes), then decryption and parsing.
A refusal is a `Rejected` carrying the HTTP status and a short reason; nothing here touches state.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Mapping
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from integrations.wechat.settings import WeChatSettings

if TYPE_CHECKING:  # wechatpy is imported on first use: a worker without WeChat never loads it
    from wechatpy.crypto import WeChatCrypto
    from wechatpy.messages import BaseMessage
    from wechatpy.replies import BaseReply, TextReply


MAX_ACCOUNT_ID_CHARS = 64


class Rejected(Exception):
    """The request is refused; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Inbound:
    """One verified, parsed request: the wechatpy message and how to answer it."""

    message: BaseMessage
    encrypted: bool
    nonce: str
    timestamp: str


def _param(query: Mapping[str, str], name: str) -> str:
    value = query.get(name)
    if not value:
        raise Rejected(400, f"missing query parameter {name}")
    return value


def _check_request(settings: WeChatSettings, query: Mapping[str, str], now: float) -> tuple[str, str]:
    """The signature every request carries, then the replay window; returns (timestamp, nonce)."""
    from wechatpy.exceptions import InvalidSignatureException
    from wechatpy.utils import check_signature

    timestamp, nonce = _param(query, "timestamp"), _param(query, "nonce")
    try:
        check_signature(settings.token, _param(query, "signature"), timestamp, nonce)
    except InvalidSignatureException:
        raise Rejected(403, "invalid signature") from None
    try:
        sent_at = int(timestamp)
    except ValueError:
        raise Rejected(400, "timestamp is not a number") from None
    if abs(now - sent_at) > settings.timestamp_window_seconds:
        raise Rejected(403, "timestamp outside the accepted window")
    return timestamp, nonce


def _crypto(settings: WeChatSettings) -> WeChatCrypto:
    if settings.aes_key is None:
        raise Rejected(400, "encrypted messages are not enabled")
    from wechatpy.crypto import WeChatCrypto

    return WeChatCrypto(settings.token, settings.aes_key, settings.app_id)


def verify_url(settings: WeChatSettings, query: Mapping[str, str], now: float | None = None) -> str:
    """WeChat's URL check: answer `echostr` when the signature is ours."""
    _check_request(settings, query, time.time() if now is None else now)
    return _param(query, "echostr")


def ensure_safe_xml(body: bytes) -> None:
    """Refuse DTDs, entities and external references, and anything that is not well-formed XML."""
    try:
        root = SafeET.fromstring(body, forbid_dtd=True)
    except DefusedXmlException:
        raise Rejected(400, "XML with a DTD or entities is refused") from None
    except (ParseError, ValueError):
        raise Rejected(400, "the body is not well-formed XML") from None
    if root.tag != "xml":
        raise Rejected(400, "the XML root must be <xml>")


def read_message(
    settings: WeChatSettings, query: Mapping[str, str], body: bytes, now: float | None = None
) -> Inbound:
    """Check, decrypt and parse one POSTed message or event."""
    from wechatpy import parse_message
    from wechatpy.exceptions import InvalidAppIdException, InvalidSignatureException

    if len(body) > settings.max_body_bytes:
        raise Rejected(413, "body too large")
    timestamp, nonce = _check_request(settings, query, time.time() if now is None else now)
    ensure_safe_xml(body)
    encrypted = query.get("encrypt_type", "raw").lower() == "aes"
    if encrypted and settings.mode == "plaintext":
        raise Rejected(400, "encrypted messages are not enabled")
    if not encrypted and settings.mode == "safe":
        raise Rejected(400, "safe mode accepts encrypted messages only")
    if encrypted:
        try:
            plain = _crypto(settings).decrypt_message(body, _param(query, "msg_signature"), timestamp, nonce)
        except InvalidSignatureException:
            raise Rejected(403, "invalid msg_signature") from None
        except InvalidAppIdException:
            raise Rejected(403, "message encrypted for another AppId") from None
        except (KeyError, ValueError, TypeError):
            raise Rejected(400, "the Encrypt element cannot be decrypted") from None
        body = plain.encode("utf-8")
        ensure_safe_xml(body)
    try:
        message = parse_message(body)
    except (KeyError, ValueError, TypeError, AttributeError):
        raise Rejected(400, "not a WeChat message") from None
    if not message.source or not message.target:
        raise Rejected(400, "FromUserName and ToUserName are required")
    if len(message.source) > MAX_ACCOUNT_ID_CHARS or len(message.target) > MAX_ACCOUNT_ID_CHARS:
        # An OpenID is 28 characters and an account id about 15: a longer one is not from WeChat,
        # and refusing it with 400 stops WeChat retrying what a 5xx would make it retry.
        raise Rejected(400, f"FromUserName and ToUserName have at most {MAX_ACCOUNT_ID_CHARS} characters")
    try:
        # wechatpy converts fields when read; a message that cannot say its id and time is refused here.
        int(message.id or 0), int(message.time or 0)
    except (TypeError, ValueError):
        raise Rejected(400, "MsgId and CreateTime must be numbers") from None
    return Inbound(message=message, encrypted=encrypted, nonce=nonce, timestamp=timestamp)


def render_reply(settings: WeChatSettings, inbound: Inbound, reply: BaseReply | None) -> str:
    """The passive reply's body: `success` for none, else the XML, encrypted when the request was."""
    if reply is None:
        return "success"
    xml = reply.render()
    if inbound.encrypted:
        return _crypto(settings).encrypt_message(xml, inbound.nonce)
    return xml


def text_reply(inbound: Inbound, content: str) -> TextReply:
    from wechatpy.replies import TextReply

    return TextReply(message=inbound.message, content=content)
