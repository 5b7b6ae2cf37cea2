"""The clause test of `_first_mentions` (a sign said again in another clause is kept) reads the boundaries
found once (bisect), not the text between every pair of mentions: a long repeated message ("发烧" × 5000) took
4 s to parse, past WeChat's 5-second passive reply. The answer must be the old one for every pair."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nlu.entities import _CLAUSE_MARKS, _first_mentions, _Found, _other_clause


def _between(text: str, a: _Found, b: _Found) -> bool:
    return any(ch in _CLAUSE_MARKS for ch in text[a.end:b.start])


@given(st.text(alphabet="咳吐，。！？ab;\n", max_size=40), st.data())
def test_the_bisected_clause_test_agrees_with_reading_the_text_between(text: str, data: st.DataObject) -> None:
    bounds = [i for i, ch in enumerate(text) if ch in _CLAUSE_MARKS]
    n = len(text)
    a_start = data.draw(st.integers(0, n))
    a_end = data.draw(st.integers(a_start, n))
    b_start = data.draw(st.integers(a_end, n))
    a, b = _Found("symptom", "cough", a_start, a_end), _Found("symptom", "cough", b_start, b_start)
    assert _other_clause(bounds, a, b) == _between(text, a, b)


def test_a_long_repetition_keeps_one_mention_and_other_clauses_keep_theirs() -> None:
    text = "发烧" * 3000
    found = [_Found("symptom", "fever", i, i + 2) for i in range(0, len(text), 2)]
    assert len(_first_mentions(found, text)) == 1
    text = "咳嗽，又咳了"
    found = [_Found("symptom", "cough", 0, 2), _Found("symptom", "cough", 4, 5)]
    assert len(_first_mentions(found, text)) == 1  # the same word again: one sign
    text = "眼皮肿了，舌头也肿"
    found = [_Found("symptom", "facial_swelling", 0, 4), _Found("symptom", "facial_swelling", 5, 9)]
    assert len(_first_mentions(found, text)) == 2  # other words in another clause: two signs
