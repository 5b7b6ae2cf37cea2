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


def _conditions() -> list[str]:
    """Every rule's, modifier's and flow step's condition of the shipped data."""
    from pathlib import Path

    from nlu.yaml_files import load_yaml

    root = Path(__file__).resolve().parents[2]
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("when", "if", "condition", "modifier_context") and isinstance(value, str):
                    found.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in [root / "actions/triage/rules.yml", *sorted((root / "flows").rglob("*.yml"))]:
        walk(load_yaml(path.read_text(encoding="utf-8")))
    return found


def test_could_hold_compiled_is_the_tree_walk_on_every_shipped_condition() -> None:
    """perf9: `could_hold` runs closures compiled once; on every condition of the shipped rules and flows,
    over random answers (some missing, some of the wrong type) and random open slots, it gives what the
    tree walk gives (True, False or None)."""
    import random

    from bot.expressions import ExpressionError, _kleene, could_hold

    expressions = []
    for source in _conditions():
        try:
            expressions.append(compile_expression(source))
        except ExpressionError:
            continue
    assert len(expressions) > 100, "the shipped rules and flows were read"
    values = [None, True, False, 0, 1, 3, 17, 37.2, 38.5, 39.6, 94, 200, "self", "child", "parent", "none", "yes", ["x"]]
    rng = random.Random(9)
    checked = 0
    for expression in expressions:
        names = sorted(expression.names)
        for _ in range(40):
            slots: dict = {}
            for name in names:
                value = rng.choice(values)
                if value is None:
                    continue
                head, _, key = name.partition(".")
                if key:
                    slots.setdefault(head, {})[key] = value
                else:
                    slots[head] = value
            closed = {n for n in names if rng.random() < 0.3}
            open_ = (lambda n, closed=closed: n not in closed) if rng.random() < 0.7 else None
            expected = _kleene(expression.tree, slots, open_ or (lambda n: True))
            assert could_hold(expression, slots, open_) is expected, (expression.source, slots, closed)
            checked += 1
    assert checked > 4000
