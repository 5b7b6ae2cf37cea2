"""Compositional symptom reading: body part × fillers × finding × severity (`nlu/lexicon/grammar.yml`).

The phrase lexicon knows "嘴唇发紫"; patients write "嘴唇有点发紫", "胸口一阵阵地疼", "脖子硬邦邦的".
The grammar reads a body part, skips the words allowed between (degree, rhythm, hedges, laterality),
and takes the finding; a rule turns the pair into a vocabulary code. A severity word said before the
part or after the finding (剧烈的头痛, 头疼得像要裂开) selects the rule's `severe` code. A negation
cue inside the gap (嘴唇不紫) denies the symptom. The YAML is the reviewable source; this is the reader.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlu.yaml_files import load_yaml

from nlu.lexicon import LEXICON_DIR, Match, Word

# Where a severity word said after the finding stops belonging to it.
_CLAUSE_END = frozenset("，,。.！!？?；;：:~～…\n ")
_MAX_GAP = 10  # characters of fillers between part and finding
# A comparison between part and finding: 像针扎一样 / 像被人打了一棍似的 (its severity words count).
_SIMILE = re.compile(
    r"(?:(?:就像|好像|像是|像|跟|如同|仿佛)[^，,。.！!？?；;\s]{1,10}?|[^，,。.！!？?；;\s]{1,5}?)"
    r"(?:一样|似的|一般|的样子|那样|这样|那种)(?:的|地)?")
# 像有东西压着 / 像被人攥住一样: a comparison whose own verb is the finding (压, 攥, 揪, 勒 …).
_SIMILE_VERB = re.compile(r"(?:就像|好像|像是|像|仿佛|感觉)(?:有|被)[^，,。.！!？?；;\s]{0,6}?(?=[压攥揪勒捏箍捆绑])")
# Rhythm said by a doubled phrase (一揪一揪地, 一紧一紧的, 刺一下刺一下): a filler of any verb.
_RHYTHM = re.compile(r"(?:一([\u4e00-\u9fff])一\1|([\u4e00-\u9fff]{1,2})一下\2一下)(?:的|地)?")
_TAIL = 12  # characters after the finding searched for a severity word
_HEAD = 6  # characters before the part searched for one
# Round 10: how a clause that carries on describing the pain just named begins (a simile or a ranking).
_SAID_OF_IT = ("像", "好像", "就像", "跟要", "感觉像", "简直像", "简直", "这辈子", "一辈子", "从来", "从没", "长这么大",
               "活这么大", "有生以来", "疼得", "痛得", "疼起来", "痛起来")


class GrammarError(ValueError):
    """grammar.yml names a group that does not exist, or a rule without a code."""


# A clause that only denies pain, after a clause that named a part (胸口闷，不疼 / 看不见了，倒是不疼):
# the denial is of that part's pain.
_BARE_DENIAL = re.compile(
    r"[，,、\s]\s*(?:不过|但是|但|可是|可|倒是|倒|也|就是|只是|而且|并且)?\s*"
    r"(?:一点也不|一点都不|一点儿也不|并不|也不|都不|倒不|不太|不怎么|不|没有|没)(?:疼|痛)(?:的|了)?"
    r"(?=[，,。.！!？?；;~～…\s]|$)")
_DENIAL_REACH = 16  # characters before the denial searched for the part it is said of


@dataclass(frozen=True)
class _Span:
    """A phrase with words of any kind between its two ends (左手拿碗都拿不稳, 问他几号都答不上来)."""

    first: tuple[str, ...]
    last: tuple[str, ...]
    gap: int
    code: str
    bare: bool = False  # no body part may stand between the two ends (吸气时嗓子疼 is a sore throat)
    not_followed: tuple[str, ...] = ()  # words after the last end that undo it (抽了一次血)
    across: bool = False  # the two ends may stand in neighbouring clauses (眼前一黑，就栽倒了)
    context: re.Pattern[str] | None = None  # read only when the message also says this (出血 is the womb's in a pregnancy)
    denies: bool = False  # round 13: the phrase says the symptom is absent (头疼，不是突然炸裂那种: no severe_headache)
    block: bool = False  # round 13: the phrase is no symptom at all and hides the words inside it (字太小看不清, 烧水要烧多久)


@dataclass(frozen=True)
class _Rule:
    code: str
    severe: str | None
    denies: bool = False  # the finding says the symptom is absent (叫得醒: not unrousable)
    context: re.Pattern[str] | None = None  # read only when the message also says this (宝宝 is the fetus only in a pregnancy)


def _longest(table: dict[str, Any], text: str, i: int, longest: int) -> str | None:
    for size in range(min(longest, len(text) - i), 0, -1):
        if text[i:i + size] in table:
            return text[i:i + size]
    return None


class SymptomGrammar:
    """Reads part × finding combinations; `matches(text)` gives the longest reading at each start."""

    def __init__(self, spec: dict[str, Any], cues: frozenset[str], pseudo: frozenset[str],
                 words: frozenset[str] = frozenset()) -> None:
        # The lexicon's words: a finding may not end inside one of them (心里特别紧|张 is 紧张, anxiety).
        self.words = words
        self._word_len = max(map(len, words), default=0)
        self.parts: dict[str, set[str]] = {}
        for group, words in (spec.get("parts") or {}).items():
            for w in words:
                self.parts.setdefault(str(w), set()).add(str(group))
        self.findings: dict[str, set[str]] = {}
        for group, words in (spec.get("findings") or {}).items():
            for w in words:
                self.findings.setdefault(str(w), set()).add(str(group))
        self.fillers = {str(w) for w in spec.get("fillers") or []} | set(pseudo)
        self.cues = set(cues) - self.fillers
        self.severe = {str(w) for w in (spec.get("severity") or {}).get("severe") or []}
        self.rules: dict[tuple[str, str], _Rule] = {}
        part_groups = set((spec.get("parts") or {}))
        finding_groups = set((spec.get("findings") or {}))
        for rule in spec.get("rules") or []:
            if not rule.get("code"):
                raise GrammarError(f"grammar rule without a code: {rule}")
            parts = rule["part"] if isinstance(rule["part"], list) else [rule["part"]]
            findings = rule["finding"] if isinstance(rule["finding"], list) else [rule["finding"]]
            for p in parts:
                for f in findings:
                    if p not in part_groups or f not in finding_groups:
                        raise GrammarError(f"grammar rule {rule} names an unknown group {p if p not in part_groups else f}")
                    context = re.compile(str(rule["context"])) if rule.get("context") else None
                    self.rules[(p, f)] = _Rule(str(rule["code"]), rule.get("severe"), bool(rule.get("denies")), context)
        self._part_len = max(map(len, self.parts), default=0)
        self._finding_len = max(map(len, self.findings), default=0)
        self._gap_len = max(map(len, self.fillers | self.cues | self.severe), default=0)
        self._severe_len = max(map(len, self.severe), default=0)
        self.spans = [_Span(tuple(map(str, r["first"])), tuple(map(str, r["last"])), int(r.get("gap", 4)), str(r["code"]),
                            bool(r.get("bare")), tuple(map(str, r.get("not_followed") or ())), bool(r.get("across")),
                            re.compile(str(r["context"])) if r.get("context") else None,
                            bool(r.get("denies")), bool(r.get("block")))
                      for r in spec.get("spans") or []]
        # Phrases that say a red flag is absent (人是清醒的, 不抽了): the symptom, denied.
        self.denials = {str(w): str(code) for code, words in (spec.get("denials") or {}).items() for w in words}
        self._denial_pattern = re.compile("|".join(map(re.escape, sorted(self.denials, key=len, reverse=True))) or "(?!)")
        self._span_patterns = [
            (re.compile("(?:" + "|".join(map(re.escape, sorted(sp.first, key=len, reverse=True))) + ")"
                        + (rf"(?P<gap>[^。.！!？?；;]{{0,{sp.gap}}}?)" if sp.across
                           else rf"(?P<gap>[^，,。.！!？?；;\s]{{0,{sp.gap}}}?)")
                        + "(?:" + "|".join(map(re.escape, sorted(sp.last, key=len, reverse=True))) + ")"
                        + ("(?!" + "|".join(map(re.escape, sp.not_followed)) + ")" if sp.not_followed else "")), sp)
            for sp in self.spans]

    def codes(self) -> set[str]:
        """Every code a rule can give (checked against the vocabulary by the lexicon tests)."""
        return ({r.code for r in self.rules.values()} | {r.severe for r in self.rules.values() if r.severe}
                | {sp.code for sp in self.spans if not sp.block} | set(self.denials.values()))

    def matches(self, text: str) -> dict[int, Match]:
        """The longest grammar reading starting at each position of the normalised text."""
        found: dict[int, Match] = {}
        for i in range(len(text)):
            for size in range(min(self._part_len, len(text) - i), 0, -1):
                part = text[i:i + size]
                if part not in self.parts:
                    continue
                match = self._read_from(text, i, part)
                if match is not None:
                    if match.start not in found or match.end > found[match.start].end:
                        found[match.start] = match
                    break
        for pattern, span in self._span_patterns:
            if span.context is not None and not span.context.search(text):
                continue
            for m in pattern.finditer(text):
                if span.bare and self._names_a_part(m.group("gap")):
                    continue
                # A span read in its context (round 14: 心里堵得慌 in a message about feelings) outranks a reading as long.
                longer = m.start() not in found or m.end() > found[m.start()].end
                if longer or (span.context is not None and m.end() == found[m.start()].end):
                    word = Word("block", None) if span.block else Word("symptom", span.code)
                    found[m.start()] = Match(m.start(), m.end(), word, span.denies)
        for m in self._denial_pattern.finditer(text):
            # A denial as long as a finding read at the same place is that finding denied (摸着不烫).
            if m.start() not in found or m.end() >= found[m.start()].end:
                found[m.start()] = Match(m.start(), m.end(), Word("symptom", self.denials[m.group()]), True)
        for m in _BARE_DENIAL.finditer(text):
            code = self._pain_of_part_before(text, m.start())
            start = m.start() + 1
            if code is not None and start not in found:
                found[start] = Match(start, m.end(), Word("symptom", code), True)
        return found

    def _names_a_part(self, gap: str) -> bool:
        return any(_longest(self.parts, gap, k, self._part_len) is not None for k in range(len(gap)))

    def _pain_of_part_before(self, text: str, end: int) -> str | None:
        """The pain code of the last body part named in the clauses just before `end` (胸口 → chest_pain)."""
        for k in range(end - 1, max(-1, end - _DENIAL_REACH - 1), -1):
            if text[k] in "。.！!？?;；":
                return None
            part = _longest(self.parts, text, k, self._part_len)
            if part is None:
                continue
            for g in sorted(self.parts[part]):
                rule = self.rules.get((g, "pain"))
                if rule is not None:
                    return rule.code
        return None

    def _read_from(self, text: str, i: int, part: str) -> Match | None:
        found = self._walk(text, i + len(part), self.parts[part], 0, False, False)
        if found is None:
            return None
        rule, end, negated, severe = found
        if rule.context is not None and not rule.context.search(text):
            return None
        start, code = i, rule.code
        if rule.severe:
            tail_end = self._severity_after(text, end)
            head_start = self._severity_before(text, i)
            if severe or tail_end is not None or head_start is not None:
                code = rule.severe
                end = tail_end or end
                start = head_start if head_start is not None else i
        return Match(start, end, Word("symptom", code), negated != rule.denies)

    def _walk(self, text: str, j: int, groups: set[str], gap: int, negated: bool,
              severe: bool) -> tuple[_Rule, int, bool, bool] | None:
        """The finding after fillers, cues, severity words and similes (像…一样); tries every reading of the gap."""
        rule, size = self._finding_at(text, j, groups)
        if rule is not None:
            here = (rule, j + size, negated, severe)
            # 胸口闷着痛: 闷 is a finding, but 闷着 is also a filler before 痛; the longer reading says more.
            further = self._through_gap(text, j, groups, gap, negated, severe)
            return further if further is not None and further[1] > here[1] else here
        return self._through_gap(text, j, groups, gap, negated, severe)

    def _through_gap(self, text: str, j: int, groups: set[str], gap: int, negated: bool,
                     severe: bool) -> tuple[_Rule, int, bool, bool] | None:
        verb = _SIMILE_VERB.match(text, j)
        if verb is not None and gap + len(verb.group()) <= _MAX_GAP + 8:
            found = self._walk(text, verb.end(), groups, gap + len(verb.group()), negated, severe)
            if found is not None:
                return found
        simile = _SIMILE.match(text, j)
        if simile is not None and gap + len(simile.group()) <= _MAX_GAP + 8:
            inner = simile.group()
            said_severe = any(w in inner for w in self.severe)
            found = self._walk(text, simile.end(), groups, gap + len(inner), negated, severe or said_severe)
            if found is not None:
                return found
        rhythm = _RHYTHM.match(text, j)
        if rhythm is not None and gap + len(rhythm.group()) <= _MAX_GAP:
            found = self._walk(text, rhythm.end(), groups, gap + len(rhythm.group()), negated, severe)
            if found is not None:
                return found
        for size in range(min(self._gap_len, len(text) - j, _MAX_GAP - gap), 0, -1):
            word = text[j:j + size]
            for table, denies, intense in ((self.fillers, False, False), (self.cues, True, False),
                                           (self.severe, False, True)):
                if word in table:
                    found = self._walk(text, j + size, groups, gap + size, negated or denies, severe or intense)
                    if found is not None:
                        return found
        return None

    def _cuts_a_word(self, text: str, start: int, end: int) -> bool:
        for k in range(start, end):
            for size in range(min(self._word_len, len(text) - k), end - k, -1):
                if text[k:k + size] in self.words:
                    return True
        return False

    def _finding_at(self, text: str, j: int, groups: set[str]) -> tuple[_Rule | None, int]:
        for size in range(min(self._finding_len, len(text) - j), 0, -1):
            kinds = self.findings.get(text[j:j + size])
            if kinds and not self._cuts_a_word(text, j, j + size):
                for g in sorted(groups):
                    for k in sorted(kinds):
                        rule = self.rules.get((g, k))
                        if rule is not None:
                            return rule, size
        return None, 0

    def _severity_after(self, text: str, end: int) -> int | None:
        """End of a severity word in the rest of the clause (疼得像要裂开), or None."""
        stop = min(len(text), end + _TAIL)
        crossed = 0
        k = end
        while k < stop:
            if text[k] in _CLAUSE_END:
                # Round 10: a clause with no part of its own that only compares or ranks the pain (头痛，像炸开一样；
                # 头疼，这辈子没这么疼过) is said of it; any other clause ends the search. Two such clauses at most.
                if crossed == 2 or not text.startswith(_SAID_OF_IT, k + 1):
                    return None
                crossed += 1
                stop = min(len(text), k + 1 + _TAIL)
                k += 1
                continue
            part = _longest(self.parts, text, k, self._part_len)
            if part is not None and self._walk(text, k + len(part), self.parts[part], 0, False, False):
                return None  # the next symptom begins: what follows is said of it
            word = _longest(self.severe, text, k, self._severe_len)
            if word is not None:
                return k + len(word)
            k += 1
        return None

    def _severity_before(self, text: str, start: int) -> int | None:
        """Start of a severity word just before the part (突然剧烈的头痛), or None."""
        for k in range(start - 1, max(-1, start - _HEAD - 1), -1):
            if text[k] in _CLAUSE_END:
                return None
            word = _longest(self.severe, text, k, self._severe_len)
            if word is not None and k + len(word) <= start:
                return k
        return None


def load_grammar(cues: frozenset[str], pseudo: frozenset[str], words: frozenset[str] = frozenset(),
                 path: Path = LEXICON_DIR / "grammar.yml") -> SymptomGrammar:
    spec = load_yaml(path.read_text(encoding="utf-8")) or {}
    return SymptomGrammar(spec, cues, pseudo, words)
