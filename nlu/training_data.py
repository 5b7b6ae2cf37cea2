"""Reading and writing training data in Rasa's `nlu.yml` format (version 3.1).

Entity annotations may be `[text](entity)`, `[text](entity:value)` or
`[text]{"entity": "symptom", "value": "cough", "negated": true}` (Rasa's JSON form; a Rasa
`"role": "negated"` is read as negated too). Sections other than `intent` (synonym, regex,
lookup) are accepted and ignored: our lexicon covers them.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from nlu.yaml_files import load_yaml

_ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<short>[^)]+)\)|(?P<json>\{[^}]*\}))")


class TrainingDataError(ValueError):
    """A training file that cannot be read; the message names the file and the example."""


@dataclass(frozen=True)
class Annotation:
    """One annotated entity of an example; offsets index the plain text."""

    entity: str
    value: Any
    start: int
    end: int
    negated: bool | None = None


@dataclass(frozen=True)
class Example:
    """One message with its intent and its annotated entities."""

    text: str
    intent: str
    entities: tuple[Annotation, ...] = field(default_factory=tuple)


def parse_example(line: str, intent: str) -> Example:
    """Strip the annotations out of one example line."""
    parts: list[str] = []
    entities: list[Annotation] = []
    pos = length = 0
    for m in _ANNOTATION.finditer(line):
        parts.append(line[pos:m.start()])
        length += m.start() - pos
        text = m.group("text")
        if m.group("json"):
            try:
                spec = json.loads(m.group("json"))
            except json.JSONDecodeError as exc:
                raise TrainingDataError(f"bad entity annotation {m.group('json')!r}: {exc}") from exc
            name, value = spec.get("entity"), spec.get("value", text)
            negated = spec.get("negated")
            if negated is None and spec.get("role") == "negated":
                negated = True
        else:
            name, _, value = m.group("short").partition(":")
            value = value or text
            negated = None
        if not name:
            raise TrainingDataError(f"entity annotation without a name in {line!r}")
        entities.append(Annotation(str(name), value, length, length + len(text), negated))
        parts.append(text)
        length += len(text)
        pos = m.end()
    parts.append(line[pos:])
    return Example("".join(parts), intent, tuple(entities))


def load_examples(paths: Iterable[Path]) -> list[Example]:
    """All intent examples of the given files (or of every *.yml under given directories), in order."""
    examples: list[Example] = []
    for path in _files(paths):
        try:
            document = load_yaml(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise TrainingDataError(f"{path}: {exc}") from exc
        for block in document.get("nlu") or []:
            if not isinstance(block, dict) or "intent" not in block:
                continue
            lines = str(block.get("examples") or "").splitlines()
            for raw in lines:
                raw = raw.strip()
                if not raw.startswith("- "):
                    continue
                try:
                    examples.append(parse_example(raw[2:].strip(), str(block["intent"])))
                except TrainingDataError as exc:
                    raise TrainingDataError(f"{path}: {exc}") from exc
    return examples


def _files(paths: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.glob("*.yml"))
        elif path.exists():
            files.append(path)
        else:
            raise TrainingDataError(f"{path}: no such file or directory")
    return files
