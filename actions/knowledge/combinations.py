"""Two medicines asked about together ("头孢和布洛芬能一起吃吗", "头孢 + 布洛芬?"): newcomer trial 6.

The bot does not prescribe; it gives the general, cited information of content/interactions/combinations.yml for a
pair it lists (a duplicate ingredient, alcohol with a cephalosporin, an antibiotic with a fever medicine …) and
says plainly that it cannot judge any other pair, offering a pharmacist or a doctor. Medicines are recognised by
the words of content/formulary/terms.yml (a word names all the classes it is listed under).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nlu.yaml_files import load_yaml

from bot.config import PROJECT_ROOT

FORMULARY_DIR = PROJECT_ROOT / "content" / "formulary"
COMBINATIONS_FILE = PROJECT_ROOT / "content" / "interactions" / "combinations.yml"


@dataclass(frozen=True)
class Mention:
    word: str
    start: int
    classes: frozenset[str]


@dataclass(frozen=True)
class Pair:
    id: str
    sides: tuple[frozenset[str], frozenset[str]] | None
    same_class: frozenset[str]
    text: str
    source: str


@dataclass(frozen=True)
class Combinations:
    asked: re.Pattern[str]
    words: tuple[tuple[str, frozenset[str]], ...]  # longest first
    pairs: tuple[Pair, ...]
    class_words: dict[str, frozenset[str]] | None = None  # class -> every word for it (terms.yml)
    pregnancy: Pair | None = None  # what a pregnant patient is told of a pair with one of its classes (`same_class`)

    def mentions(self, text: str) -> list[Mention]:
        """The medicines named, left to right, each once (the longest word at a place; a word said again is one)."""
        taken = [False] * len(text)
        found: list[Mention] = []
        for word, classes in self.words:
            for m in re.finditer(re.escape(word), text):
                if any(taken[m.start():m.end()]):
                    continue
                taken[m.start():m.end()] = [True] * (m.end() - m.start())
                found.append(Mention(word, m.start(), classes))
        found.sort(key=lambda x: x.start)
        unique: list[Mention] = []
        for mention in found:
            if all(mention.word != u.word for u in unique):
                unique.append(mention)
        return unique

    def spoken_of(self, mention: Mention, text: str) -> bool:
        """Whether `text` (an article) names the medicine: its word, or a word of one of its classes."""
        words = {mention.word} | {w for c in mention.classes for w in (self.class_words or {}).get(c, ())}
        return any(w in text.lower() for w in words)

    def asks(self, text: str) -> tuple[Mention, Mention, Pair | None] | None:
        """(first medicine, second medicine, the pair's entry or None) for a question about two; else None."""
        mentions = self.mentions(text)
        if len(mentions) < 2 or not self.asked.search(text):
            return None
        for pair in self.pairs:
            for a in mentions:
                for b in mentions:
                    if a is b:
                        continue
                    if pair.sides is not None and a.classes & pair.sides[0] and b.classes & pair.sides[1]:
                        return a, b, pair
                    if pair.sides is None and a.classes & b.classes & pair.same_class:
                        return a, b, pair
        return mentions[0], mentions[1], None


@lru_cache(maxsize=2)
def load_pregnancy_article(path: Path = COMBINATIONS_FILE) -> tuple[str, str] | None:
    """(article id, the regular expression of a medicine question) for a known pregnancy; None when not set."""
    preg = (load_yaml(path.read_text(encoding="utf-8")) or {}).get("pregnancy") or {}
    if not preg.get("article") or not preg.get("medicine_question"):
        return None
    return str(preg["article"]), str(preg["medicine_question"])


@lru_cache(maxsize=2)
def load_combinations(directory: Path = FORMULARY_DIR, path: Path = COMBINATIONS_FILE) -> Combinations:
    terms = load_yaml((directory / "terms.yml").read_text(encoding="utf-8")) or {}
    raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    by_word: dict[str, set[str]] = {}
    for code, entry in (terms.get("classes") or {}).items():
        for word in entry.get("words") or ():
            by_word.setdefault(str(word).lower(), set()).add(str(code))
    for code, words in (raw.get("words") or {}).items():
        for word in words or ():
            by_word.setdefault(str(word).lower(), set()).add(str(code))
    pairs = []
    for entry in raw.get("pairs") or ():
        if not entry.get("zh") or not entry.get("source"):
            raise ValueError(f"{path}: pair {entry.get('id')!r} needs zh and a source")
        sides = entry.get("sides")
        pairs.append(Pair(
            id=str(entry["id"]),
            sides=(frozenset(sides[0]), frozenset(sides[1])) if sides else None,
            same_class=frozenset(entry.get("same_class") or ()),
            text=str(entry["zh"]),
            source=str(entry["source"]),
        ))
    preg = raw.get("pregnancy")
    class_words: dict[str, set[str]] = {}
    for word, codes in by_word.items():
        for code in codes:
            class_words.setdefault(code, set()).add(word)
    return Combinations(
        class_words={c: frozenset(w) for c, w in class_words.items()},
        pregnancy=Pair("pregnancy", None, frozenset(preg["classes"]), str(preg["zh"]), str(preg["source"])) if preg else None,
        asked=re.compile(raw["asked"]),
        words=tuple(sorted(((w, frozenset(c)) for w, c in by_word.items()), key=lambda x: -len(x[0]))),
        pairs=tuple(pairs),
    )
