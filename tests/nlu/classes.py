"""The table-driven helper shared by the class tests of issue 11 (rounds 2, 3 and 4).

A class is a family of wordings with its counter-examples. A table maps each symptom code to the
sentences that must read it (`has`) and to those that must not (`lacks`); `cases` turns a table into
pytest parameters and `check` runs one through the real pipeline and model.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pytest

from nlu.interpreter import MedicalInterpreter

Table = Mapping[str, Sequence[str]]
ROOT = Path(__file__).resolve().parents[2]


def read(interpreter: MedicalInterpreter, text: str) -> list[tuple[str, bool]]:
    """Every symptom read as someone's, with its negation (round 11: a symptom only named in a general question is
    in the parse, marked `asked`; it is nobody's, as the engine reads it)."""
    return [(e.value, bool(e.negated)) for e in interpreter.parse(text).without_asked().entities_of("symptom")]


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


def _example_lines(path: Path) -> list[str]:
    """The example texts of a Rasa NLU file, annotations removed ("[我]{...}发烧" -> "我发烧")."""
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    return [re.sub(r"\]\{[^}]*\}", "", line[2:]).replace("[", "")
            for line in lines if line.startswith("- ") and not line.startswith("- intent")]


def measured_lines(newest_blind: int | None = None) -> list[str]:
    """Every line of the blind and held-out sets: measurements, which no test or training line may copy.
    With `newest_blind`, only the blind sets up to that version (those that existed when the lines were
    written: a set written later by an outsider who never saw them may share a common phrase by chance)."""
    blind = sorted((ROOT / "nlu/data/blind").glob("*.yml"))
    if newest_blind is not None:
        blind = [p for p in blind if int(re.sub(r"\D", "", p.stem.rsplit("_v", 1)[-1]) or 0) <= newest_blind]
    paths = [*blind, *(ROOT / "nlu/data/heldout").glob("*.yml")]
    return [text for path in paths for text in _example_lines(path)]


def assert_copies_no_measured_line(mine: Iterable[str], training_file: str, run: int = 8,
                                   newest_blind: int = 8) -> None:
    """No sentence of a class test, nor any line of its training file, shares `run` characters with a
    blind or held-out line that existed when they were written (blind v1–v8 for rounds up to 8: v9 and v10
    were written afterwards, by outsiders who never saw these lines). A later round passes its newest set."""
    measured = measured_lines(newest_blind)
    texts = [*mine, *_example_lines(ROOT / training_file)]
    for text in texts:
        runs = {text[i:i + run] for i in range(len(text) - run + 1)}
        assert not any(r in line for r in runs for line in measured), text
