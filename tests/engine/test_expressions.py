"""The condition language: safe, and a missing value never satisfies a threshold."""
from __future__ import annotations

import pytest

from bot.expressions import ExpressionError, compile_expression, evaluate

SLOTS = {"temperature": 38.5, "age": 70, "subject": "parent", "symptoms": {"cough": True, "fever": False}}


@pytest.mark.parametrize(
    "expression, expected",
    [
        ("temperature >= 38.5", True),
        ("temperature > 38.5", False),
        ("spo2 <= 93", False),  # unknown: never satisfies a threshold
        ("not spo2 <= 93", True),
        ("subject in ['parent', 'child']", True),
        ("subject not in ['parent']", False),
        ("symptoms.cough and not symptoms.fever", True),
        ("present('cough') and denied('fever')", True),
        ("present('dyspnea') or denied('dyspnea')", False),
        ("known('age') and missing('spo2')", True),
        ("age >= 65 and (temperature > 39 or present('cough'))", True),
        ("symptoms.cough == True", True),
        ("spo2 == none", True),
        ("60 <= age < 80", True),
    ],
)
def test_expressions_evaluate_over_slots(expression: str, expected: bool) -> None:
    assert evaluate(expression, SLOTS) is expected


def test_names_lists_the_slots_an_expression_reads() -> None:
    assert compile_expression("age > 3 and present('cough') and known('spo2')").names == {"age", "symptoms.cough", "spo2"}


@pytest.mark.parametrize("bad", ["__import__('os').system('x')", "age.__class__", "[x for x in y]", "lambda: 1", "a + b", "", "age >"])
def test_anything_outside_the_language_is_refused(bad: str) -> None:
    with pytest.raises(ExpressionError):
        compile_expression(bad)
