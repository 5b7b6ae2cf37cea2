"""Plain Chinese words for the vocabulary's codes, from the NLU lexicon: fever -> 发烧."""
from __future__ import annotations

from functools import lru_cache

from nlu.yaml_files import load_yaml

from nlu.lexicon import LEXICON_DIR


@lru_cache(maxsize=1)
def _names() -> dict[str, dict[str, str]]:
    """Code -> the first word the NLU lexicon lists for it, which the lexicon keeps the plainest (fever -> 发烧;
    tests/nlu/test_code_names.py holds it to that)."""
    names: dict[str, dict[str, str]] = {}
    for path in sorted(LEXICON_DIR.glob("*.yml")):
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
        for group in ("symptoms", "conditions", "medications"):
            for code, words in (data.get(group) or {}).items():
                if isinstance(words, list) and words:
                    names.setdefault(group, {})[code] = str(words[0])
    return names


def code_name(group: str, code: str) -> str:
    """The plain word for a symptom, condition or medication code (fever -> 发烧); the code itself if none."""
    return _names().get(group, {}).get(code, code)


