"""A phrase-table interpreter: the first, simple understanding, until the trained NLU replaces it."""
from __future__ import annotations

from pathlib import Path

import yaml

from nlu.result import Intent, ParseResult


class PhraseInterpreter:
    """Picks the intent whose phrase is the longest substring of the text."""

    def __init__(self, phrases: dict[str, list[str]]) -> None:
        self._table = sorted(
            ((p, intent) for intent, ps in phrases.items() for p in ps), key=lambda x: -len(x[0])
        )

    @classmethod
    def from_file(cls, path: Path) -> "PhraseInterpreter":
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    def parse(self, text: str) -> ParseResult:
        lowered = (text or "").lower()
        for phrase, intent in self._table:
            if phrase in lowered:
                return ParseResult(text=text, intent=Intent(intent, 1.0), intent_ranking=[Intent(intent, 1.0)])
        return ParseResult(text=text, intent=Intent("out_of_scope", 0.0))
