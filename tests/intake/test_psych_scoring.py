"""PHQ-2 and GAD-2 totals (actions/psych_screen.py)."""
from __future__ import annotations

import pytest

from actions.psych_screen import screen_scores


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ({"phq2_interest": 0, "phq2_mood": 0, "gad2_nervous": 0, "gad2_worry": 0}, {"phq2_score": 0, "gad2_score": 0}),
        ({"phq2_interest": 1, "phq2_mood": 2, "gad2_nervous": 3, "gad2_worry": 3}, {"phq2_score": 3, "gad2_score": 6}),
        ({"phq2_interest": 2, "phq2_mood": 0}, {"phq2_score": 2}),
        ({"phq2_interest": 2, "phq2_mood": None, "gad2_nervous": 1, "gad2_worry": 1}, {"gad2_score": 2}),
    ],
)
def test_each_screen_is_the_sum_of_its_two_items_once_both_are_answered(items: dict, expected: dict) -> None:
    assert screen_scores(items) == expected


def test_a_true_answer_is_not_counted_as_one() -> None:
    assert screen_scores({"phq2_interest": True, "phq2_mood": 1}) == {}
