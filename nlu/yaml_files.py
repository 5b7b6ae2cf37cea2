"""Reading the project's YAML data files (flows, lexicon, rules, content, phrases) with libyaml's parser when
PyYAML was built with it, as PyPI's wheels are: about ten times faster than the pure-Python parser, and a
process start reads some eighty files (`Runtime` spent 1.3 of its 3.6 s of first start parsing YAML; every
`wenzhen serve`, worker and CLI command pays it). Same YAML 1.1 safe constructors and resolver either way."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str | bytes) -> Any:
    """`yaml.safe_load`, on libyaml when available."""
    return yaml.load(text, Loader=SafeLoader)  # noqa: S506 (a safe loader)


def words_beside(module_file: str) -> dict[str, Any]:
    """A module's word lists and word regexes, kept as data beside it: `answers.py` → `answers_words.yml`."""
    path = Path(module_file)
    loaded: dict[str, Any] = load_yaml(path.with_name(f"{path.stem}_words.yml").read_text(encoding="utf-8"))
    return loaded
