"""The condition language of flows and triage rules: a safe subset of Python expressions over slots.

Nothing is executed: the expression is parsed with `ast` and walked. A comparison with an
unknown (None) value is false, so a missing answer never satisfies a threshold.
"""
from __future__ import annotations

import ast
import operator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from bot.state import get_slot


class ExpressionError(ValueError):
    """An expression is not in the language; the message says what is wrong."""


_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.In: lambda a, b: b is not None and a in b,
    ast.NotIn: lambda a, b: b is not None and a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_CONSTANTS = {"true": True, "false": False, "none": None, "null": None}
_FUNCTIONS = ("present", "denied", "known", "missing")


@dataclass(frozen=True)
class Expression:
    """A parsed expression: `names` are the slots it reads (dotted for map keys)."""

    source: str
    tree: ast.expr
    names: frozenset[str]
    run: "Evaluator"

    def evaluate(self, slots: dict[str, Any]) -> bool:
        return bool(self.run(slots))


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _check(node: ast.AST, names: set[str]) -> None:
    if isinstance(node, ast.BoolOp | ast.Compare):
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, ast.boolop | ast.cmpop):
                _check(child, names)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
        _check(node.operand, names)
    elif isinstance(node, ast.Constant) and isinstance(node.value, int | float | str | bool | type(None)):
        pass
    elif isinstance(node, ast.List | ast.Tuple):
        for elt in node.elts:
            _check(elt, names)
    elif isinstance(node, ast.Name | ast.Attribute):
        name = _dotted(node)
        if name is None or name.count(".") > 1 or any(part.startswith("_") for part in name.split(".")):
            raise ExpressionError(f"'{ast.unparse(node)}' is not a slot name")
        if name.lower() not in _CONSTANTS:
            names.add(name)
    elif isinstance(node, ast.Call):
        func = node.func.id if isinstance(node.func, ast.Name) else None
        if func not in _FUNCTIONS or len(node.args) != 1 or node.keywords:
            raise ExpressionError(f"unknown function '{ast.unparse(node.func)}'; use one of {', '.join(_FUNCTIONS)}")
        arg = node.args[0]
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            raise ExpressionError(f"{func}() takes one quoted name")
        names.add(f"symptoms.{arg.value}" if func in ("present", "denied") else arg.value)
    else:
        raise ExpressionError(f"'{ast.unparse(node)}' is not allowed in a condition")


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> Expression:
    """Parse and check an expression once; raises ExpressionError with the reason."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("an empty condition")
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse '{source}': {exc.msg}") from None
    names: set[str] = set()
    _check(tree, names)
    return Expression(source, tree, frozenset(names), _compile(tree))


def evaluate(source: str, slots: dict[str, Any]) -> bool:
    return compile_expression(source).evaluate(slots)


Evaluator = Callable[[dict[str, Any]], Any]


def _compile(node: ast.expr) -> Evaluator:
    """Turn a checked tree into nested closures once, so evaluating is a few calls, not a tree walk."""
    if isinstance(node, ast.BoolOp):
        parts = [_compile(v) for v in node.values]
        if isinstance(node.op, ast.And):
            return lambda slots: all(p(slots) for p in parts)
        return lambda slots: any(p(slots) for p in parts)
    if isinstance(node, ast.UnaryOp):
        operand = _compile(node.operand)
        if isinstance(node.op, ast.Not):
            return lambda slots: not operand(slots)
        return lambda slots: None if (v := operand(slots)) is None else -v
    if isinstance(node, ast.Compare):
        return _compile_compare(node)
    if isinstance(node, ast.Constant):
        value = node.value
        return lambda slots: value
    if isinstance(node, ast.List | ast.Tuple):
        items = [_compile(e) for e in node.elts]
        return lambda slots: [i(slots) for i in items]
    if isinstance(node, ast.Name | ast.Attribute):
        name = _dotted(node) or ""
        if name.lower() in _CONSTANTS:
            constant = _CONSTANTS[name.lower()]
            return lambda slots: constant
        return lambda slots: get_slot(slots, name)
    if isinstance(node, ast.Call):
        func = node.func.id  # type: ignore[union-attr]
        arg = node.args[0].value  # type: ignore[attr-defined]
        if func == "present":
            return lambda slots: get_slot(slots, f"symptoms.{arg}") is True
        if func == "denied":
            return lambda slots: get_slot(slots, f"symptoms.{arg}") is False
        if func == "known":
            return lambda slots: get_slot(slots, arg) is not None
        return lambda slots: get_slot(slots, arg) is None
    raise ExpressionError(f"cannot evaluate '{ast.unparse(node)}'")


def _compile_compare(node: ast.Compare) -> Evaluator:
    first = _compile(node.left)
    steps = [(_COMPARE[type(op)], isinstance(op, _ORDERING), _compile(right)) for op, right in zip(node.ops, node.comparators)]

    def compare(slots: dict[str, Any]) -> bool:
        left = first(slots)
        for test, ordering, right_of in steps:
            right = right_of(slots)
            if ordering and (left is None or right is None):
                return False
            try:
                if not test(left, right):
                    return False
            except TypeError:
                return False
            left = right
        return True

    return compare


def could_hold(expression: Expression, slots: dict[str, Any],
               open_: Callable[[str], bool] | None = None) -> bool | None:
    """The expression's value in three-valued (Kleene) logic, with every missing slot unknown.

    True: it holds whatever the missing slots turn out to be; False: it cannot hold whatever they
    turn out to be; None: it depends on a slot not known yet. `missing('x')` / `known('x')` of a
    slot not known yet is unknown too (it will be known once asked). Used to tell which questions
    can still change a decision (actions/triage/asking.py). With `open_`, only a missing slot for which
    it says True is unknown; any other missing slot stays missing (it will not be asked: the normal
    reading of a missing answer applies).
    """
    return _kleene_of(expression.tree)(slots, open_ or _ALL_OPEN)


def _ALL_OPEN(name: str) -> bool:
    return True


Kleene = Callable[[dict[str, Any], Callable[[str], bool]], "bool | None"]


def _kleene_of(node: ast.expr) -> Kleene:
    """`_kleene` for this tree compiled once into closures and kept on the node: the question filter
    evaluates every rule before every question (round 9 of perf: the tree walk, with a fresh `_compile`
    and a fresh `_names_in` of each comparison at every call, was most of an intake turn's CPU)."""
    compiled: Kleene | None = getattr(node, "_wenzhen_kleene", None)
    if compiled is None:
        compiled = _compile_kleene(node)
        node._wenzhen_kleene = compiled  # type: ignore[attr-defined]
    return compiled


def _compile_kleene(node: ast.expr) -> Kleene:
    if isinstance(node, ast.BoolOp):
        parts = tuple(_kleene_of(v) for v in node.values)
        if isinstance(node.op, ast.And):
            def all_of(slots: dict[str, Any], open_: Callable[[str], bool]) -> bool | None:
                unknown = False
                for part in parts:
                    value = part(slots, open_)
                    if value is False:
                        return False
                    if value is None:
                        unknown = True
                return None if unknown else True
            return all_of

        def any_of(slots: dict[str, Any], open_: Callable[[str], bool]) -> bool | None:
            unknown = False
            for part in parts:
                value = part(slots, open_)
                if value is True:
                    return True
                if value is None:
                    unknown = True
            return None if unknown else False
        return any_of
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        operand = _kleene_of(node.operand)

        def negation(slots: dict[str, Any], open_: Callable[[str], bool]) -> bool | None:
            value = operand(slots, open_)
            return None if value is None else not value
        return negation
    if isinstance(node, ast.Call):
        func = node.func.id  # type: ignore[union-attr]
        arg = node.args[0].value  # type: ignore[attr-defined]
        name = f"symptoms.{arg}" if func in ("present", "denied") else arg
        head, _, key = name.partition(".")
        # The slot is read once; the function's value from it, as `_compile` computes it.
        test: Callable[[Any], bool] = {
            "present": lambda v: v is True, "denied": lambda v: v is False,
            "known": lambda v: v is not None}.get(func, lambda v: v is None)

        def call(slots: dict[str, Any], open_: Callable[[str], bool]) -> bool | None:
            value = slots.get(head)
            if key:
                value = value.get(key) if isinstance(value, dict) else None
            if value is None and open_(name):
                return None
            return test(value)
        return call
    run = _compile(node)
    names = tuple(_names_in(node))

    def leaf(slots: dict[str, Any], open_: Callable[[str], bool]) -> bool | None:
        for n in names:
            if get_slot(slots, n) is None and open_(n):
                return None
        return bool(run(slots))
    return leaf


def _kleene(node: ast.expr, slots: dict[str, Any], open_: Callable[[str], bool]) -> bool | None:
    """The three-valued value by walking the tree: the reference `_kleene_of` is tested against
    (tests/engine/test_expressions.py); `could_hold` uses the compiled form."""
    if isinstance(node, ast.BoolOp):
        values = [_kleene(v, slots, open_) for v in node.values]
        if isinstance(node.op, ast.And):
            return False if False in values else (True if all(v is True for v in values) else None)
        return True if True in values else (False if all(v is False for v in values) else None)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        value = _kleene(node.operand, slots, open_)
        return None if value is None else not value
    if isinstance(node, ast.Call):
        arg = node.args[0].value  # type: ignore[attr-defined]
        name = f"symptoms.{arg}" if node.func.id in ("present", "denied") else arg  # type: ignore[union-attr]
        if get_slot(slots, name) is None and open_(name):
            return None
    elif any(get_slot(slots, n) is None and open_(n) for n in _names_in(node)):
        return None
    return bool(_compile(node)(slots))


def _names_in(node: ast.AST) -> list[str]:
    """The slots a comparison reads (dotted for map keys)."""
    if isinstance(node, ast.Name | ast.Attribute):
        name = _dotted(node)
        return [name] if name and name.lower() not in _CONSTANTS else []
    if isinstance(node, ast.Call):
        arg = getattr(node.args[0], "value", None) if node.args else None
        func = getattr(node.func, "id", "")
        return [f"symptoms.{arg}" if func in ("present", "denied") else str(arg)] if isinstance(arg, str) else []
    return [name for child in ast.iter_child_nodes(node) for name in _names_in(child)]


def restrictive_names(expression: Expression) -> frozenset[str]:
    """The slots whose absence can keep the expression from holding (read where a missing value makes
    the condition false: `temperature >= 38`, `present('x')`, `not missing('x')`). A slot read only
    where its absence makes the condition true (`not (duration_hours < 48)`, `missing('x')`) is not
    one: leaving it unanswered never keeps a step from running."""
    found: set[str] = set()
    _polarity(expression.tree, True, found)
    return frozenset(found)


def _polarity(node: ast.AST, positive: bool, found: set[str]) -> None:
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _polarity(value, positive, found)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _polarity(node.operand, not positive, found)
    elif isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("missing", "known"):
        # missing('x') holds when x is absent: restrictive only where negated (known() the other way).
        if positive == (node.func.id == "known"):  # type: ignore[attr-defined]
            found.update(_names_in(node))
    elif isinstance(node, ast.Compare) and any(isinstance(op, ast.NotIn | ast.NotEq) for op in node.ops):
        found.update(_names_in(node))  # `subject not in [...]` holds when absent; counted both ways
    elif positive:
        found.update(_names_in(node))
