"""A typed near-copy of a button title chooses it — unless a negation reverses it (unit; the words
themselves are tested through the engine in test_answers.py and tests/prescriptions/test_renewal.py)."""
from __future__ import annotations

from bot.answers import AnswerContext, _button_by_title

WORSE = ({"title": "没有，病情稳定", "payload": '/inform{"renewal_worse": false}'},
         {"title": "有加重", "payload": '/inform{"renewal_worse": true}'})
AT_REST = ({"title": "是，休息时也喘", "payload": '/inform{"breathless_at_rest": true}'},
           {"title": "不，活动后才喘", "payload": '/inform{"breathless_at_rest": false}'})


def chosen(text: str, buttons: tuple[dict[str, str], ...], slot: str) -> object:
    return _button_by_title(slot, AnswerContext(text=text, intent="inform", buttons=buttons))


def test_a_near_copy_chooses_its_button() -> None:
    assert chosen("休息的时候也喘", AT_REST, "breathless_at_rest") is True
    assert chosen("有加重", WORSE, "renewal_worse") is True


def test_a_negation_said_or_left_out_is_no_near_copy() -> None:
    assert chosen("没有加重", WORSE, "renewal_worse") is None  # left to the yes/no reading: a no
    assert chosen("休息时不喘", AT_REST, "breathless_at_rest") is None
