"""The table-driven helper shared by the class tests of issue 11 (rounds 2, 3 and 4).

A class is a family of wordings with its counter-examples. A table maps each symptom code to the
sentences that must read it (`has`) and to those that must not (`lacks`); `cases` turns a table into
pytest parameters and `check` runs one through the real pipeline and model.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import pytest

from nlu.interpreter import MedicalInterpreter

Table = Mapping[str, Sequence[str]]


def read(interpreter: MedicalInterpreter, text: str) -> list[tuple[str, bool]]:
    """Every symptom read, with its negation."""
    return [(e.value, bool(e.negated)) for e in interpreter.parse(text).entities_of("symptom")]


def present(interpreter: MedicalInterpreter, text: str) -> set[str]:
    """The symptom codes read as present."""
    return {code for code, negated in read(interpreter, text) if not negated}


def values(interpreter: MedicalInterpreter, text: str, entity: str) -> list[object]:
    """The values of one entity type, in order."""
    return [e.value for e in interpreter.parse(text).entities if e.entity == entity]


def cases(has: Table | None = None, lacks: Table | None = None) -> list[object]:
    """pytest parameters (text, code, expected) for `check`: `has` rows must read the code, `lacks` rows must not."""
    params: list[object] = []
    for table, expected in ((has or {}, True), (lacks or {}, False)):
        for code, texts in table.items():
            for text in texts:
                params.append(pytest.param(text, code, expected, id=f"{'+' if expected else '-'}{code}:{text}"))
    return params


def check(interpreter: MedicalInterpreter, text: str, code: str, expected: bool) -> None:
    found = present(interpreter, text)
    assert (code in found) is expected, f"{text!r} read as {sorted(found)}"


def value_cases(rows: Iterable[tuple[str, str, list[object]]]) -> list[object]:
    """pytest parameters (text, entity, expected values) for `check_values`."""
    return [pytest.param(text, entity, expected, id=f"{entity}:{text}") for text, entity, expected in rows]


def check_values(interpreter: MedicalInterpreter, text: str, entity: str, expected: list[object]) -> None:
    assert values(interpreter, text, entity) == expected
