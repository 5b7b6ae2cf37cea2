"""The situation a patient describes around an emergency ("家里就我一个人", "我打不了电话", "怎么办").

Read by the emergency follow-up (actions/handoff.py `emergency_followup`) and by the engine: being alone
at home is who is in the house, never who the patient is. Words: flows/language/emergency.yml.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from nlu.yaml_files import load_yaml

from bot.answers import fold

EMERGENCY_WORDS = Path(__file__).resolve().parents[1] / "flows" / "language" / "emergency.yml"


@lru_cache(maxsize=1)
def _situations(path: Path = EMERGENCY_WORDS) -> dict[str, re.Pattern[str]]:
    raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    return {str(kind): re.compile(str(p)) for kind, p in (raw.get("situations") or {}).items()}


def situation_said(text: str) -> str | None:
    """The first situation (in the file's order) a message describes, or None."""
    folded = fold(text)
    return next((kind for kind, p in _situations().items() if p.search(folded)), None) if folded else None


def situations() -> tuple[str, ...]:
    return tuple(_situations())


def says_alone(text: str) -> bool:
    """"家里就我一个人", "我一个人住", "身边没人"."""
    pattern = _situations().get("alone")
    return bool(pattern and pattern.search(fold(text)))
