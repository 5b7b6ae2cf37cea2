"""A negated cancel is not a cancel: the stop words of flows/language/answers.yml, negated, keep what was asked."""
from __future__ import annotations

import pytest

from bot.answers import negates_stop, wants_to_stop


@pytest.mark.parametrize("text", ["不取消了", "算了不取消", "先不取消", "别取消", "不用取消了，我会去的", "暂不取消"])
def test_a_negated_cancel_keeps(text: str) -> None:
    assert negates_stop(text) and not wants_to_stop(text)


@pytest.mark.parametrize("text", ["取消", "不问了，取消", "算了", "我要取消", "退出"])
def test_a_plain_cancel_still_stops(text: str) -> None:
    assert wants_to_stop(text) and not negates_stop(text)
