"""Turning Chinese text into index terms: normalise, segment with jieba and the medical lexicon, map synonyms.

Both the articles and the questions go through the same `Terms.of`, so a patient's 发骚/扑热息痛/阳了
meets an article's 发热/对乙酰氨基酚/感染 on a shared canonical term.
"""
from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Iterable

import jieba
import yaml

from nlu.yaml_files import load_yaml

from actions.knowledge.articles import KnowledgeError
from nlu.lexicon import ENTITY_KINDS, LexiconError, load_lexicon
from nlu.text import normalise

log = logging.getLogger("wenzhen.knowledge")

_WORD_FREQ = 200_000  # high enough that jieba keeps a lexicon phrase whole
# Punctuation, and numbers: a temperature or an SpO2 value says nothing about the topic.
_MEANINGLESS = re.compile(r"^(?:[\W_]+|[\d.]+)$")


def _lexicon_words(directory: Path) -> Iterable[tuple[str, str | None]]:
    """(word, canonical term or None) from the NLU's medical lexicon: entity words map to their code;
    words the lexicon blocks (退烧药, 发热门诊) stay whole but mean no entity."""
    try:
        lexicon = load_lexicon(directory)
    except (OSError, LexiconError, yaml.YAMLError) as exc:
        log.warning("medical lexicon in %s is unusable (%s); segmenting without it", directory, exc)
        return []
    return [
        (word, f"@{entry.kind}:{entry.code}" if entry.code else None)
        for word, entry in lexicon.words.items()
        if entry.kind in ENTITY_KINDS or entry.kind == "block"
    ]


_ABSENT = object()


class _Overlay:
    """jieba's word table as a tokenizer over `base` sees it: its own words first, then the base's
    dictionary as it was loaded — words the NLU taught the base (`wenzhen_taught`, nlu/pipeline.py) are
    seen as they were before."""

    def __init__(self, base: jieba.Tokenizer) -> None:
        self.own: dict[str, int] = {}
        self.base: dict[str, int] = base.FREQ
        self.taught: dict[str, int | None] = getattr(base, "wenzhen_taught", {})

    def get(self, word: str, default: Any = None) -> Any:
        if word in self.own:
            return self.own[word]
        if word in self.taught:
            before = self.taught[word]
            return default if before is None else before
        return self.base.get(word, default)

    def __contains__(self, word: object) -> bool:
        return self.get(word) is not None  # type: ignore[arg-type]

    def __getitem__(self, word: str) -> int:
        found = self.get(word, _ABSENT)
        if found is _ABSENT:
            raise KeyError(word)
        return int(found)

    def __setitem__(self, word: str, freq: int) -> None:
        self.own[word] = freq


class _OverlayTokenizer(jieba.Tokenizer):  # type: ignore[misc]
    """A jieba tokenizer whose own words lie over the process's dictionary (`jieba.dt`) instead of over a
    copy of it: the dictionary (some 580,000 entries, about 65 MB) is loaded once per process. It
    segments as a tokenizer with a dictionary of its own did: words added here stay here (the NLU's
    segmentation does not change), and the NLU's words and their frequencies are not seen here."""

    def __init__(self, base: jieba.Tokenizer) -> None:
        self._base = base
        self._extra = 0
        super().__init__()
        base.check_initialized()
        self.FREQ = _Overlay(base)
        self._extra = 0
        self.initialized = True

    @property
    def total(self) -> int:
        return int(getattr(self._base, "wenzhen_loaded_total", self._base.total)) + self._extra

    @total.setter
    def total(self, value: int) -> None:
        self._extra = value - int(getattr(self._base, "wenzhen_loaded_total", self._base.total))


class Terms:
    """The segmenter and synonym table shared by the index and the queries."""

    def __init__(
        self,
        synonyms: dict[str, list[str]] | None = None,
        lexicon: Iterable[tuple[str, str | None]] = (),
        stopwords: Iterable[str] = (),
    ) -> None:
        # A private tokenizer: adding our words must not change how the NLU segments text. It shares the
        # process's dictionary rather than loading its own copy.
        self._tokenizer = _OverlayTokenizer(jieba.dt)
        self._stop = frozenset(stopwords)
        self._canonical: dict[str, set[str]] = {}
        for phrase, code in lexicon:
            self._add(phrase, code)
        for canonical, words in (synonyms or {}).items():
            self._add(canonical, canonical)
            for word in words or ():
                self._add(str(word), canonical)

    def _add(self, phrase: str, canonical: str | None) -> None:
        word = normalise(phrase).text.strip()
        if not word:
            return
        if len(word) > 1:
            self._tokenizer.add_word(word, freq=_WORD_FREQ)
        if canonical is not None and canonical != word:
            self._canonical.setdefault(word, set()).add(canonical)

    @classmethod
    def load(cls, synonyms_file: Path | None, lexicon_dir: Path | None, stopwords_file: Path) -> "Terms":
        """Read the knowledge base's synonyms, the NLU's medical lexicon (when present) and the stopwords."""
        synonyms: dict[str, list[str]] = {}
        if synonyms_file is not None and synonyms_file.exists():
            loaded: Any = load_yaml(synonyms_file.read_text(encoding="utf-8")) or {}
            if not isinstance(loaded, dict):
                raise KnowledgeError(f"{synonyms_file}: must map a canonical word to a list of synonyms")
            synonyms = {str(k): [str(w) for w in (v or [])] for k, v in loaded.items()}
        lexicon = _lexicon_words(lexicon_dir) if lexicon_dir is not None and lexicon_dir.is_dir() else []
        stop = [
            line.strip()
            for line in stopwords_file.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
        return cls(synonyms, lexicon, stop)

    def of(self, text: str) -> list[str]:
        """The index terms of a text, in order, with canonical synonyms after the word they stand for."""
        terms: list[str] = []
        for token in self._tokenizer.lcut(normalise(text).text):
            token = token.strip()
            if not token or token in self._stop or _MEANINGLESS.match(token):
                continue
            terms.append(token)
            terms.extend(sorted(self._canonical.get(token, ())))
        return terms
