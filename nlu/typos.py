"""Typo tolerance for symptom words by pinyin: 拉度子 → 拉肚子, 头通 → 头痛, 咳搜 → 咳嗽, 有谈 → 有痰.

Phone keyboards (pinyin input) and voice input replace a character by another with the same or a
near sound. Where the exact reading found nothing, a window of 2–4 characters whose readings match a
symptom word's (tones ignored; then, failing that, the near sounds of southern Mandarin: zh/z, ch/c,
sh/s, n/l, -ng/-n; then the same keys of the nine-key phone keyboard) is read as that word, provided it
keeps at least one of the word's characters in place. Never on medicine names (they are not indexed, and windows
over a found medicine are skipped), digits or numerals, and never when the window is a common word of
its own (jieba's dictionary) or cuts one in two.
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache
from typing import Iterable

import jieba

from nlu.lexicon import Match, Word


def _pinyin_dict() -> dict[int, str]:
    """pypinyin's table of character readings, read from its module file alone: importing it through the
    package runs `pypinyin/__init__`, which loads the phrase tables too (about 50 MB a process, unused here)."""
    import importlib.util
    from pathlib import Path

    found = importlib.util.find_spec("pypinyin")
    if found is not None and found.origin:
        spec = importlib.util.spec_from_file_location("_wenzhen_pinyin_dict", Path(found.origin).with_name("pinyin_dict.py"))
        if spec is not None and spec.loader is not None:
            module = importlib.util.module_from_spec(spec)
            try:
                spec.loader.exec_module(module)
                return dict(module.pinyin_dict)
            except OSError:
                pass
    from pypinyin.pinyin_dict import pinyin_dict

    return dict(pinyin_dict)


pinyin_dict = _pinyin_dict()

_SIZES = (4, 3, 2)
_NUMERALS = frozenset("零〇一二两三四五六七八九十百千万半几")
# A window that is a word of jieba's dictionary more common than this is the patient's own word.
_COMMON_WORD = 30
_FUZZY = ((re.compile(r"^zh"), "z"), (re.compile(r"^ch"), "c"), (re.compile(r"^sh"), "s"), (re.compile(r"^n"), "l"),
          (re.compile(r"ng$"), "n"))


@lru_cache(maxsize=8192)
def _readings(char: str) -> frozenset[str]:
    """The toneless pinyin of one character's common reading (a polyphone's rare readings — 吃 qī,
    包 páo — would make false friends); empty for non-Han characters."""
    raw = pinyin_dict.get(ord(char))
    if not raw:
        return frozenset()
    out = set()
    for reading in raw.split(",")[:1]:
        plain = "".join(c for c in unicodedata.normalize("NFD", reading) if not unicodedata.combining(c))
        out.add(plain.replace("ü", "v"))
    return frozenset(out)


def _fuzzy(syllable: str) -> str:
    for pattern, replacement in _FUZZY:
        syllable = pattern.sub(replacement, syllable)
    return syllable


def _near_key(key: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(map(_fuzzy, key))


# The nine-key phone keyboard: letters on one key are one typo apart (发绕 for 发骚/发烧: r and s share 7).
_KEYPAD = {c: d for d, letters in {"2": "abc", "3": "def", "4": "ghi", "5": "jkl", "6": "mno", "7": "pqrs",
                                    "8": "tuv", "9": "wxyz"}.items() for c in letters}


def _key_digits(key: tuple[str, ...]) -> tuple[str, ...]:
    return tuple("".join(_KEYPAD.get(c, c) for c in _fuzzy(s)) for s in key)


# Particles say nothing of the word: 聊了 keeping the 了 of 蔫了 is no evidence that it is 蔫了.
# Round 7: 不/没 (and 也/都) are grammar too — 不起来 shares only 不 with 不食奶 and is no typo of it.
_PARTICLES = frozenset("了的吗呢啊吧着过得地不没也都")


def _shares_char(term: str, window: str) -> bool:
    return len(term) == len(window) and any(a == b and a not in _PARTICLES for a, b in zip(term, window))


def _final(syllable: str) -> str:
    return re.sub(r"^(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])", "", syllable)


class TypoReader:
    """Symptom words indexed by their sound."""

    def __init__(self, words: dict[str, Word]) -> None:
        self.exact: dict[tuple[str, ...], tuple[str, Word]] = {}
        self.near: dict[tuple[str, ...], tuple[str, Word]] = {}
        self.keys: dict[tuple[str, ...], tuple[str, Word]] = {}
        for term, word in sorted(words.items()):
            if word.kind != "symptom" or not 2 <= len(term) <= max(_SIZES) or not all(_readings(c) for c in term):
                continue
            for key in itertools.product(*(sorted(_readings(c)) for c in term)):
                self.exact.setdefault(key, (term, word))
                self.near.setdefault(_near_key(key), (term, word))
                self.keys.setdefault(_key_digits(key), (term, word))

    def matches(self, text: str, covered: Iterable[tuple[int, int]]) -> dict[int, Match]:
        """Corrections for windows of `text` outside `covered` (what the exact reading already found)."""
        taken = [False] * len(text)
        for start, end in covered:
            taken[start:end] = [True] * (end - start)
        free = [not t and bool(_readings(c)) and c not in _NUMERALS for c, t in zip(text, taken)]
        if sum(free) < 2:
            return {}
        cuts = _token_edges(text)
        found: dict[int, Match] = {}
        i = 0
        while i < len(text):
            hit = None
            for size in _SIZES:
                window = text[i:i + size]
                if len(window) < size or not all(free[i:i + size]) or i not in cuts or i + size not in cuts:
                    continue
                if jieba.dt.FREQ.get(window, 0) > _COMMON_WORD:
                    continue
                hit = self._lookup(window)
                if hit is not None:
                    found[i] = Match(i, i + size, hit)
                    break
            i += size if hit is not None else 1
        return found

    def _lookup(self, window: str) -> Word | None:
        options = [sorted(_readings(c)) for c in window]
        if any(len(o) > 3 for o in options):
            options = [o[:3] for o in options]
        for table, key_of in ((self.exact, tuple), (self.near, _near_key), (self.keys, _key_digits)):
            for key in itertools.product(*options):
                entry = table.get(key_of(key))
                # A typo keeps some of the word: at least one character must be the word's own.
                if entry is None or entry[0] == window or not _shares_char(entry[0], window):
                    continue
                # A slip of the nine-key pad changes a letter of the initial, never the vowel (绕/骚, not 胀/腰).
                if table is self.keys and any(_final(a) != _final(b) for a, b in zip(key, self._sounds(entry[0]))):
                    continue
                return entry[1]
        return None

    @staticmethod
    def _sounds(term: str) -> list[str]:
        return [_fuzzy(sorted(_readings(c))[0]) for c in term]


def _token_edges(text: str) -> set[int]:
    """Positions between jieba's tokens: a correction may not cut a word of the patient's in two."""
    edges, pos = {0}, 0
    for token in jieba.cut(text, HMM=False):
        pos += len(token)
        edges.add(pos)
    return edges
