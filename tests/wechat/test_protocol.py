"""The inbound wire protocol on its own: signatures, replay window, safe XML, the three modes."""
from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import settings as settings_
from hypothesis import strategies as st
from wechatpy.crypto import WeChatCrypto

from integrations.wechat.dedupe import message_key
from integrations.wechat.protocol import Rejected, read_message, render_reply, text_reply, verify_url
from integrations.wechat.settings import WeChatSettings
from tests.wechat.conftest import AES_KEY, APP_ID, TOKEN
from tests.wechat.simulator import WeChatPlatform

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>gh_x</ToUserName><FromUserName>o_1</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<xml><ToUserName>gh_x</ToUserName><FromUserName>o_1</FromUserName><CreateTime>1</CreateTime>
<MsgType>text</MsgType><Content>&lol3;</Content><MsgId>1</MsgId></xml>"""


def settings(mode: str = "compatible") -> WeChatSettings:
    return WeChatSettings(token=TOKEN, app_id=APP_ID, app_secret="s", aes_key=AES_KEY, mode=mode)


def platform(mode: str, app_id: str = APP_ID) -> WeChatPlatform:
    return WeChatPlatform(http=None, token=TOKEN, app_id=app_id, aes_key=AES_KEY, mode=mode)  # type: ignore[arg-type]


def refusal(mode: str, query: dict[str, str], body: bytes | str) -> Rejected:
    with pytest.raises(Rejected) as caught:
        read_message(settings(mode), query, body.encode() if isinstance(body, str) else body)
    return caught.value


@pytest.mark.parametrize("mode", ["plaintext", "compatible", "safe"])
def test_each_mode_reads_what_the_platform_sends(mode: str) -> None:
    sim = platform(mode)
    query, body = sim.seal(sim.to_xml(sim.text("o_patient", "我发烧了，39度")))
    inbound = read_message(settings("compatible" if mode == "plaintext" else mode), query, body.encode())
    assert inbound.message.content == "我发烧了，39度"
    assert inbound.message.source == "o_patient"
    assert inbound.encrypted is (mode != "plaintext")


@pytest.mark.parametrize("mode", ["compatible", "safe"])
def test_a_reply_to_an_encrypted_message_is_encrypted_for_our_appid(mode: str) -> None:
    sim = platform(mode)
    query, body = sim.seal(sim.to_xml(sim.text("o_patient", "你好")))
    inbound = read_message(settings(mode), query, body.encode())
    answer = render_reply(settings(mode), inbound, text_reply(inbound, "您好，请问哪里不舒服？"))
    assert "您好" not in answer
    assert sim.open_reply(answer)["Content"] == "您好，请问哪里不舒服？"


def test_nothing_to_say_is_answered_success() -> None:
    sim = platform("safe")
    query, body = sim.seal(sim.to_xml(sim.event("o_patient", "LOCATION", Latitude=31.2, Longitude=121.5, Precision=30)))
    assert render_reply(settings("safe"), read_message(settings("safe"), query, body.encode()), None) == "success"


def test_url_verification_echoes_only_a_signed_echostr() -> None:
    sim = platform("plaintext")
    assert verify_url(settings(), {**sim.signed_query(), "echostr": "abc123"}) == "abc123"
    forged = {**sim.signed_query(), "echostr": "abc123", "signature": "0" * 40}
    with pytest.raises(Rejected) as caught:
        verify_url(settings(), forged)
    assert caught.value.status == 403


def test_a_forged_signature_is_refused_with_403() -> None:
    sim = platform("plaintext")
    query, body = sim.seal(sim.to_xml(sim.text("o_patient", "你好")))
    assert refusal("compatible", {**query, "signature": "f" * 40}, body).status == 403


def test_a_forged_msg_signature_is_refused_with_403() -> None:
    sim = platform("safe")
    query, body = sim.seal(sim.to_xml(sim.text("o_patient", "你好")))
    assert refusal("safe", {**query, "msg_signature": "f" * 40}, body).status == 403


def test_a_stale_timestamp_is_refused_as_a_replay() -> None:
    sim = platform("safe")
    query, body = sim.seal(sim.to_xml(sim.text("o_patient", "你好")), timestamp=int(time.time()) - 3600)
    assert refusal("safe", query, body).status == 403


def test_a_message_encrypted_for_another_appid_is_refused_with_403() -> None:
    sim = platform("safe", app_id="wx_someone_else")
    query, body = sim.seal(sim.to_xml(sim.text("o_patient", "你好")))
    rejected = refusal("safe", query, body)
    assert (rejected.status, rejected.reason) == (403, "message encrypted for another AppId")


@pytest.mark.parametrize("payload", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_entities_are_refused_before_any_parser_expands_them(payload: bytes) -> None:
    sim = platform("plaintext")
    assert refusal("compatible", sim.signed_query(), payload).status == 400


@pytest.mark.parametrize("payload", [XXE, BILLION_LAUGHS], ids=["xxe", "billion-laughs"])
def test_entities_inside_the_encrypted_envelope_are_refused_too(payload: bytes) -> None:
    sim = platform("safe")
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    timestamp, nonce = str(int(time.time())), "n0nce"
    envelope = crypto.encrypt_message(payload.decode(), nonce, timestamp)
    import xmltodict

    outer = xmltodict.parse(envelope)["xml"]
    body = sim.to_xml({"ToUserName": "gh_x", "Encrypt": outer["Encrypt"]})
    query = sim.signed_query(int(timestamp), nonce, encrypt_type="aes", msg_signature=outer["MsgSignature"])
    assert refusal("safe", query, body).status == 400


@pytest.mark.parametrize("body", [b"", b"<xml><unclosed></xml>", b"\x00\xff\xfe binary", b"{\"json\": true}",
                                  "<xml><ToUserName>😀</ToUserName></xml>".encode(), b"<notxml/>",
                                  b"<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1"
                                  b"</CreateTime><MsgType>text</MsgType><MsgId>abc</MsgId></xml>"])
def test_invalid_xml_is_refused_with_400(body: bytes) -> None:
    sim = platform("plaintext")
    assert refusal("compatible", sim.signed_query(), body).status == 400


def test_a_one_megabyte_body_is_refused_with_413() -> None:
    sim = platform("plaintext")
    body = sim.to_xml(sim.text("o_patient", "发" * (1024 * 1024 // 3 + 1)))
    assert refusal("compatible", sim.signed_query(), body).status == 413


def test_safe_mode_refuses_plaintext_and_plaintext_mode_refuses_ciphertext() -> None:
    plain = platform("plaintext")
    query, body = plain.seal(plain.to_xml(plain.text("o_patient", "你好")))
    assert refusal("safe", query, body).status == 400
    safe = platform("safe")
    query, body = safe.seal(safe.to_xml(safe.text("o_patient", "你好")))
    assert refusal("plaintext", query, body).status == 400


def test_missing_signature_parameters_are_refused_with_400() -> None:
    assert refusal("compatible", {}, "<xml/>").status == 400


@given(st.one_of(st.binary(max_size=2000), st.text(max_size=500).map(lambda t: f"<xml>{t}</xml>".encode()),
                 st.dictionaries(st.sampled_from(["MsgType", "FromUserName", "ToUserName", "Content", "MsgId",
                                                  "Event", "CreateTime", "Encrypt"]),
                                 st.text(max_size=40), max_size=8)
                 .map(lambda d: WeChatPlatform.to_xml(d).encode())))
@settings_(max_examples=300, deadline=None)
def test_any_body_is_read_or_refused_with_a_4xx_never_an_error(body: bytes) -> None:
    sim = platform("plaintext")
    for mode, extra in (("compatible", {}), ("safe", {"encrypt_type": "aes", "msg_signature": "0" * 40})):
        try:
            inbound = read_message(settings(mode), {**sim.signed_query(), **extra}, body)
        except Rejected as exc:
            assert 400 <= exc.status < 500
        else:
            assert message_key(inbound.message)
