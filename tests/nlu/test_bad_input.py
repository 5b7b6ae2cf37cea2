"""Whatever arrives, parse answers with a valid result whose offsets index the original text."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
import pytest

from nlu.interpreter import MedicalInterpreter
from nlu.result import ParseResult


def assert_valid(result: ParseResult, text: str) -> None:
    assert result.text == text
    assert result.intent.name
    assert 0.0 <= result.intent.confidence <= 1.0
    for e in result.entities:
        assert 0 <= e.start < e.end <= len(text)
        assert text[e.start:e.end] == e.text
    json.dumps(result.to_dict(), ensure_ascii=False)


@pytest.mark.parametrize("text", [
    "", " ", "\n\t", "😀😷🤒", "1234567890", "<script>alert('x')</script>", "<b>发烧</b>38度",
    "\x00\x01\x1b[31m发烧\x7f", "\u200b\u200d\ufeff", "\ud800", "発熱", "I have a fever of 39", "?？!！",
    "a" * 10000, "发烧" * 5000, "三" * 10000, "9" * 10000, "打了99999999999999999999针",
    "百分之", "度度度", "十万八千里", "1.2.3.4度", "第一百零二华氏度",
])
def test_hostile_or_odd_input_gets_a_valid_result(interpreter, text):
    assert_valid(interpreter.parse(text), text)


@pytest.mark.parametrize("text", ["", "😀😷🤒", "   ", "。。。"])
def test_nothing_to_read_is_out_of_scope_without_entities(interpreter, text):
    parsed = interpreter.parse(text)
    assert parsed.intent.name == "out_of_scope"
    assert parsed.entities == []


def test_a_ten_thousand_character_message_still_finds_its_symptoms(interpreter):
    text = "我" + "呃" * 9990 + "发烧三天了"
    parsed = interpreter.parse(text)
    assert ("symptom", "fever") in [(e.entity, e.value) for e in parsed.entities]


def test_not_a_string_is_read_as_empty(interpreter):
    assert interpreter.parse(None).intent.name == "out_of_scope"  # type: ignore[arg-type]


_MEDICAL = st.sampled_from(["发烧", "不", "没有", "38度5", "三十八", "天", "岁", "个月", "血氧", "，", "華氏", "１", "🐑",
                            "百分之", "但是", "阳了", "我妈", "半", "℃", "点", "两", "孕", "针", "打了"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text())
def test_arbitrary_unicode_never_fails_and_offsets_index_the_original(interpreter, text):
    assert_valid(interpreter.parse(text), text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(_MEDICAL, st.text(max_size=3)), max_size=12).map("".join))
def test_medical_looking_noise_never_fails_and_offsets_index_the_original(interpreter, text):
    assert_valid(interpreter.parse(text), text)


def test_an_internal_failure_becomes_out_of_scope(interpreter, monkeypatch):
    broken = MedicalInterpreter(interpreter.model, 0.45, interpreter.pipeline)

    def explode(text: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(broken.pipeline, "analyse", explode)
    assert broken.parse("发烧").intent.name == "out_of_scope"
