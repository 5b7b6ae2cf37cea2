"""Two medicines asked about together ("头孢和布洛芬能一起吃吗", "头孢 + 布洛芬?"): newcomer trial 6.

The bot does not prescribe; it gives the general, cited information of content/interactions/combinations.yml for a
pair it lists (a duplicate ingredient, alcohol with a cephalosporin, an antibiotic with a fever medicine …) and
says plainly that it cannot judge any other pair, offering a pharmacist or a doctor. Medicines are recognised by
the words of content/formulary/terms.yml (a word names all the classes it is listed under).
"""
from __future__ import annotations

import re
from typing import Any
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nlu.yaml_files import load_yaml

from bot.config import PROJECT_ROOT

FORMULARY_DIR = PROJECT_ROOT / "content" / "formulary"
COMBINATIONS_FILE = PROJECT_ROOT / "content" / "interactions" / "combinations.yml"
MEDICATION_WORDS_FILE = PROJECT_ROOT / "nlu" / "lexicon" / "conditions.yml"  # `medications`: word lists by code


@dataclass(frozen=True)
class Mention:
    word: str
    start: int
    classes: frozenset[str]
    ingredients: frozenset[str] = frozenset()  # active ingredients (nlu/lexicon/doses.yml); empty when not known


@dataclass(frozen=True)
class Ingredient:
    """What the bot says of an ingredient two products share (combinations.yml `ingredients.names`)."""
    code: str
    name: str
    harm: str
    dose: str
    source: str


@dataclass(frozen=True)
class Pair:
    id: str
    sides: tuple[frozenset[str], frozenset[str]] | None
    same_class: frozenset[str]
    text: str
    source: str
    duplicate: bool = False  # a guess of a shared ingredient: not said when both sides' ingredients are known


@dataclass(frozen=True)
class Combinations:
    asked: re.Pattern[str]
    words: tuple[tuple[str, frozenset[str]], ...]  # longest first
    pairs: tuple[Pair, ...]
    class_words: dict[str, frozenset[str]] | None = None  # class -> every word for it (terms.yml)
    pregnancy: Pair | None = None  # what a pregnant patient is told of a pair with one of its classes (`same_class`)
    ingredients: dict[str, frozenset[str]] | None = None  # product word -> its active ingredients
    ingredient_names: dict[str, Ingredient] | None = None

    def mentions(self, text: str) -> list[Mention]:
        """The medicines named, left to right, each once (the longest word at a place; a word said again is one)."""
        taken = [False] * len(text)
        found: list[Mention] = []
        for word, classes in self.words:
            for m in re.finditer(re.escape(word), text):
                if any(taken[m.start():m.end()]):
                    continue
                taken[m.start():m.end()] = [True] * (m.end() - m.start())
                found.append(Mention(word, m.start(), classes, (self.ingredients or {}).get(word, frozenset())))
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
        for a in mentions:  # a shared active ingredient first (感冒灵 + 泰诺: acetaminophen)
            for b in mentions[mentions.index(a) + 1:]:
                if a.ingredients & b.ingredients:
                    return a, b, None
        for pair in self.pairs:
            for a in mentions:
                for b in mentions:
                    if a is b:
                        continue
                    if pair.duplicate and a.ingredients and b.ingredients:
                        continue  # both known and none shared: no guess of a duplicate
                    if pair.sides is not None and a.classes & pair.sides[0] and b.classes & pair.sides[1]:
                        return a, b, pair
                    if pair.sides is None and a.classes & b.classes & pair.same_class:
                        return a, b, pair
        return mentions[0], mentions[1], None

    def shared(self, a: Mention, b: Mention) -> list[Ingredient]:
        """The ingredients both contain, in the order of combinations.yml `ingredients.names` (unnamed ones last)."""
        names = self.ingredient_names or {}
        both = a.ingredients & b.ingredients
        known = [names[c] for c in names if c in both]
        return known + [Ingredient(c, c, "", "", "") for c in sorted(both - set(names))]


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
            duplicate=bool(entry.get("duplicate")),
        ))
    preg = raw.get("pregnancy")
    ingredients, names = _ingredients(raw.get("ingredients") or {}, path)
    for word in ingredients:
        by_word.setdefault(word, set())
    for code, words in ((load_yaml(MEDICATION_WORDS_FILE.read_text(encoding="utf-8")) or {}).get("medications") or {}).items():
        for word in words or ():
            by_word.setdefault(str(word).lower(), set()).add(str(code))
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
        ingredients=ingredients,
        ingredient_names=names,
    )


def _ingredients(raw: dict[str, Any], path: Path) -> tuple[dict[str, frozenset[str]], dict[str, Ingredient]]:
    """(product word -> ingredients, ingredient code -> what is said of it) from combinations.yml `ingredients` and the
    NLU's cited table it names (nlu/lexicon/doses.yml: `by_word` for brands, `by_code` for every word of a code)."""
    if not raw:
        return {}, {}
    doses = (load_yaml((PROJECT_ROOT / str(raw["products"])).read_text(encoding="utf-8")) or {}).get("ingredients") or {}
    words = (load_yaml(MEDICATION_WORDS_FILE.read_text(encoding="utf-8")) or {}).get("medications") or {}
    table: dict[str, frozenset[str]] = {}
    for code, found in (doses.get("by_code") or {}).items():
        for word in words.get(code) or ():
            table[str(word).lower()] = frozenset(found)
    for word, found in (doses.get("by_word") or {}).items():
        table[str(word).lower()] = frozenset(found)  # a brand's own composition wins (泰诺 is 酚麻美敏, not only 对乙酰氨基酚)
    names: dict[str, Ingredient] = {}
    for code, entry in (raw.get("names") or {}).items():
        if not entry.get("zh") or not entry.get("dose") or not entry.get("source"):
            raise ValueError(f"{path}: ingredient {code!r} needs zh, dose and a source")
        names[str(code)] = Ingredient(str(code), str(entry["zh"]), str(entry.get("harm") or ""), str(entry["dose"]),
                                      str(entry["source"]))
    return table, names
