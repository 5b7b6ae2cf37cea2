"""Amounts of medicine and overdoses (`nlu/lexicon/doses.yml`).

吃了十片泰诺林 / 一口气吃了一整瓶安眠药 / 泰诺林吃了十片: the amount joins the medicine it is said
of, in the same clause; the medicine's ingredients come from the YAML. Taken amounts at or past the
overdose line, whole containers, and two products with one ingredient both taken add the symptom
`poisoning`, so triage sees the overdose even when no one wrote 中毒.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlu.yaml_files import load_yaml, words_beside

from nlu.lexicon import LEXICON_DIR
from nlu.result import Amount
from nlu.text import MappedText

_CLAUSE_END = re.compile(r"[，,。.！!？?；;\n]")
_NEAR = 8  # characters between an amount and the medicine it is said of


@dataclass
class Medicine:
    """A medication found by the lexicon: original offsets, its word, its code; filled in here."""

    start: int
    end: int
    term: str
    code: str
    negated: bool
    amount: Amount | None = None
    ingredients: tuple[str, ...] = ()


@dataclass(frozen=True)
class Overdose:
    """Where the message says an overdose was taken (original offsets)."""

    start: int
    end: int


@dataclass(frozen=True)
class _Found:
    start: int  # original offsets
    end: int
    amount: Amount
    generic: bool  # "…药" with no named medicine


class DoseReader:
    def __init__(self, spec: dict[str, Any]) -> None:
        ingredients = spec.get("ingredients") or {}
        self.by_code = {str(k): tuple(v) for k, v in (ingredients.get("by_code") or {}).items()}
        self.by_word = {str(k).lower(): tuple(v) for k, v in (ingredients.get("by_word") or {}).items()}
        self.units = {str(w): str(u) for u, words in (spec.get("units") or {}).items() for w in words}
        whole = [str(w) for w in spec.get("whole_words") or []]
        parts = {str(k): float(v) for k, v in (spec.get("part_words") or {}).items()}
        self.parts = parts
        many = [str(w) for w in spec.get("many_words") or []]
        self.taken = re.compile("|".join(map(re.escape, sorted(map(str, spec.get("taken") or []), key=len, reverse=True))))
        self.poisons = re.compile("|".join(map(re.escape, sorted(map(str, spec.get("poisons") or []), key=len, reverse=True))))
        accidental = "(?:" + "|".join(map(re.escape, map(str, spec.get("accidental") or []))) + ")"
        # 误吃了奶奶的降糖药 / 把药当糖吃了: the medicine after the mistake or before it, in one clause.
        self.accidental = re.compile(accidental + "[^，,。.！!？?；;]{0,10}?药|药[^，,。.！!？?；;]{0,8}?" + accidental)
        over = spec.get("overdose") or {}
        self.containers = frozenset(over.get("containers") or [])
        self.tablets = {str(k): float(v) for k, v in (over.get("tablets") or {}).items()}
        self.mg = {str(k): float(v) for k, v in (over.get("mg") or {}).items()}
        self.at_once = re.compile("|".join(map(re.escape, map(str, over.get("at_once_words") or []))) or "(?!)")
        self.tablets_at_once = {str(k): float(v) for k, v in (over.get("tablets_at_once") or {}).items()}
        # Tablets counted over one day (布洛芬一天吃了八粒): the label's daily ceiling, not the single dose (round 9).
        self.a_day = re.compile(str(over.get("a_day_pattern") or "(?!)"))
        self.tablets_a_day = {str(k): float(v) for k, v in (over.get("tablets_a_day") or {}).items()}
        # A box of an ordinary medicine taken over days, or "still ill after it", is a course, not an overdose (round 4).
        self.spread = re.compile("|".join(str(p) for p in over.get("spread") or []) or "(?!)")
        self.spread_exempt = frozenset(str(i) for i in over.get("spread_exempt") or [])
        # Too many doses in a day (泰诺林一天吃了五六次): more than the label's doses in 24 hours (round 5).
        daily = spec.get("doses_a_day") or {}
        self.doses_a_day = {str(k): int(v) for k, v in (daily.get("limits") or {}).items()}
        self.daily = re.compile(str(daily.get("pattern") or "(?!)"))
        self.repeated = re.compile("|".join(str(p) for p in spec.get("repeated") or []) or "(?!)")
        generic = [str(w) for w in spec.get("generic_medicines") or []] or ["药"]
        self.generic_words = re.compile("|".join(map(re.escape, sorted(generic, key=len, reverse=True))))
        # Too much of a named medicine with no number (降压药吃多了, 一下吃了一大把安眠药, 多吃了几片布洛芬).
        over_use = spec.get("overuse") or {}
        # Session seven (fix11b): a plan to take pills, no act said — a suicide plan, not an overdose (doses.yml `planned`).
        planned = spec.get("planned") or {}
        self.planned_intent = re.compile(str(planned.get("intent_then_taking") or "(?!)"))
        self.planned_saved = re.compile(str(planned.get("intent") or "(?!)"))
        self.past_act = re.compile(str(planned.get("past") or "(?!)"))
        alt_ = lambda words: "|".join(map(re.escape, sorted(map(str, words), key=len, reverse=True))) or "(?!)"  # noqa: E731
        self.overuse_after = re.compile(rf"[^，,。.！!？?；;]{{0,6}}?(?:{alt_(over_use.get('after') or [])})(?![少久])")
        self.overuse_before = re.compile(rf"(?:{alt_(over_use.get('before') or [])})的?$")
        self.extra_before = re.compile(rf"(?:{alt_(over_use.get('extra') or [])})[^，,。.！!？?；;]{{0,4}}$")
        # Round 10 (tri12): one extra tablet of a regular medicine (多吃了一片降压药) is no overdose.
        self.one_extra = re.compile(str(over_use.get("one_extra") or "(?!)"))
        self.one_extra_ok = frozenset(str(i) for i in over_use.get("one_extra_ok") or [])
        self.hypothetical = re.compile(rf"(?:{alt_(over_use.get('hypothetical_after') or [])})")
        self.conditional = re.compile(rf"(?:{alt_(over_use.get('conditional_before') or [])})")
        # Session seven (talk7a): 氨酚黄那敏和感冒灵一起喝行不行 asks before taking them; not both taken.
        self.asked_together = re.compile(str(spec.get("asked_together") or "(?!)"))
        alt = lambda words: "|".join(map(re.escape, sorted(words, key=len, reverse=True)))  # noqa: E731
        self.pattern = re.compile(
            rf"(?:(?P<num>\d+(?:\.\d+)?)(?P<approx>[几多来余])?\s*(?:{alt(whole)})?|(?P<part>{alt(parts)})"
            rf"|(?P<many>{alt(many)})|(?P<whole>{alt(whole)}))\s*个?\s*(?P<unit>{alt(self.units)}|把)"
            rf"(?P<drug>的?(?:{alt(generic)}|药(?![a-z\u4e00-\u9fff]{{0,1}}(?:片|水|膏))))?")

    def ingredients_of(self, term: str, code: str) -> tuple[str, ...]:
        return self.by_word.get(term) or self.by_code.get(code, ())

    def read(self, numeric: MappedText, medicines: list[Medicine]) -> list[Overdose]:
        """Fill in the medicines' ingredients and amounts; return the overdoses the message states."""
        for med in medicines:
            med.ingredients = self.ingredients_of(med.term, med.code)
        original = numeric.original
        if self.planned_intent.search(original) and self.planned_saved.search(original) \
                and not self.past_act.search(original):
            return []  # "安眠药存了两盒 准备周末全吞了": a plan, not an act (actions/intake_facts.yml reads the plan)
        overdoses: list[Overdose] = []
        for found in self._amounts(numeric):
            med = None if found.generic else _nearest(found, medicines, original)
            if med is None and not found.generic:
                continue
            if med is not None:
                if med.negated:
                    continue
                med.amount = med.amount or found.amount
            start = min(found.start, med.start) if med else found.start
            end = max(found.end, med.end) if med else found.end
            clause = _clause(original, start, end)
            said_taken = self.taken.search(original, clause[0], clause[1])
            at_once = bool(self.at_once.search(original, clause[0], clause[1]))
            a_day = bool(self.a_day.search(original, clause[0], clause[1]))
            course = (found.amount.unit == "box" and not at_once and bool(self.spread.search(numeric.text))
                      and not set(med.ingredients if med else ()) & self.spread_exempt)
            if said_taken and not course and self._is_overdose(found.amount, med.ingredients if med else (), at_once,
                                                                       a_day):
                overdoses.append(Overdose(min(start, said_taken.start()), end))
        overdoses += self._stacked(original, medicines)
        overdoses += self._swallowed_poison(numeric.text, numeric)
        overdoses += self._too_much(original, medicines)
        overdoses += self._too_often(numeric, medicines)
        return [self._whole_act(original, o) for o in overdoses]

    def _whole_act(self, original: str, overdose: Overdose) -> Overdose:
        """The overdose's span runs over the act as said (round 8): the taking verb after the medicine in its clause
        (把半瓶降糖药都吃了, 一板退烧药吞光了), and the next clause when it only says the doubling (…又喝了感冒灵，吃重复了;
        …，两样一起吃了) — the whole act is the symptom, so the span meets an annotation of either the amount or the verb."""
        end = overdose.end
        verb = _TAKEN_AFTER.match(original, end)
        if verb is not None and self.taken.search(verb.group()):
            end = verb.end()
        doubled = _DOUBLED_NEXT.match(original, end)
        if doubled is not None:
            end = doubled.end()
        return Overdose(overdose.start, end)

    def _too_much(self, original: str, medicines: list[Medicine]) -> list[Overdose]:
        """降压药吃多了 / 安眠药吃了一大把 / 一下吃了一大把安眠药 / 多吃了几片布洛芬: too much, no number."""
        spans = [(m.start, m.end) for m in medicines if not m.negated]
        spans += [(m.start(), m.end()) for m in self.generic_words.finditer(original)]
        out = []
        for start, end in spans:
            left, right = _clause(original, start, end)
            if self.conditional.search(original, left, start):
                continue  # 如果/万一/怕 … 吃多了: feared, not done
            after = self.overuse_after.match(original, end, right)
            # 感冒药会不会吃过量: the question between medicine and "too much" asks, it does not tell (round 5).
            if after is not None and not self.hypothetical.match(original, after.end(), right) \
                    and not self.conditional.search(original, end, after.end()):
                out.append(Overdose(start, after.end()))
                continue
            before = original[left:start]
            said = self.overuse_before.search(before) and self.taken.search(original, left, right)
            extra = self.extra_before.search(before)
            med = next((m for m in medicines if (m.start, m.end) == (start, end)), None)
            if extra and med is not None and med.ingredients and set(med.ingredients) <= self.one_extra_ok \
                    and self.one_extra.search(before[extra.start():]):
                extra = None
            if said or extra:
                first = (said or extra)
                assert first is not None
                out.append(Overdose(left + first.start(), end))
        return out

    def _too_often(self, numeric: MappedText, medicines: list[Medicine]) -> list[Overdose]:
        """泰诺林一天吃了五六次: more doses a day than the label allows, said of a medicine in the same clause."""
        out = []
        original = numeric.original
        for m in self.daily.finditer(numeric.text):
            start, end = numeric.span(m.start(), m.end())
            left, right = _clause(original, start, end)
            for med in medicines:
                limits = [self.doses_a_day[i] for i in med.ingredients if i in self.doses_a_day]
                if med.negated or not limits or not (left <= med.start < right or 0 <= start - med.end <= _NEAR):
                    continue
                if int(m.group("count")) > min(limits):
                    out.append(Overdose(min(start, med.start), max(end, med.end)))
                    break
        return out

    def _swallowed_poison(self, text: str, numeric: MappedText) -> list[Overdose]:
        """喝了半瓶敌敌畏 / 把洗衣液喝了一口 / 误吃了奶奶的降糖药: a poison and a verb of taking it, one clause."""
        out = [Overdose(*numeric.span(m.start(), m.end())) for m in self.accidental.finditer(text)]
        out += [Overdose(*numeric.span(m.start(), m.end())) for m in self.repeated.finditer(text)]
        for m in self.poisons.finditer(text):
            left, right = _clause(text, m.start(), m.end())
            verbs = list(self.taken.finditer(text, left, right))
            if verbs:
                start = min(m.start(), verbs[0].start())
                end = max(m.end(), verbs[-1].end())
                out.append(Overdose(*numeric.span(start, end)))
        return out

    def _amounts(self, numeric: MappedText) -> list[_Found]:
        out = []
        for m in self.pattern.finditer(numeric.text):
            unit = "handful" if m.group("unit") == "把" else self.units[m.group("unit")]
            if unit == "handful" and not m.group("drug"):
                continue  # 一把 is also "a moment" or a measure of anything
            if m.group("num"):
                value: float | None = float(m.group("num"))
            elif m.group("part"):
                value = self.parts[m.group("part")]
            elif m.group("whole"):
                value = 1.0
            else:
                value = None  # 好几 / 好多: many, no number
            end = m.end("unit") if not m.group("drug") else m.end()
            start, o_end = numeric.span(m.start(), end)
            text = numeric.original[start:numeric.span(m.start(), m.end("unit"))[1]]
            value = int(value) if value is not None and value.is_integer() else value
            out.append(_Found(start, o_end, Amount(value, unit, text), bool(m.group("drug"))))
        return out

    def _is_overdose(self, amount: Amount, ingredients: tuple[str, ...], at_once: bool = False,
                     a_day: bool = False) -> bool:
        if amount.unit in self.containers or amount.unit == "handful":
            return True
        if amount.value is None:
            return amount.unit in ("tablet", "sachet")  # 好几片 / 好多粒 taken at once
        if amount.unit == "tablet":
            table = self.tablets_at_once if at_once and self.tablets_at_once else self.tablets
            limits = [table[i] for i in ingredients if i in table] or [table.get("default", 10)]
            if a_day:
                limits += [self.tablets_a_day[i] for i in ingredients if i in self.tablets_a_day]
            return amount.value >= min(limits)
        mg = amount.value * (1000 if amount.unit == "g" else 1) if amount.unit in ("mg", "g") else None
        return mg is not None and any(i in self.mg and mg > self.mg[i] for i in ingredients)

    def _stacked(self, original: str, medicines: list[Medicine]) -> list[Overdose]:
        """泰诺林 and 白加黑 both taken: two products, one ingredient (acetaminophen) twice."""
        taken = [m for m in medicines if not m.negated]
        out = []
        for i, a in enumerate(taken):
            for b in taken[i + 1:]:
                if a.term != b.term and set(a.ingredients) & set(b.ingredients) and _both_taken(original, a, b, self.taken, self.asked_together):
                    # The act after the second product, in its clause (…同时各吃了两粒, …当成两种药一起吃了; round 9).
                    rest = re.split(r"[，,。.！!？?；;]", original[b.end:b.end + 12])[0]
                    verbs = list(self.taken.finditer(rest))
                    end = b.end
                    if verbs:
                        end = b.end + verbs[-1].end()
                        amount = _AMOUNT_AFTER.match(original, end)
                        end = amount.end() if amount else end
                    out.append(Overdose(a.start, end))
        return out


def _both_taken(original: str, a: Medicine, b: Medicine, taken: re.Pattern[str],
                asked: re.Pattern[str] | None = None) -> bool:
    """吃了泰诺林又吃了白加黑 / 泰诺林和白加黑都吃了 — not 泰诺林和白加黑能一起吃吗, nor (session seven) 氨酚黄那敏和感冒灵
    一起喝行不行 (doses.yml `asked_together`: the clause after the second asks)."""
    between = original[a.end:b.start]
    before_a = original[max(0, a.start - 6):a.start]
    # The rest of b's clause, up to 12 characters (布洛芬和芬必得当成两种药一起吃了 — round 9).
    after_b = re.split(r"[，,。.！!？?；;]", original[b.end:b.end + 12])[0]
    after_asks = asked is not None and bool(asked.search(original[b.end:b.end + 16]))
    return bool(taken.search(before_a) and (taken.search(between) or any(w in between for w in _JOINED_BY))) \
        or bool(taken.search(after_b) and _BOTH.search(after_b) and not after_asks) \
        or bool(taken.search(between) and _THEN.search(between))


# After an overdose: the rest of the taking verb in its clause (全吃了, 都喝光了, 吞下去了), and a next clause that only says
# the medicines were doubled or taken together (吃重复了, 两个一起吃了, 一起吃的) — round 8.
_WORDS: dict[str, Any] = words_beside(__file__)
_TAKEN_AFTER = re.compile(_WORDS["patterns"]["taken_after"])
_DOUBLED_NEXT = re.compile(_WORDS["patterns"]["doubled_next"])

_AMOUNT_AFTER = re.compile(_WORDS["patterns"]["amount_after"])

# 感康吃完又吃了快克 / 泰诺林喂了5毫升，还给他喝了…: the second product taken after the first (round 5).
_THEN = re.compile(_WORDS["patterns"]["then"])
# 泰诺林和白加黑都吃了: the words that say both were taken, and that join the two medicines named.
_BOTH = re.compile(_WORDS["patterns"]["both"])
_JOINED_BY: tuple[str, ...] = tuple(_WORDS["words"]["joined_by"])


def _nearest(found: _Found, medicines: list[Medicine], original: str) -> Medicine | None:
    """The medicine the amount is said of: right after it (十片泰诺林), else right before (泰诺林吃了十片)."""
    after = [m for m in medicines if 0 <= m.start - found.end <= _NEAR and not _CLAUSE_END.search(original, found.end, m.start)]
    if after:
        return min(after, key=lambda m: m.start)
    before = [m for m in medicines if 0 <= found.start - m.end <= _NEAR and not _CLAUSE_END.search(original, m.end, found.start)]
    return max(before, key=lambda m: m.end) if before else None


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    left = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    right = _CLAUSE_END.search(text, end)
    return left, right.start() if right else len(text)


def load_doses(path: Path = LEXICON_DIR / "doses.yml") -> DoseReader:
    return DoseReader(load_yaml(path.read_text(encoding="utf-8")) or {})
