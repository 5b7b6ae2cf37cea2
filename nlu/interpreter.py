"""The interface the engine talks to, and the loader that picks the interpreter."""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

from nlu.result import ParseResult


class Interpreter(Protocol):
    """Anything that reads a message: `parse(text)` never raises, whatever the text."""

    def parse(self, text: str) -> ParseResult: ...


def load_interpreter(model_path: Path | None = None, threshold: float = 0.5) -> Interpreter:
    """Load the interpreter the engine uses."""
    from nlu.phrases import PhraseInterpreter

    return PhraseInterpreter.from_file(Path(__file__).parent / "phrases.yml")
