"""The medical lexicon (`nlu/lexicon/*.yml`): words → entity codes, negation cues and clause boundaries.

The YAML files are the clinician-reviewable data; this module loads them into one longest-match
table and checks them against the project vocabulary (`shared/spec/vocabulary.yml`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator, Mapping

from nlu.yaml_files import load_yaml

from nlu.text import minnan_as_mandarin

LEXICON_DIR = Path(__file__).parent / "lexicon"

# The entity types a lexicon word can be; the other kinds ("block", "cue", "pseudo", "boundary")
# are markers for the negation scanner.
ENTITY_KINDS = ("symptom", "condition", "medication", "subject", "antigen_result")
_MARKERS = frozenset({"cue", "pseudo", "boundary"})


@dataclass(frozen=True)
class Word:
    """One lexicon word: its kind (entity type or marker) and, for entities, its code."""

    kind: str
    code: str | None


@dataclass(frozen=True)
class Match:
    """A lexicon word found at `start..end` of the normalised text."""

    start: int
    end: int
    word: Word
    negated: bool = False  # denied inside the match itself (嘴唇不紫): set by the grammar


class LexiconError(ValueError):
    """The lexicon files contradict themselves (one word, two meanings)."""


@dataclass(frozen=True)
class Lexicon:
    """All words, by their normalised spelling."""

    words: dict[str, Word]
    post_cues: tuple[str, ...]
    post_fillers: tuple[str, ...]
    overrides: dict[str, str]
    added_codes: frozenset[str] = frozenset()  # codes the project adds beyond vocabulary.yml
    conditional: tuple[str, ...] = ()  # 如果 / 万一 … before a symptom: nobody is said to have it
    generic_questions: tuple[str, ...] = ()  # 吃什么药 / 几度 … in a message about no one in particular
    covid_questions: tuple[str, ...] = ()  # 阳了多久转阴 / 阳了以后多久能运动: about the illness, not a result (round 9)
    illness_had: tuple[str, ...] = ()  # 感冒了 / 着凉了: the message says the illness happened (round 14)
    red_flags: tuple[str, ...] = ()  # symptom codes that are emergencies or may be
    complement_verbs: frozenset[str] = frozenset()  # 睡不平: a 不 after these is "cannot", not a denial
    scored_as: dict[str, str] = field(default_factory=dict)  # added code -> the vocabulary.yml code it is scored as
    reported_speech: frozenset[str] = frozenset()  # 他说/她说: blocks that do not swallow a symptom word starting at their 说

    @cached_property
    def longest(self) -> int:
        return max(len(w) for w in self.words)

    def scan(self, text: str, extra: Mapping[int, Match] | None = None) -> Iterator[Match]:
        """Left to right, the longest word starting at each position; unmatched characters are skipped.

        `extra` offers other readings by start position (the grammar's, typo corrections); one wins
        over the lexicon's word only when it is strictly longer, so a listed phrase keeps its meaning."""
        i, n, longest, words = 0, len(text), self.longest, self.words
        extra = extra or {}
        while i < n:
            best: Match | None = None
            for size in range(min(longest, n - i), 0, -1):
                word = words.get(text[i:i + size])
                if word is not None:
                    best = Match(i, i + size, word)
                    break
            other = extra.get(i)
            if other is not None and (best is None or other.end > best.end):
                best = other
            if best is None:
                i += 1
                continue
            if best.word.kind in _MARKERS or text[best.start:best.end] in self.reported_speech:
                inner = self._entity_inside(text, best, extra)
                if inner is not None:
                    # 也不想活了: the cue 也不 must not eat the 不 of 不想活了; what is left of it is read on its own.
                    head = words.get(text[i:inner])
                    if head is not None and head.kind in _MARKERS:
                        yield Match(i, inner, head)
                    i = inner
                    continue
            yield best
            i = best.end

    def _entity_inside(self, text: str, marker: Match, extra: Mapping[int, Match]) -> int | None:
        """Where an entity word starts inside `marker` and runs past its end, if one does."""
        for k in range(marker.start + 1, marker.end):
            other = extra.get(k)
            if other is not None and other.end > marker.end:
                return k
            for size in range(min(self.longest, len(text) - k), marker.end - k, -1):
                word = self.words.get(text[k:k + size])
                if word is not None and word.kind in ENTITY_KINDS:
                    return k
        return None

    def markers(self, kind: str) -> frozenset[str]:
        """The words of one marker kind ("cue", "pseudo", "boundary", "block")."""
        return frozenset(t for t, w in self.words.items() if w.kind == kind)

    def terms(self, kind: str) -> dict[str, str]:
        """Word → code for one entity kind."""
        return {t: w.code for t, w in self.words.items() if w.kind == kind and w.code}


def _read(path: Path) -> dict[str, Any]:
    return load_yaml(path.read_text(encoding="utf-8")) or {}


def load_lexicon(directory: Path = LEXICON_DIR) -> Lexicon:
    """Read every lexicon file; a word given two different meanings is an error."""
    words: dict[str, Word] = {}

    def add(term: Any, word: Word, source: str) -> None:
        term = minnan_as_mandarin(str(term).lower())  # the text reads 袂 as 不 and 喙 as 嘴 (round 7)
        known = words.get(term)
        if known is not None and known != word:
            raise LexiconError(f"{source}: '{term}' is both {known.kind}:{known.code} and {word.kind}:{word.code}")
        words[term] = word

    symptoms = _read(directory / "symptoms.yml")
    medical = _read(directory / "conditions.yml")
    people = _read(directory / "people.yml")
    negation = _read(directory / "negation.yml")
    tables = [
        ("symptom", symptoms.get("symptoms", {}), "symptoms.yml"),
        ("condition", medical.get("conditions", {}), "conditions.yml"),
        ("medication", medical.get("medications", {}), "conditions.yml"),
        ("subject", people.get("subjects", {}), "people.yml"),
        ("antigen_result", people.get("antigen_results", {}), "people.yml"),
    ]
    for kind, table, source in tables:
        for code, terms in table.items():
            for term in terms:
                add(term, Word(kind, code), source)
    for term in (symptoms.get("not_symptoms", []) + people.get("not_results", []) + people.get("not_subjects", [])
                 + symptoms.get("reported_speech", [])):
        add(term, Word("block", None), "not_symptoms/not_results")
    # Markers never override an entity word: 没劲 stays fatigue although it starts with the cue 没.
    for kind, key in (("cue", "cues"), ("pseudo", "pseudo"), ("boundary", "boundaries")):
        for term in negation.get(key, []):
            if str(term) not in words:
                add(term, Word(kind, None), "negation.yml")
    return Lexicon(
        words=words,
        post_cues=tuple(str(t) for t in negation.get("post_cues", [])),
        post_fillers=tuple(str(t) for t in negation.get("post_fillers", [])),
        overrides={str(k): str(v) for k, v in (symptoms.get("vocabulary_overrides") or {}).items()},
        added_codes=frozenset(str(c) for table in (symptoms, medical) for c in (table.get("added_codes") or {})),
        conditional=tuple(str(t) for t in negation.get("conditional") or []),
        generic_questions=tuple(str(t) for t in negation.get("generic_questions") or []),
        covid_questions=tuple(str(t) for t in negation.get("covid_questions") or []),
        illness_had=tuple(str(t) for t in negation.get("illness_had") or []),
        red_flags=tuple(str(c) for c in symptoms.get("red_flags") or []),
        complement_verbs=frozenset(str(v) for v in negation.get("complement_verbs") or []),
        scored_as={str(k): str(v) for k, v in (symptoms.get("scored_as") or {}).items()},
        reported_speech=frozenset(str(t) for t in symptoms.get("reported_speech") or []),
    )


def check_against_vocabulary(lexicon: Lexicon, vocabulary: dict[str, Any]) -> list[str]:
    """Disagreements between the lexicon and vocabulary.yml: missing or unknown codes, lost synonyms."""
    problems: list[str] = []
    sections = {"symptom": "symptoms", "condition": "conditions", "medication": "medications"}
    for kind, section in sections.items():
        expected: dict[str, str] = vocabulary.get(section, {})
        terms = lexicon.terms(kind)
        have = set(terms.values())
        problems += [f"{kind} code '{c}' of vocabulary.yml has no words" for c in expected if c not in have]
        problems += [
            f"{kind} code '{c}' is not in vocabulary.yml" for c in have if c not in expected and c not in lexicon.added_codes
        ]
        for code, synonyms in expected.items():
            for synonym in str(synonyms).split("/"):
                synonym = synonym.strip().lower()
                if synonym in lexicon.overrides:
                    continue
                if terms.get(synonym) != code:
                    problems.append(f"'{synonym}' should mean {kind} {code}, lexicon says {terms.get(synonym)}")
    subjects = vocabulary.get("entities", {}).get("subject", {}).get("value", "")
    for code in str(subjects).split("—")[0].replace("|", " ").split():
        if code not in set(lexicon.terms("subject").values()):
            problems.append(f"subject '{code}' has no words")
    return problems
