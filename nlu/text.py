"""Normalised views of a message whose every character still knows where it came from in the original.

Matching runs on a normalised copy (traditional → simplified, full-width → half-width, lower case,
emoji and fillers dropped, Chinese numerals as digits), but entities must point into the text the
patient typed; `MappedText` carries, for each character, the span of the original it stands for.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

import cn2an
import opencc

from nlu.yaml_files import load_yaml

_T2S = opencc.OpenCC("t2s")
_CACHED_CHARS = 64  # texts up to this long are remembered (a few thousand short texts: about 1 MB)


@lru_cache(maxsize=4096)
def _to_simplified_cached(text: str) -> str:
    converted: str = _T2S.convert(text)
    return converted


def to_simplified(text: str) -> str:
    """OpenCC's traditional → simplified conversion, one converter for the process (the NLU and
    bot/answers.py each built one); a short text is converted once (a turn asks 10 times)."""
    return _to_simplified_cached(text) if len(text) <= _CACHED_CHARS else _T2S.convert(text)


# Dialect characters read as Mandarin and the hesitation sounds dropped: nlu/dialects.yml (data, with the sources).
_DIALECTS = load_yaml(Path(__file__).with_name("dialects.yml").read_text(encoding="utf-8"))
_FILLERS = frozenset(_DIALECTS["fillers"])
_CANTONESE_NOT = str(_DIALECTS["cantonese_not"]["char"])  # 唔: 不 before a verb, else a hesitation sound
_CANTONESE_NOT_MEANS = str(_DIALECTS["cantonese_not"]["means"])
_CANTONESE_NOT_BEFORE = frozenset("".join(_DIALECTS["cantonese_not"]["before"]))
_CANTONESE_THANKS = frozenset(_DIALECTS["cantonese_not"]["kept_before"])  # 唔该: kept as it is
_HAKKA: dict[str, str] = {str(k): str(v) for k, v in _DIALECTS["hakka"].items()}
_CANTONESE: dict[str, str] = {**{str(k): str(v) for k, v in _DIALECTS["cantonese"].items()}, **_HAKKA}
_MINNAN: dict[str, str] = {str(k): str(v) for k, v in _DIALECTS["minnan"].items()}
_SLEEVE = str(_DIALECTS["minnan_sleeve"]["char"])  # 袂 after these is a sleeve (联袂), not 不
_SLEEVE_BEFORE = frozenset(_DIALECTS["minnan_sleeve"]["kept_after"])


def minnan_as_mandarin(term: str) -> str:
    """A lexicon word spelled as `normalise` spells the text (叫袂醒 → 叫不醒, 喙歪 → 嘴歪, 冇反应 → 没反应)."""
    return "".join(_MINNAN[c] if c in _MINNAN and not (c == _SLEEVE and i and term[i - 1] in _SLEEVE_BEFORE)
                   else _CANTONESE.get(c, c) for i, c in enumerate(term))
# Emoji, pictographs, joiners, variation selectors, control and format characters, lone surrogates.
_DROPPED_CATEGORIES = frozenset({"So", "Sk", "Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me"})
_KEPT_CONTROLS = frozenset("\n\t")
# Symbols that carry meaning in a medical message (units), kept although they are "So".
_KEPT_SYMBOLS = frozenset("°℃℉")
# The one emoji with a meaning here: 🐑 (yáng) is how patients wrote 阳 (positive) in 2022-23.
# 👌 / 👍 alone say "yes, OK" (round 5): read as 好.
_EMOJI_WORDS = {"🐑": "羊", "👌": "好", "👍": "好"}


@dataclass(frozen=True)
class MappedText:
    """A derived text; `starts[i]`/`ends[i]` are the original span that character `i` stands for."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    original: str

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span covered by the derived characters `start..end` (end exclusive)."""
        return self.starts[start], self.ends[end - 1]

    def replace(self, edits: Iterable[tuple[int, int, str]]) -> "MappedText":
        """Replace non-overlapping derived spans; each replacement stands for the span it replaced."""
        out: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        pos = 0
        for start, end, replacement in sorted(edits):
            out.append(self.text[pos:start])
            starts.extend(self.starts[pos:start])
            ends.extend(self.ends[pos:start])
            out.append(replacement)
            starts.extend([self.starts[start]] * len(replacement))
            ends.extend([self.ends[end - 1]] * len(replacement))
            pos = end
        out.append(self.text[pos:])
        starts.extend(self.starts[pos:])
        ends.extend(self.ends[pos:])
        return MappedText("".join(out), tuple(starts), tuple(ends), self.original)


def _normal_char(char: str) -> str:
    if char in _KEPT_CONTROLS:
        return " "
    if char in _EMOJI_WORDS:
        return _EMOJI_WORDS[char]
    if char in _FILLERS or (unicodedata.category(char) in _DROPPED_CATEGORIES and char not in _KEPT_SYMBOLS):
        return ""
    folded = unicodedata.normalize("NFKC", char).lower()
    return "".join(c for c in folded if c in _KEPT_SYMBOLS or unicodedata.category(c) not in _DROPPED_CATEGORIES)


def normalise(text: str) -> MappedText:
    """Simplified, half-width, lower-case text without emoji, fillers or control characters."""
    pieces = [_CANTONESE_NOT_MEANS if c == _CANTONESE_NOT and text[i + 1:i + 2] in _CANTONESE_NOT_BEFORE and text[i + 1:i + 2]
              else c if c == _CANTONESE_NOT and text[i + 1:i + 2] in _CANTONESE_THANKS and text[i + 1:i + 2]
              else _MINNAN[c] if c in _MINNAN and not (c == _SLEEVE and i and text[i - 1] in _SLEEVE_BEFORE)
              else _CANTONESE.get(c) or _normal_char(c) for i, c in enumerate(text)]
    joined = "".join(pieces)
    converted = to_simplified(joined)
    if len(converted) != len(joined):
        # A phrase conversion changed the length: convert char by char so offsets stay exact.
        pieces = [to_simplified(p) if p else p for p in pieces]
    else:
        it = iter(converted)
        pieces = ["".join(next(it) for _ in p) for p in pieces]
    pieces = _zhe(pieces)
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, piece in enumerate(pieces):
        out.append(piece)
        starts.extend([index] * len(piece))
        ends.extend([index + 1] * len(piece))
    return MappedText("".join(out), tuple(starts), tuple(ends), text)


# OpenCC keeps 著 (著名, 著作); as a particle (睡不著, 悶著痛) it is 着.
_ZHU_WORDS = frozenset("名作称者述录")


def _zhe(pieces: list[str]) -> list[str]:
    out = list(pieces)
    for i, piece in enumerate(pieces):
        if piece == "著" and (i + 1 == len(pieces) or pieces[i + 1] not in _ZHU_WORDS) and (i == 0 or pieces[i - 1] != "显"):
            out[i] = "着"
    return out


_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMERAL_RUN = re.compile(r"[零〇一二两三四五六七八九十百千万廿卅]+(?:点[零〇一二三四五六七八九]+)?")
# 廿 (twenty) and 卅 (thirty), as older patients and traditional-character users write them (卅八度 = 38 °C; round 6).
_TENS = {"廿": "二十", "卅": "三十"}
_PERCENT = re.compile(r"百分之([零〇一二两三四五六七八九十点\d.]+)")


def _numeral_value(run: str) -> str | None:
    """Digits for a Chinese numeral run; "两三" (a range) gives its upper end, "七八十" gives 80."""
    if len(run) >= 2 and run[0] in _DIGIT and run[1] in _DIGIT and _DIGIT[run[1]] == _DIGIT[run[0]] + 1:
        run = run[1:]
    try:
        value = cn2an.cn2an(run, "smart")
    except (ValueError, KeyError, IndexError, TypeError):
        return None
    if isinstance(value, float) and value.is_integer() and "点" not in run:
        value = int(value)
    return str(value)


def numeric_view(normal: MappedText) -> MappedText:
    """The normalised text with Chinese numerals as Arabic digits and 百分之N as N%."""
    edits: list[tuple[int, int, str]] = []
    taken = [False] * len(normal.text)
    for m in _PERCENT.finditer(normal.text):
        number = m.group(1)
        digits = number if re.fullmatch(r"[\d.]+", number) else _numeral_value(number)
        if digits is not None:
            edits.append((m.start(), m.end(), digits + "%"))
            taken[m.start():m.end()] = [True] * (m.end() - m.start())
    text = normal.text
    for m in _NUMERAL_RUN.finditer(text):
        if taken[m.start()]:
            continue
        run = "".join(_TENS.get(c, c) for c in m.group())
        if _tenths_after_degrees(text, m.start(), run):
            # 三十八度七一直不退 / 三十八度七两天了: the digit after 度 is the tenths, the rest a number of its own
            # (cn2an read 七一 as 71 and 七两 as 72, and the temperature became 38.0; round 11).
            rest = _numeral_value(run[1:])
            if rest is not None:
                edits.append((m.start(), m.end(), f"{_DIGIT[run[0]]} {rest}"))
                continue
        digits = _numeral_value(run)
        if digits is not None:
            # 38度7一直: a number written right after a typed digit stays apart from it (7 1直, not 71直).
            sep = " " if m.start() and text[m.start() - 1].isdigit() else ""
            edits.append((m.start(), m.end(), sep + digits))
    for m in _WHOLE_UNIT.finditer(text):
        # Cantonese 成个礼拜 / 成个月 ("a whole week / month"): one of the unit (round 13).
        if not taken[m.start()]:
            edits.append((m.start(), m.end(), "1"))
    return normal.replace(edits)


_WHOLE_UNIT = re.compile(r"成(?=个(?:礼拜|星期|月|钟头|小时))")


def _tenths_after_degrees(text: str, start: int, run: str) -> bool:
    """A numeral run right after N度 whose first digit is the tenths and whose rest is another number: not a
    range of two neighbouring digits (三十八度七八 is 38.7–38.8), not one numeral (三十八度七)."""
    if start < 2 or text[start - 1] != "度" or len(run) < 2 or run[0] not in _DIGIT or run[1] in "十百千万点":
        return False
    before = text[start - 2]
    if not (before.isdigit() or before in _DIGIT or before in "十廿卅"):
        return False
    return not (len(run) == 2 and run[1] in _DIGIT and _DIGIT[run[1]] == _DIGIT[run[0]] + 1)
