"""How bot messages look on Telegram: texts within limits, buttons as inline keyboards carrying payloads."""
from bot.messages import BotMessage, Button
from integrations.telegram.rendering import (
    MAX_CALLBACK_BYTES,
    MAX_TEXT_CHARS,
    callback_data,
    resolve_callback,
    split_text,
    to_telegram,
)


def test_buttons_become_an_inline_keyboard_whose_callback_data_is_the_payload():
    message = BotMessage("请问现在体温多少度？", buttons=(Button("没有发烧", '/inform{"symptoms.fever": false}'),))
    [out] = to_telegram(message)
    [[button]] = out.keyboard.inline_keyboard
    assert out.text == "请问现在体温多少度？"
    assert (button.text, button.callback_data) == ("没有发烧", '/inform{"symptoms.fever": false}')


def test_a_payload_longer_than_telegram_allows_travels_as_a_digest_that_resolves_back():
    payload = '/inform{"department": "呼吸与危重症医学科", "note": "这是一个很长的载荷"}'
    assert len(payload.encode()) > MAX_CALLBACK_BYTES
    data = callback_data(payload)
    assert len(data.encode()) <= MAX_CALLBACK_BYTES
    assert resolve_callback(data, ["/affirm", payload]) == payload


def test_a_digest_of_no_offered_payload_resolves_to_nothing():
    data = callback_data("/x" + "很" * 40)
    assert resolve_callback(data, ["/affirm"]) is None


def test_a_ten_thousand_character_text_is_split_into_messages_telegram_accepts_with_buttons_on_the_last():
    text = ("发热门诊" * 500 + "\n") * 5
    out = to_telegram(BotMessage(text, buttons=(Button("好的", "/affirm"),)))
    assert len(out) > 1
    assert all(len(o.text) <= MAX_TEXT_CHARS for o in out)
    assert "".join(o.text for o in out).replace("\n", "") == text.replace("\n", "")
    assert [o.keyboard is not None for o in out] == [False] * (len(out) - 1) + [True]


def test_a_text_without_line_breaks_is_cut_hard_and_loses_nothing():
    text = "咳" * (MAX_TEXT_CHARS * 2 + 5)
    assert "".join(split_text(text)) == text


def test_a_message_with_only_a_custom_object_sends_nothing():
    assert to_telegram(BotMessage(custom={"triage": {"level": "selfcare"}})) == []


def test_an_image_url_is_sent_as_a_photo_before_the_text():
    out = to_telegram(BotMessage("示意图", image="https://example.org/a.png"))
    assert [(o.photo_url, o.text) for o in out] == [("https://example.org/a.png", None), (None, "示意图")]
