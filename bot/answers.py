"""Reading a typed answer to the pending question: one mechanism for every `collect` step (issue 10).

The flow runner asks `read_answer` what an answer says about the slot it waits for. The answer
is the NLU's parse (its entities for the asked symptom, its affirm/deny intent) plus the words
of `flows/language/answers.yml`: "don't know" → `UNKNOWN`, a "no" with the negation anywhere, a
number against the question's own threshold, a choice by meaning or a near-copy of a button's
title, pain and frequency in words. `None` means the answer was not understood.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from nlu.yaml_files import load_yaml, words_beside

from bot.expressions import compile_expression
from bot.flow_loader import UNKNOWN, SlotSpec
from nlu.text import to_simplified

ANSWERS_FILE = Path(__file__).resolve().parents[1] / "flows" / "language" / "answers.yml"
# Punctuation, but not the point of a decimal ("38.6").
_STRIP = re.compile(r"[\s,，。!！、;；:：~～…\-—\"'“”‘’()（）\[\]【】]+|(?<!\d)\.|\.(?!\d)")
_ARABIC = re.compile(r"\d+(?:\.\d+)?")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百]+(?:点[零〇一二三四五六七八九]+)?")
# "38度5" / "三十八度五": the digit after 度 is tenths.
_WORDS: dict[str, Any] = words_beside(__file__)
_DEGREE_TENTHS = re.compile(_WORDS["patterns"]["degree_tenths"])
_MONTHS = re.compile(_WORDS["patterns"]["months"])
_WEEKS = re.compile(_WORDS["patterns"]["weeks"])
_DAYS = re.compile(_WORDS["patterns"]["days"])
_HALF_MONTHS = re.compile(_WORDS["patterns"]["half_months"])
# The questions whose answer is an age, which may be said in months or days ("一个半月"): a duration read in such
# an answer is the age, never how long the illness has lasted (bot/engine.py, actions/intake.py).
AGE_QUESTIONS = frozenset({"age", "age_months"})
_HOURS = re.compile(_WORDS["patterns"]["hours"])
_PUNCT = re.compile(r"[,，。!！、;；:：~～…\-—\"'“”‘’()（）\[\]【】]+|(?<!\d)\.|\.(?!\d)")
_NUMERIC_ANSWER = re.compile(_WORDS["patterns"]["numeric_answer"])
_HALF = re.compile(_WORDS["patterns"]["half"])
_SENTINEL = "\u2060"
# Round 9 (tri11): "不会麻", "没觉得麻", "不太麻": a negation with a modal between it and the question's own word.
_NEGATED_MODAL = re.compile(_WORDS["patterns"]["negated_modal"])
_NEGATED_BEFORE = re.compile(_WORDS["patterns"]["negated_before"])
_RANGE_REST = re.compile(_WORDS["patterns"]["range_rest"])  # "~18多" of "17~18多斤": the range's end before its unit
_NEGATED_JUST_BEFORE = re.compile(_WORDS["patterns"]["negated_just_before"])  # "不是很疼": no 很疼
_MONTHS_AND_DAYS = re.compile(_WORDS["patterns"]["months_and_days"])  # "两个月零二十天": what joins the parts
_APPROXIMATELY: str = _WORDS["words"]["approximately"]  # "18多斤", "18左右": skipped between a number and its unit
_NEGATION_STARTS: tuple[str, ...] = tuple(_WORDS["words"]["negation_starts"])  # marks removed exception words so that their characters are not read again


@dataclass(frozen=True)
class AnswerWords:
    unknown: tuple[str, ...]
    unknown_means_no_for: frozenset[str]
    no: tuple[str, ...]
    no_exceptions: tuple[str, ...]
    fine: tuple[str, ...]
    yes: tuple[str, ...]
    correction: tuple[str, ...]
    correction_patterns: tuple[re.Pattern[str], ...]
    pain_words: tuple[tuple[int, tuple[str, ...]], ...]
    duration_words: tuple[tuple[float, tuple[str, ...]], ...]
    human: tuple[str, ...]
    stop: tuple[str, ...]
    stop_negated: tuple[str, ...]
    units: tuple[str, ...]
    slot_units: dict[str, tuple[str, ...]]
    question_marks: tuple[str, ...]
    question_endings: tuple[str, ...]
    slot_words: dict[str, dict[str, Any]]
    symptom_yes: tuple[str, ...]
    strict: frozenset[str]
    gates: dict[str, str]
    plain_yes: frozenset[str]
    condition_only_means_no: frozenset[str]
    combined: dict[str, frozenset[str]]
    own_words_first: frozenset[str] = frozenset()
    no_fever_for: frozenset[str] = frozenset()
    no_fever: tuple[str, ...] = ()
    fever_gone: tuple[str, ...] = ()
    fever_back: tuple[str, ...] = ()
    hedges: tuple[str, ...] = ()
    unknown_fillers: tuple[str, ...] = ()
    answered_by: dict[str, dict[str, tuple[Any, ...]]] = field(default_factory=dict)
    answered_by_unless: dict[str, Any] = field(default_factory=dict)  # an Expression per question (round 11)
    variant_when_unknown: dict[str, str] = field(default_factory=dict)
    variant_when: dict[str, tuple[str, Any]] = field(default_factory=dict)  # key: (suffix, Expression) (round 11)
    not_for_infants: frozenset[str] = frozenset()  # questions a baby under 1 year cannot be asked (no `_infant` variant)
    patterns: dict[str, re.Pattern[str]] = field(default_factory=dict)
    gate_ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    not_about_symptoms: frozenset[str] = frozenset()
    fine_after_symptom: tuple[str, ...] = ()
    pain_named: tuple[str, ...] = ()
    pain_denied: tuple[str, ...] = ()
    pain_described: tuple[str, ...] = ()
    lowest_reading: frozenset[str] = frozenset()
    highest_reading: frozenset[str] = frozenset()
    reading_within: dict[str, float] = field(default_factory=dict)
    things: tuple[str, ...] = ()
    blood_pressure_words: tuple[str, ...] = ()
    topics: dict[str, dict[str, Any]] = field(default_factory=dict)
    described: dict[str, tuple[str, ...]] = field(default_factory=dict)
    yes_of_other_thing: tuple[str, ...] = ()  # round 12
    yes_of_other_connectives: tuple[str, ...] = ()
    vague: tuple[str, ...] = ()
    unknown_asks_again: frozenset[str] = frozenset()
    weight_units: dict[str, float] = field(default_factory=dict)  # console8: each weight unit's factor to kg (斤 × 0.5)
    plausible: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)  # fix11a
    reading_names: dict[str, tuple[str, ...]] = field(default_factory=dict)  # fix11a
    medicine_question: tuple[str, ...] = ()  # round 14 (tri17): a medicine question inside an answer


@lru_cache(maxsize=1)
def words(path: Path = ANSWERS_FILE) -> AnswerWords:
    raw = load_yaml(path.read_text(encoding="utf-8"))

    def ranked(key: str, cast: type) -> tuple[tuple[Any, tuple[str, ...]], ...]:
        return tuple((cast(k), tuple(v)) for k, v in raw[key].items())

    return AnswerWords(
        unknown=tuple(raw["unknown"]),
        unknown_means_no_for=frozenset(raw["unknown_means_no_for"]),
        no=tuple(raw["no"]),
        no_exceptions=tuple(sorted(raw["no_exceptions"], key=len, reverse=True)),
        fine=tuple(raw["fine"]),
        yes=tuple(raw["yes"]),
        correction=tuple(raw["correction"]),
        correction_patterns=tuple(re.compile(p) for p in raw["correction_patterns"]),
        pain_words=ranked("pain_words", int),
        duration_words=ranked("duration_words", float),
        human=tuple(raw["human"]),
        stop=tuple(raw["stop"]),
        stop_negated=tuple(raw["stop_negated"]),
        units=tuple(sorted(raw["units"], key=len, reverse=True)),
        slot_units={k: tuple(v) for k, v in raw["slot_units"].items()},
        question_marks=tuple(raw["question_marks"]),
        question_endings=tuple(raw["question_endings"]),
        slot_words={k: {kind: (v if kind == "threshold" else tuple(v)) for kind, v in table.items()}
                    for k, table in raw["slot_words"].items()},
        symptom_yes=tuple(raw["symptom_yes"]),
        strict=frozenset(raw["strict"]),
        gates=dict(raw["gates"]),
        plain_yes=frozenset(raw["plain_yes"]),
        condition_only_means_no=frozenset(raw.get("condition_only_means_no", ())),
        combined={k: frozenset(v) for k, v in (raw.get("combined") or {}).items()},
        own_words_first=frozenset(raw.get("own_words_first", ())),
        no_fever_for=frozenset(raw.get("no_fever_for", ())),
        no_fever=tuple(raw.get("no_fever", ())),
        fever_gone=tuple(raw.get("fever_gone", ())),
        fever_back=tuple(raw.get("fever_back", ())),
        hedges=tuple(sorted(raw.get("hedges", ()), key=len, reverse=True)),
        yes_of_other_thing=tuple(sorted(raw.get("yes_of_other_thing", ()), key=len, reverse=True)),
        yes_of_other_connectives=tuple(raw.get("yes_of_other_connectives", ())),
        vague=tuple(sorted(raw.get("vague", ()), key=len, reverse=True)),
        unknown_asks_again=frozenset(raw.get("unknown_asks_again", ())),
        plausible={k: {band: (float(r[0]), float(r[1])) for band, r in v.items()} for k, v in (raw.get("plausible") or {}).items()},
        reading_names={k: tuple(v) for k, v in (raw.get("reading_names") or {}).items()},
        unknown_fillers=tuple(sorted(raw.get("unknown_fillers", ()), key=len, reverse=True)),
        answered_by={k: {o: tuple(v) for o, v in table.items()} for k, table in (raw.get("answered_by") or {}).items()},
        answered_by_unless={k: compile_expression(v) for k, v in (raw.get("answered_by_unless") or {}).items()},
        variant_when_unknown=dict(raw.get("variant_when_unknown") or {}),
        variant_when={k: (str(v["suffix"]), compile_expression(v["when"])) for k, v in (raw.get("variant_when") or {}).items()},
        not_for_infants=frozenset(raw.get("not_for_infants") or ()),
        patterns={k: re.compile(v) for k, v in (raw.get("patterns") or {}).items()},
        gate_ranges={k: (float(v[0]), float(v[1])) for k, v in (raw.get("gate_ranges") or {}).items()},
        not_about_symptoms=frozenset(raw.get("not_about_symptoms", ())),
        fine_after_symptom=tuple(raw.get("fine_after_symptom", ())),
        pain_named=tuple(raw.get("pain_named", ())),
        pain_denied=tuple(raw.get("pain_denied", ())),
        pain_described=tuple(raw.get("pain_described", ())),
        lowest_reading=frozenset((raw.get("readings") or {}).get("lowest", ())),
        highest_reading=frozenset((raw.get("readings") or {}).get("highest", ())),
        reading_within={k: float(v) for k, v in ((raw.get("readings") or {}).get("within") or {}).items()},
        things=tuple(sorted(raw.get("things", ()), key=len, reverse=True)),
        blood_pressure_words=tuple(raw.get("blood_pressure_words", ())),
        topics={k: {"questions": frozenset(v["questions"]), "pattern": re.compile(v["pattern"]),
                    "fills": dict(v.get("fills") or {}), "replaces": frozenset(v.get("replaces", ())),
                    "pending": dict(v.get("pending") or {})}
                for k, v in (raw.get("topics") or {}).items()},
        described={k: tuple(v) for k, v in (raw.get("described") or {}).items()},
        weight_units={str(k): float(v) for k, v in (raw.get("weight_units") or {}).items()},
        medicine_question=tuple(raw.get("medicine_question") or ()),
    )


def pattern(name: str) -> re.Pattern[str]:
    """A phrase pattern of flows/language/answers.yml `patterns` (Chinese words live in data, not code)."""
    return words().patterns[name]


def plain_yes(clean: str) -> bool:
    """A plain yes, also when hedged ("好像有点吧", "应该有", "有一点点"): an uncertain yes to a red-flag
    question is a yes (a missing or doubtful answer never lowers a level). A hedged no ("应该没有")
    is read as no before this (`says_no`)."""
    if clean in words().plain_yes:
        return True
    for hedge in words().hedges:
        clean = clean.replace(hedge, "")
    return bool(clean) and clean in words().plain_yes


def plain_yes_first(text: str) -> bool:
    """"有，想去找她" / "是的，疼得厉害": a plain yes said first, then said more about, with no negation after."""
    parts = [p for p in re.split(r"[,，。.!！;；、\s]+", fold(text)) if p]
    if len(parts) < 2 or not plain_yes(normal(parts[0])):
        return False
    return not says_no("".join(parts[1:]))


def no_fever_said(text: str) -> str | None:
    """"没发烧" / "不热" → "none"; "退了四五天了" / "烧早退了" / "不烧了" → "gone"; else None (a number wins)."""
    clean = normal(text)
    if any(35 <= n <= 43 for n in numbers(text)) or _has(clean, words().fever_back):
        return None  # a reading, or a fever that came back ("退了两天又烧起来了")
    if _has(clean, words().fever_gone):
        return "gone"
    if _has(clean, words().no_fever):
        return "none"
    return None


def fold(text: str) -> str:
    """Lower case, simplified characters, no spaces; punctuation kept."""
    return to_simplified("".join(ch for ch in (text or "").lower() if not ch.isspace()))


def normal(text: str) -> str:
    """Lower case, simplified, no spaces or punctuation."""
    return _STRIP.sub("", fold(text))


def _has(text: str, phrases: tuple[str, ...]) -> bool:
    return any(p in text for p in phrases)


def _cn_value(run: str) -> float | None:
    whole, _, frac = run.partition("点")
    total, current = 0, 0
    # "一百九" is 190 and "一百一" 110 (a digit straight after 百 is the tens); "一百零九" is 109.
    if len(whole) >= 3 and whole[-2] == "百" and whole[-1] in _CN_DIGITS and whole[-1] not in "零〇":
        whole = whole + "十"
    for ch in whole:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    value = float(total + current)
    if not whole:
        return None
    if frac:
        value += float("0." + "".join(str(_CN_DIGITS[c]) for c in frac))
    return value


def arabic(text: str) -> str:
    """Chinese numerals as Arabic digits ("三十九度二" → "39度2"), "38度5" as "38.5"; a range said as
    two neighbouring digits ("三四分", "九十七八") as both numbers ("3~4", "97~98")."""
    def sub(m: re.Match[str]) -> str:
        return convert(m.group(0))

    def convert(run: str) -> str:
        # Round 8 of issue 10: two numbers said back to back ("一百二十五八十", "一百二八十", "一百二十八十",
        # "一百九十一百一十" — a blood pressure; "九十五九十三" — two readings) are two: a digit with its own 十 or
        # 百 after a number that already had one. ("七八十" is a range and "三十七八" too.)
        for i in range(1, len(run) - 1):
            if run[i] not in _CN_DIGITS or run[i] in "零〇" or run[i + 1] not in "十百" or "点" in run[:i]:
                continue
            after_digit = run[i - 1] in _CN_DIGITS and any(c in "十百" for c in run[:i - 1])
            second_ten = run[i + 1] == "十" and "十" in run[:i]
            second_hundred = run[i + 1] == "百" and any(c in "十百" for c in run[:i])
            if after_digit or second_ten or second_hundred:
                return convert(run[:i]) + "、" + convert(run[i:])
        if (len(run) >= 2 and "点" not in run and run[-1] in _CN_DIGITS and run[-2] in _CN_DIGITS
                and _CN_DIGITS[run[-1]] == _CN_DIGITS[run[-2]] + 1 and _CN_DIGITS[run[-2]] > 0):
            low, high = _cn_value(run[:-1]), _cn_value(run[:-2] + run[-1])
            if low is not None and high is not None:
                return f"{low:g}~{high:g}"
        value = _cn_value(run)
        return run if value is None else f"{value:g}"

    converted = _CN_NUMBER.sub(sub, text)
    converted = _HALF.sub(lambda m: f"{float(m.group(1)) + 0.5:g}" + m.group(0)[len(m.group(1)):-1], converted)
    return _DEGREE_TENTHS.sub(lambda m: f"{m.group(1)}.{m.group(2)}度", converted)


def numbers_in_own_units(slot: str, text: str) -> list[float]:
    """The numbers of `text` that may answer `slot`: bare, or with one of the slot's own units ("45岁"
    never answers the temperature question)."""
    own = words().slot_units.get(slot, ())
    clean = arabic(_PUNCT.sub(" ", fold(text)))
    found = []
    for match in _ARABIC.finditer(clean):
        after = clean[match.end():].lstrip(_APPROXIMATELY)
        unit = next((u for u in words().units if after.startswith(u)), None)
        if unit is None and (rest := _RANGE_REST.match(after)):
            # the first number of a range ("十七八斤" → 17~18斤) carries the range's unit
            unit = next((u for u in words().units if after[rest.end():].startswith(u)), None)
            if unit not in own:
                unit = None
        if unit is None or unit in own:
            # a weight unit counts in kilograms ("24斤" is 12 kg: flows/language/answers.yml weight_units)
            weight = weight_said(match.group() + unit) if unit else None
            found.append(weight[0] if weight is not None else float(match.group()))
    return found


@lru_cache(maxsize=1)
def _weight_units() -> tuple[re.Pattern[str], dict[str, float]]:
    factors = words().weight_units
    units = "|".join(map(re.escape, sorted(factors, key=len, reverse=True)))
    return re.compile(rf"(\d+(?:\.\d+)?)\s*(?:多|左右)?\s*({units})", re.IGNORECASE), factors


def weight_said(text: str) -> tuple[float, str] | None:
    """A weight with its unit in a message, in kilograms, and the words as typed: "孩子十八斤" → (9.0, "十八斤") (console8:
    斤 is half a kilogram; answers.yml `weight_units`). None without a weight unit."""
    pattern, factors = _weight_units()
    clean = arabic(fold(text))
    found = pattern.search(clean)
    if found is None:
        return None
    kg = float(found.group(1)) * factors.get(found.group(2).lower(), factors.get(found.group(2), 1.0))
    start = text.find(found.group(2))
    said = found.group(0)
    for width in range(1, 8):  # the typed words before the unit ("十八" of "十八斤"), when the digits were written in words
        if start - width >= 0 and arabic(fold(text[start - width:start + len(found.group(2))])).replace(" ", "") == said.replace(" ", ""):
            said = text[start - width:start + len(found.group(2))]
    return round(kg, 1), said


def numbers(text: str) -> list[float]:
    """The numbers in an answer, in order ("九十一、九十二" are two numbers, not one)."""
    return [float(n) for n in _ARABIC.findall(arabic(_PUNCT.sub(" ", fold(text))))]


def is_unknown(text: str) -> bool:
    return _has(normal(text), words().unknown)


def only_unknown(text: str) -> bool:
    """"说不清" / "这个我也说不清楚" / "不好说啊": the message is nothing but an "I can't tell" phrase (with its
    fillers and hedges), so it answers the pending question `unknown` and names no symptom."""
    clean = normal(text)
    if not _has(clean, words().unknown):
        return False
    for phrase in sorted(words().unknown, key=len, reverse=True):
        clean = clean.replace(phrase, "")
    for phrase in words().unknown_fillers + words().hedges:
        clean = clean.replace(phrase, "")
    return not clean


def says_no(text: str) -> bool:
    """A negation anywhere in the answer, once the words that only look negative are set aside."""
    clean = normal(text)
    for phrase in words().no_exceptions:
        clean = clean.replace(phrase, _SENTINEL)
    clean = pattern("but_not_no").sub(_SENTINEL, clean)  # "有小便，不过量少": "but", no "no" (round 12)
    return _has(clean, words().no)


def denies_other_things(text: str, question: str) -> bool:
    """Whether every negation of the answer denies a thing the question does not name ("没有血，就是水" to
    "按着肚子更疼吗？"). Without the question's text (a payload, a unit of code) nothing is set aside."""
    if not question:
        return False
    clean = normal(text)
    asked = normal(question)
    for phrase in words().no_exceptions:
        clean = clean.replace(phrase, _SENTINEL)
    things = [t for t in words().things if t not in asked]
    if not things:
        return False
    # A negation and, at most three characters on, the thing ("没有血", "没看到血").
    denied = re.compile(f"(?:{'|'.join(map(re.escape, sorted(words().no, key=len, reverse=True)))})"
                        f"[^{_SENTINEL}]{{0,3}}?(?:{'|'.join(map(re.escape, things))})")
    clean, count = denied.subn(_SENTINEL, clean)
    return count > 0 and not _has(clean, words().no)


def numbers_outside_dates(text: str) -> list[float]:
    """The numbers of an answer that are not part of a day said ("周五开始的", "12月4号", "今天9号")."""
    clean = arabic(_PUNCT.sub(" ", fold(text)))
    clean = date_words().onset.sub(" ", date_words().today_date.sub(" ", clean))
    return [float(n) for n in _ARABIC.findall(clean)]


def topic_said(slot: str, text: str, entities: tuple[Any, ...] = ()) -> str | None:
    """The topic (flows/language/answers.yml `topics`) an answer to `slot` speaks of as a whole ("呼吸跟平时一样"
    to any breathing question), or None. Not when the answer names a symptom as present ("走路才喘，坐着呼吸正常")."""
    clean = normal(text)
    for name, topic in words().topics.items():
        if slot not in topic["questions"]:
            continue
        for found in topic["pattern"].finditer(clean):
            before = clean[max(0, found.start() - 2):found.start()]
            if _NEGATED_BEFORE.search(before) or before == "不是":
                continue
            if any(e.entity == "symptom" and not e.negated and normal(text[e.start:e.end]) not in found.group(0)
                   for e in entities):
                return None
            return name
    return None


def says_yes(text: str) -> bool:
    clean = normal(text)
    return says_yes_emphatic(clean) or _has(clean, words().yes)  # "受不了", "退不下去": an emphatic yes


def wants_human(text: str) -> bool:
    """转人工 words, or a refusal to talk to a machine ("我不要跟机器说话": a person, never the mood questions)."""
    clean = normal(text)
    return _has(clean, words().human) or bool(pattern("human_not_machine").search(clean))


def wants_to_stop(text: str) -> bool:
    """The patient's own word for ending what is being asked (取消, 不问了, 退出 …), not negated."""
    clean = normal(text)
    return not _has(clean, words().stop_negated) and _has(clean, words().stop)


def negates_stop(text: str) -> bool:
    """A stop word negated ("不取消了", "算了不取消", "先不取消"): the patient keeps what was asked about."""
    return _has(normal(text), words().stop_negated)


def asks_question(text: str) -> bool:
    clean = normal(text)
    return bool(clean) and (clean.endswith(words().question_endings) or _has(clean, words().question_marks))


_CLAUSE_SPLIT = re.compile(r"[，,。.！!？?；;、\s~～…]+")


def medicine_question_split(text: str, medicines: tuple[str, ...] = ()) -> tuple[str, str] | None:
    """Round 14 of issue 10 (tri17): an answer with a medicine question inside ("两个溃疡，有什么药？", "头疼，要不要吃布洛芬
    啊"): (the rest of the answer, the question's clauses); None when no clause asks about a medicine
    (flows/language/answers.yml `medicine_question`, or a clause naming one of `medicines` that asks something:
    "还能再吃泰诺林吗"). The rest is empty when the answer is only the question."""
    cues = words().medicine_question
    names = tuple(fold(m) for m in medicines if m)
    clauses = [c for c in _CLAUSE_SPLIT.split(fold(text)) if c]
    asked = [c for c in clauses if _has(c, cues) or (_has(c, names) and asks_question(c))]
    if not asked:
        return None
    return "，".join(c for c in clauses if c not in asked), "，".join(asked)


def is_correction(text: str) -> bool:
    clean = normal(text)
    return _has(clean, words().correction) or any(p.search(clean) for p in words().correction_patterns)


def pain_from_words(text: str) -> int | None:
    """How bad a pain said in words is: the longest phrase wins ("不是很疼" over "很疼"), and a phrase
    of a high score right after a negation ("不是很疼", "没那么疼得厉害") does not count."""
    clean = normal(text)
    best: tuple[int, int] | None = None  # (length, score)
    # Round 9 (tri11): a phrase inside a "don't know" ("说不上" in "说不上来") is not a rating.
    unknown = [(m, m + len(w)) for w in words().unknown for m in [clean.find(w)] if m >= 0]
    for score, phrases in words().pain_words:
        for phrase in phrases:
            at = clean.find(phrase)
            if at < 0 or any(a <= at and at + len(phrase) <= b and b - a > len(phrase) for a, b in unknown):
                continue
            if not phrase.startswith(_NEGATION_STARTS) and _NEGATED_JUST_BEFORE.search(clean[max(0, at - 3):at]):
                continue
            if best is None or (len(phrase), score) > best:
                best = (len(phrase), score)
    return None if best is None else best[1]


# When an illness began, said as a day and a time rather than a span (rounds 6 and 8 of issue 10): "周五开始烧的",
# "前天半夜", "从昨天中午", "12月4号开始", "这个月1号开始的，今天9号". The words are data: flows/language/dates.yml.
DATES_FILE = ANSWERS_FILE.with_name("dates.yml")
ZONE = ZoneInfo("Asia/Shanghai")


def _alternatives(phrases: Any) -> str:
    return "|".join(re.escape(str(p)) for p in sorted(phrases, key=lambda p: -len(str(p))))


@dataclass(frozen=True)
class DateWords:
    weekdays: dict[str, int]
    days_ago: dict[str, int]
    day_with_part: frozenset[str]
    months_ago: dict[str, int]
    day_parts: dict[str, int]
    afternoon_parts: frozenset[str]
    today_weekday: re.Pattern[str]
    today_date: re.Pattern[str]
    onset: re.Pattern[str]
    part: re.Pattern[str]
    part_onset: re.Pattern[str]
    marker_after: re.Pattern[str]
    marker_before: frozenset[str]
    day_count: re.Pattern[str]


@lru_cache(maxsize=1)
def date_words(path: Path = DATES_FILE) -> DateWords:
    raw = load_yaml(path.read_text(encoding="utf-8"))
    weekdays = {str(k): int(v) for k, v in raw["weekdays"].items()}
    wd = "[" + "".join(re.escape(k) for k in weekdays) + "]"
    week, today, links = _alternatives(raw["week"]), _alternatives(raw["today"]), _alternatives(raw["today_links"])
    parts = _alternatives(p for p in raw["day_parts"] if p not in raw["day_with_part"] and len(p) > 1)
    day_words = _alternatives(raw["days_ago"])
    months_ago = _alternatives(raw["months_ago"])
    return DateWords(
        weekdays=weekdays,
        days_ago={str(k): int(v) for k, v in raw["days_ago"].items()},
        day_with_part=frozenset(raw["day_with_part"]),
        months_ago={str(k): int(v) for k, v in raw["months_ago"].items()},
        day_parts={str(k): int(v) for k, v in raw["day_parts"].items()},
        afternoon_parts=frozenset(raw["afternoon_parts"]),
        today_weekday=re.compile(rf"(?:{today})(?:{links})?(?:{week})({wd})"),
        today_date=re.compile(rf"(?:{today})(?:{links})?(?:(\d{{1,2}})月)?(\d{{1,2}})[号日](?:了)?"),
        onset=re.compile(
            rf"(?:({months_ago})?(\d{{1,2}})月(\d{{1,2}})[号日]|({months_ago})?()(\d{{1,2}})号)"
            rf"(?!{_alternatives(raw['not_a_date_after'])})"
            rf"|({_alternatives(raw['last_week'])})?(?:{week})({wd})"
            rf"|({day_words})"),
        part=re.compile(rf"({parts})?\s*(?:(\d{{1,2}})\s*[点時时])?"),
        part_onset=re.compile(
            "".join(rf"(?<!{re.escape(w)})" for w in raw["part_not_after"])
            + rf"({parts})[^，,。；;！!？?]{{0,8}}?(?:{_alternatives(raw['onset_links'])})?(?:{_alternatives(raw['part_onset'])})"),
        marker_after=re.compile(rf"\s*(?:{_alternatives(raw['onset_links'])})?\s*(?:{_alternatives(raw['onset_after'])})"),
        marker_before=frozenset(raw["onset_before"]),
        day_count=re.compile(rf"{re.escape(raw['day_count_prefix'])}(\d+)(?:{_alternatives(raw['day_count_units'])})"),
    )


def _date(year: int, month: int, mday: int) -> date | None:
    try:
        return date(year, month, mday)
    except ValueError:
        return None


def _month_back(day: date, months: int, mday: int) -> date | None:
    """The date `mday` of the month `months` before `day`'s (None when that month has no such day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return _date(year, month + 1, mday)


def _said_today(clean: str, now: datetime) -> tuple[datetime, str]:
    """The day the patient calls today ("今天22号", "今天12月22号", "今天周二"): `now` moved to it, and the
    text with that phrase taken out (it is no start). The clock's date when none is said."""
    w = date_words()
    if (stated := w.today_weekday.search(clean)) is not None:
        # Round 7 of issue 10: "上周五晚上开始烧的，今天周二了" counts from the weekday the patient calls today
        # (the nearest one: at most three days either way) — the start was said in that frame.
        shift = (w.weekdays[stated.group(1)] - now.weekday()) % 7
        now += timedelta(days=shift - 7 if shift > 3 else shift)
        return now, clean[:stated.start()] + "，" + clean[stated.end():]
    if (stated := w.today_date.search(clean)) is None:
        return now, clean
    rest = clean[:stated.start()] + "，" + clean[stated.end():]
    mday = int(stated.group(2))
    month = int(stated.group(1)) if stated.group(1) else None
    clock = now.date()
    if month is None:
        # The month of a start said with one ("12月21号晚上开始的，今天22号"): that month or the next.
        start = next((m for m in w.onset.finditer(rest) if m.group(2)), None)  # (a month said: group 2)
        if start is not None:
            month = int(start.group(2)) if mday >= int(start.group(3)) else int(start.group(2)) % 12 + 1
    if month is not None:
        candidates = [d for year in (clock.year - 1, clock.year, clock.year + 1) if (d := _date(year, month, mday))]
    else:
        candidates = [d for back in (-1, 0, 1) if (d := _month_back(clock, back, mday))]
    if not candidates:
        return now, rest
    today = min(candidates, key=lambda d: abs((d - clock).days))  # the nearest to the clock's date
    return datetime.combine(today, now.timetz()), rest


def hours_since_onset(text: str, now: datetime | None = None, marker: bool = False) -> float | None:
    """Hours from a said start ("周五", "前天半夜", "昨天中午", "4号") until now, or None.

    A day alone ("昨天") is left to the duration words; a day needs a weekday, a date or a part of
    the day. With `marker`, the start must be said as one ("…开始", "…起", "从…") — for messages that
    are not an answer to "how long?". The patient's own today ("今天22号") wins over the clock's.
    """
    w = date_words()
    now, clean = _said_today(arabic(normal(text)), now or datetime.now(ZONE))
    for match in w.onset.finditer(clean):
        ago_dated, month, mday_dated, ago_alone, _, mday_alone, last, weekday, word = match.groups()
        months_ago, mday = ago_dated or ago_alone, mday_dated or mday_alone
        month = month or None
        part = w.part.match(clean, match.end())
        part_word, clock = (part.group(1), part.group(2)) if part else (None, None)
        if word in w.day_with_part and not part_word:
            part_word = word
        end = part.end() if part else match.end()
        if marker and not (w.marker_after.match(clean[end:end + 4])
                           or clean[max(0, match.start() - 1):match.start()] in w.marker_before):
            continue
        today = now.date()
        if word is not None:
            if not part_word and clock is None:
                continue
            day = today - timedelta(days=w.days_ago[word])
        elif weekday is not None:
            back = (today.weekday() - w.weekdays[weekday]) % 7 or 7
            day = today - timedelta(days=back)
        elif months_ago is not None and month is None:
            # "这个月1号", "上个月28号": the month is said by how far back it is.
            found = _month_back(today, w.months_ago[months_ago], int(mday))
            if found is None:
                continue
            day = found
        else:
            found = _date(today.year, int(month) if month else today.month, int(mday))
            if found is None:
                continue
            day = found
            if day > today:  # "28号" said on the 3rd: last month (or December of last year)
                found = _month_back(today, 1, int(mday)) if month is None else _month_back(day, 12, int(mday))
                if found is None:
                    continue
                day = found
        hour = w.day_parts.get(part_word or "", 12)
        if clock is not None:
            hour = int(clock) % 24
            if part_word in w.afternoon_parts and hour < 12:
                hour += 12
        start = datetime.combine(day, datetime.min.time(), tzinfo=now.tzinfo) + timedelta(hours=hour)
        hours = (now - start).total_seconds() / 3600
        if hours < 0 and day == today:
            start -= timedelta(days=1)  # "半夜" said in the morning: last night
            hours += 24
        if 0 < hours < 24 * 400:
            return round(hours, 1)
    # A part of today alone, said as the start: "中午吃完饭就开始拉" (this noon; last night's if later than now).
    if (alone := w.part_onset.search(clean)) is not None:
        start = datetime.combine(now.date(), datetime.min.time(), tzinfo=now.tzinfo) + timedelta(hours=w.day_parts[alone.group(1)])
        hours = (now - start).total_seconds() / 3600
        return round(hours if hours > 0 else hours + 24, 1)
    return None


def day_count_hours(text: str) -> float | None:
    """"阳了第四天", "烧到第五天了": day N of the illness, read as N days (the safer, longer reading)."""
    found = [int(n) for n in date_words().day_count.findall(arabic(normal(text))) if 0 < int(n) < 400]
    return float(max(found) * 24) if found else None


def hours_from_words(text: str) -> float | None:
    """How long, from an answer to "how long?": a start said as a day and a time, day N of the illness, a
    span with its unit, or a duration word. A start and a day count said together: the longer."""
    said = [h for h in (hours_since_onset(text), day_count_hours(text)) if h is not None]
    if said:
        return max(said)
    clean = arabic(normal(text))
    for pattern, factor in ((_MONTHS, 720.0), (_WEEKS, 168.0), (_DAYS, 24.0), (_HOURS, 1.0)):
        match = pattern.search(clean)
        if match:
            return float(match.group(1)) * factor
    for hours, phrases in words().duration_words:
        if _has(clean, phrases):
            return hours
    return None


@dataclass(frozen=True)
class AnswerContext:
    """What the runner knows about the answer: the NLU's reading and the buttons on screen."""

    text: str
    intent: str
    entities: tuple[Any, ...] = ()  # nlu.Entity
    buttons: tuple[dict[str, str], ...] = ()
    question: str = ""  # the pending question's text, as asked (round 8: what it names)
    ask: str = ""  # the pending question's response key (round 11: a wording's own words, `slot_words`)


def read_answer(spec: SlotSpec, answer: AnswerContext) -> Any:
    """The value the answer gives the slot, `UNKNOWN`, or None when it was not understood."""
    text = answer.text or ""
    if not text.strip():
        return None
    chosen = _button_by_title(spec.name, answer)
    if chosen is not None:
        return chosen
    numbered = _button_by_number(spec, answer)
    if numbered is not None:
        return numbered
    if spec.type == "bool":
        return _read_bool(spec, answer)
    if spec.type in ("float", "int"):
        return _read_number(spec, text)
    if spec.type == "categorical":
        return _read_choice(spec, text)
    if spec.type == "text":
        return text.strip()
    return None


def _read_bool(spec: SlotSpec, answer: AnswerContext) -> Any:
    text = answer.text
    head, _, code = spec.name.partition(".")
    symptom = head == "symptoms"
    if symptom and code in words().combined:
        # One question about several symptoms: any of them named (not denied) is a yes.
        group = words().combined[code]
        if any(e.entity == "symptom" and e.value in group and not e.negated for e in answer.entities):
            return True
    if spec.name in words().own_words_first:
        # Round 3 of issue 10: "想过，连怎么做都想好了" / "想过从楼上跳下去" to the suicidal-thoughts
        # question were read as "好了" (fine) or not at all. Its own words come before anything else.
        said = _longest_of(normal(text), words().slot_words.get(spec.name, {}))
        if said is not None:
            return said
    if symptom:
        # The NLU's reading of the very symptom asked wins: "不咳嗽，但是喘" to "喘吗？" is yes.
        for entity in answer.entities:
            if entity.entity == "symptom" and entity.value == code:
                after = normal(text[entity.end:entity.end + 5])
                if not entity.negated and _has(after, words().fine_after_symptom):
                    return False  # "喘气正常": the symptom named, then said to be fine
                return not entity.negated
    table = words().slot_words.get(answer.ask) or words().slot_words.get(spec.name, {})
    clean = normal(text)
    if _has(clean, table.get("uncertain", ())) and not _has(clean, table.get("no", ())):
        return UNKNOWN  # session seven (fix11b): "可能怀了吧 还没测" to "怀孕了吗？" is not known, not a yes
    threshold = spec.threshold if spec.threshold is not None else table.get("threshold")
    if threshold is not None:
        # Round 8 of issue 10: every number is compared with the question's threshold, before its words
        # ("退下来一点，还是三十八度九" to "still above 38.5?" is yes): the highest counts.
        near = [n for n in numbers_outside_dates(text) if abs(n - threshold) <= 6]
        # Round 10 (tri12): "能降到37度8，药效过了又烧起来" — a low reading the medicine brought, then the fever back:
        # the question's rebound words decide, not the number.
        if near and (max(near) >= threshold or not _has(normal(text), table.get("rebound", ()))):
            return max(near) >= threshold
    if (limits := table.get("blood_pressure")) is not None and _has(clean, words().blood_pressure_words):
        # Round 8 of issue 10: "血压量了一百二十五八十" — a reading below grade 3 is no worsening.
        readings = [n for n in numbers_outside_dates(text) if 30 <= n <= 300]
        if readings:
            return readings[0] >= limits[0] or (len(readings) > 1 and readings[1] >= limits[1])
    described = _described(text, words().described.get(spec.name, ()))
    if described is True:
        return True  # "胸口正中间疼，连着下巴和牙" to "疼到下巴、胳膊吗？" (round 11)
    said = _longest_of(clean, table)
    if said is not None:
        return said
    if described is False:
        return False
    if _has(clean, table.get("not_an_answer", ())):
        return None  # "还没吃" to "吃了退烧药以后还在38.5℃以上吗？": asked again (round 8)
    gate = spec.name in words().unknown_means_no_for
    low, high = words().gate_ranges.get(spec.name, (float("-inf"), float("inf")))
    if gate and any(low <= n <= high for n in numbers_outside_dates(text)) and not says_no(text):
        return True  # "九十七" to "家里有血氧仪吗？": the reading itself says yes
    if is_unknown(text):
        if spec.name in words().unknown_asks_again:
            return None  # "不知道" to "需要转在线医生吗？": asked again with both offered (round 12)
        return False if gate else UNKNOWN
    if symptom and only_vague(clean):
        return None  # "差不多吧" to "肚子疼吗？": neither yes nor no (its 不 is no "no") — asked again, then `unknown` (round 12)
    if spec.name in words().not_about_symptoms and not (plain_yes(clean) or plain_yes_first(text)) and (
            any(e.entity == "symptom" and not e.negated for e in answer.entities) or _symptom_words_in(clean)):
        return None  # "走路才喘" to "家里有血氧仪吗？": about a symptom, not the question (round 8)
    if symptom and starts_about_other_thing(clean, answer.question):
        return None  # "有尿的，就是不太多" to "大便带血吗？": about the urine, not the blood — asked again (round 12)
    if says_no(text):
        # "没有血，就是水" to "按着更疼吗？": only a thing the question does not ask about is denied (round 8).
        return None if denies_other_things(text, answer.question) else False
    strict = spec.name in words().strict
    if symptom:
        if _is_fine(clean):
            return False
        others = {e.value for e in answer.entities if e.entity == "symptom" and not e.negated and e.value != code}
        others |= _symptom_words_in(clean) - {code} - words().combined.get(code, frozenset())
        if others and not (plain_yes(clean) or plain_yes_first(text)):
            # Newcomer trial 3 of issue 10: "咳得厉害，晚上都睡不了" / "主要是咳嗽比较厉害" to "有没有新出的皮疹？"
            # talks about another complaint: that symptom fills its own slot, and the pending question
            # is asked again (then `unknown`) — never a yes read from its 厉害 or from the other symptom.
            return None
        if yes_only_of_named_things(text, answer.entities, code, answer.question):
            # Fix11a: "她有高血压 糖尿病" to "有没有晕倒过，或者人糊涂？" names only other things (conditions, medicines,
            # a time, "有点哭闹"): they fill their own slots, the question is asked again — never a yes from their 有.
            return None
        if strict:
            # A discriminator ("按着更疼吗？") is not answered yes by "疼，肚脐周围" (nor by the NLU's
            # "affirm" for it): only a plain yes — said alone, or first and then explained, as long as
            # the explanation names no other symptom ("有，胸痛" to "疼到左肩吗？" restates the complaint).
            other = any(e.entity == "symptom" and e.value != code and not e.negated for e in answer.entities)
            return True if plain_yes(clean) or (plain_yes_first(text) and not other) else None
        elif _has(clean, words().symptom_yes) or says_yes_emphatic(clean):
            if yes_about_other_thing(clean, answer.question):
                return None  # "有小便，就是量少" to "大便带血吗？": its 有 is the urine's (round 12)
            return True
        # Anything else ("在看书") is not taken for a yes: asked again, then `unknown`.
        return {"affirm": True, "deny": False}.get(answer.intent)
    if strict:
        # "有高血压" to "基础病明显加重了吗？" says nothing about worse: only a plain yes counts. An
        # answer that only names the disease ("慢阻肺十年了", "糖尿病") says no worsening: asking it
        # three times and keeping `unknown` would make a red flag of a disease the patient called stable.
        if spec.name in words().condition_only_means_no and any(
                e.entity == "condition" and not e.negated for e in answer.entities):
            return False
        return True if plain_yes(clean) or plain_yes_first(text) else None
    elif says_yes(text):
        return True
    return {"affirm": True, "deny": False}.get(answer.intent)


@lru_cache(maxsize=1)
def _symptom_terms() -> tuple[tuple[str, str], ...]:
    from nlu.lexicon import load_lexicon  # the NLU's own symptom words (data), read once
    terms = load_lexicon().terms("symptom")
    return tuple(sorted(((normal(t), c) for t, c in terms.items() if len(normal(t)) >= 2), key=lambda tc: -len(tc[0])))


def other_symptoms_said(text: str, asked: str) -> set[str]:
    """The symptoms other than the asked one the answer names by a lexicon word."""
    return _symptom_words_in(normal(text)) - {asked}


def _symptom_words_in(clean: str) -> set[str]:
    """The symptoms a lexicon word of names in the answer, not negated ("主要是咳嗽比较厉害" → cough), for an
    answer whose other complaint the NLU did not tag; "不咳嗽" names none."""
    found: set[str] = set()
    for term, code in _symptom_terms():
        at = clean.find(term)
        if at >= 0 and not _NEGATED_BEFORE.search(clean[max(0, at - 2):at]):
            found.add(code)
            clean = clean.replace(term, _SENTINEL)
    return found


def _longest_of(clean: str, table: dict[str, Any]) -> bool | None:
    """The question's own yes/no words: the longest match wins ("不会褪色" over "会褪色")."""
    best, length = None, 0
    for kind, value in (("yes", True), ("no", False)):
        for phrase in table.get(kind, ()):
            at = clean.find(phrase)
            if at < 0 or len(phrase) <= length:
                continue
            negated = bool(_NEGATED_BEFORE.search(clean[max(0, at - 2):at])
                           or (value and _NEGATED_MODAL.search(clean[max(0, at - 4):at])))
            if negated and not value and not phrase.startswith(_NEGATION_WORDS):
                continue  # "不说话" is not "说话", "不能喝" not "能喝": a negated no phrase says nothing
            # "没有加重" is not "加重": a negation just before a yes phrase turns it into a no.
            best, length = (False if negated and value else value), len(phrase)
    if best is None:
        # Round 8 of issue 10: "吃得少" is a yes only when nothing in the answer says the rest is taken.
        for phrase in table.get("weak_yes", ()):
            at = clean.find(phrase)
            if at >= 0 and not _NEGATED_BEFORE.search(clean[max(0, at - 2):at]):
                return True
    return best


_CLAUSE = re.compile(_WORDS["patterns"]["clause"])


def _described(text: str, found_words: tuple[str, ...]) -> bool | None:
    """Round 11: a yes/no question answered by describing the finding (flows/language/answers.yml `described`):
    a clause naming one of its words ("额头有汗", "连着下巴") is a yes; named with a negation or as fine in
    its clause ("胳膊不疼", "出汗正常") a no; None when no clause names one."""
    if not found_words:
        return None
    said: set[bool] = set()
    for clause in _CLAUSE.split(fold(text)):
        clean = normal(clause)
        if not clean or not _has(clean, found_words):
            continue
        said.add(not (says_no(clean) or _is_fine(clean)))
    return True if True in said else (False if said else None)


def only_vague(clean: str) -> bool:
    """"差不多吧", "一般般吧", "还行吧": the whole answer is a vague word with hedges and fillers (round 12)."""
    if not _has(clean, words().vague):
        return False
    for phrase in words().vague + words().unknown_fillers + words().hedges:
        clean = clean.replace(phrase, "")
    return not clean


def _other_thing_yes(question: str) -> re.Pattern[str] | None:
    asked = normal(question)
    things = [t for t in words().yes_of_other_thing if t not in asked]
    if not things:
        return None
    return re.compile(f"(?:有没有|有|是)[出过了喂在点]{{0,2}}(?:{'|'.join(map(re.escape, things))})")


def starts_about_other_thing(clean: str, question: str) -> bool:
    """"有尿的，就是不太多" / "是前天开始的，拉得挺稀" to "大便带血吗？": the answer opens with the 有 / 是 of another
    thing and names nothing the question asks about (its 血, 疼): what follows is about that thing (round 12)."""
    other = _other_thing_yes(question)
    found = other.match(clean) if other is not None and question else None
    if found is None:
        return False
    asked = normal(question)
    rest = clean[found.end():]
    return not any(w in asked and w in rest for w in words().things + words().pain_named)


def yes_about_other_thing(clean: str, question: str) -> bool:
    """Whether every yes word of the answer is the 有 / 是 of another named thing ("有尿就是少点", "是前天开始的",
    "有吃药") the question does not name: set aside, no yes word is left (round 12)."""
    other = _other_thing_yes(question)
    if other is None:
        return False
    rest, count = other.subn(_SENTINEL, clean)
    if not count:
        return False
    for phrase in words().yes_of_other_connectives:
        rest = rest.replace(phrase, _SENTINEL)
    return not _has(rest, words().symptom_yes)


def yes_only_of_named_things(text: str, entities: tuple[Any, ...], code: str, question: str = "") -> bool:
    """Whether every yes word of the answer belongs to a thing the NLU named other than the asked symptom (a condition,
    a medicine, another symptom, a time): with those entities and the 有 / 是 / 得了 before them set aside
    (answers.yml `patterns.yes_before_named`), no yes word is left (fix11a)."""
    spans = [(e.start, e.end) for e in entities
             if not (e.entity == "symptom" and e.value == code) and isinstance(e.start, int) and e.end > e.start]
    asked = normal(question)
    if asked:
        # "有点哭闹" / "有些咳" to the rash question: a degree word of a thing the question does not name at all.
        for degree in pattern("degree_of_other").finditer(text):
            if not any(ch in asked for ch in degree.group("thing")):
                spans.append(degree.span())
    if not spans or not text:
        return False
    masked = list(text)
    before = pattern("yes_before_named")
    for start, end in sorted(spans):
        for i in range(start, end):
            masked[i] = _SENTINEL
        found = before.search(text[max(0, start - 6):start])
        if found is not None:
            for i in range(max(0, start - 6) + found.start(), start):
                masked[i] = _SENTINEL

    def yes_in(said: str) -> bool:
        return _has(said, words().symptom_yes) or says_yes_emphatic(said) or plain_yes(said)

    return yes_in(normal(text)) and not yes_in(normal("".join(masked)))


_NOT_FINE = re.compile(_WORDS["patterns"]["not_fine"])


def _is_fine(clean: str) -> bool:
    """"精神挺好", "人清楚", "手脚能动": the asked symptom is not there ("不好", "好疼" are not fine)."""
    return _has(_NOT_FINE.sub(_SENTINEL, clean), words().fine)


def says_yes_emphatic(clean: str) -> bool:
    return any(phrase in clean for phrase in words().no_exceptions)


def _read_number(spec: SlotSpec, text: str) -> Any:
    if spec.scale == "pain":
        # Words first where a digit is part of a word ("一般", "一点点疼", "十分疼"); a range
        # ("三四分", "6-7分") takes its upper end (more pain is the safer reading).
        found = [n for n in numbers(pattern("pain_not_numbers").sub("", normal(text))) if 0 <= n <= 10]
        if found:
            ranged = "~" in arabic(normal(text)) or "-" in text or "到" in text
            return max(found[:2]) if ranged else found[0]
        score = pain_from_words(text)
        if score is not None:
            return score
        if not says_no(text) and _has(normal(text), words().pain_named):
            return 5  # pain said without how bad: the middle of the scale, never "mild"
        if _has(normal(text), words().pain_denied) and not _has(normal(text), words().pain_described):
            return 0  # "眼睛红，不疼": no pain
    elif spec.scale == "frequency":
        from bot.frequency import read_frequency  # the mood screen's reading by meaning (owner: psych)

        score = read_frequency(spec.name, text)
        if score is not None:
            return score
        if not _ARABIC.search(text) and not is_unknown(text):
            return None  # round 11: "还跟以前一样" is no score of 1 (a 一 in a word is no number)
    elif spec.scale == "hours":
        hours = hours_from_words(text)
        if hours is not None:
            return hours
    elif spec.scale == "years":
        months = infant_age_months(arabic(normal(text)))
        if months is not None:
            return round(months / 12, 3)
    elif spec.scale == "months":
        clean = arabic(normal(text))
        if "岁" in clean and (found := numbers(text)):
            return found[0] * 12
        months = infant_age_months(clean)
        if months is not None:
            return months  # "四十天", "一个半月", "两个月零二十天" to "宝宝几个月大？"
    if is_unknown(text):
        return UNKNOWN
    if spec.name in _MEASURED and says_no(text) and not numbers(text):
        # "没测", "家里没有", "没有那个仪器" to "血氧多少？": nothing to read — unknown at once, never
        # asked again (the breathing questions stand in for it: actions/triage/decision.py).
        return UNKNOWN
    if spec.name == "weight_kg" and "~" not in arabic(normal(text)) and (weight := weight_said(text)) is not None \
            and spec.coerce(weight[0])[0]:
        return weight[0]  # console8: "十八斤" to the weight question is 9 kg, not 18
    valid = [n for n in numbers_in_own_units(spec.name, text) if spec.coerce(n)[0]]
    if len(valid) >= 2 and "~" in arabic(normal(text)):
        # A range ("三十八九度", "九十五六", "十七八公斤"): the safer end — the lower oxygen, the lower
        # weight (a child's dose), the higher anything else.
        return min(valid[:2]) if spec.name in ("spo2", "weight_kg") else max(valid[:2])
    if len(valid) >= 2 and spec.name in words().lowest_reading | words().highest_reading:
        # Round 8 of issue 10: "早上量95，刚才坐着量变成93了": several readings, the later ones without their unit.
        within = words().reading_within.get(spec.name, float("inf"))
        close = [n for n in valid if abs(n - valid[0]) <= within]
        return min(close) if spec.name in words().lowest_reading else max(close)
    if valid:
        return valid[0]
    if spec.scale == "count" and says_no(text):
        return 0  # "没打过" to "打了几针疫苗？"
    return None


def infant_age_months(clean: str) -> float | None:
    """A baby's age said in months, weeks or days, in months ("一个半月" 1.5, "两个月零二十天" 2.66,
    "刚满42天" 1.38), from text already through `arabic(normal(...))`; None when it says years (岁) or
    no such unit. Parts joined (月 then 零/又 days) add up; the same age said twice ("一个半月，刚满42天")
    gives the younger reading — an infant's age decides the fever rules, and younger is the safer side."""
    if "岁" in clean:
        return None
    month: tuple[float, int] | None = None
    if half := _HALF_MONTHS.search(clean):
        month = (float(half.group(1)) + 0.5, half.end())
    elif whole := _MONTHS.search(clean):
        month = (float(whole.group(1)), whole.end())
    elif "半个月" in clean:
        month = (0.5, clean.index("半个月") + 3)
    readings: list[float] = []
    for match, per_month in ((_WEEKS.search(clean), 4.345), (_DAYS.search(clean), 30.44)):
        if match is None:
            continue
        value = float(match.group(1)) / per_month
        if month is not None and _MONTHS_AND_DAYS.fullmatch(clean[month[1]:match.start()]):
            month = (month[0] + value, match.end())  # "两个月零二十天"
        else:
            readings.append(value)
    if month is not None:
        readings.append(month[0])
    if not readings and "满月" in clean:
        readings.append(1.0)  # round 12: 刚满月 / 快满月 to "宝宝几个月大？" — about a month
    return round(min(readings), 2) if readings else None


def _read_choice(spec: SlotSpec, text: str) -> Any:
    clean = normal(text)
    for value, phrases in spec.choices.items():
        if _has(clean, tuple(normal(p) for p in phrases)):
            return value
    stripped = text.strip()
    if stripped in spec.values:
        return stripped
    if is_unknown(text):
        return UNKNOWN
    return None


_BARE_DIGIT = re.compile(r"^\s*(\d)\s*[.、)）]?\s*$")
# Readings taken with a device at home: a "no" without a number says there is nothing to read.
_MEASURED = frozenset({"spo2", "heart_rate", "respiratory_rate"})

def _button_by_number(spec: SlotSpec, answer: AnswerContext) -> Any:
    """A bare digit to a how-often question is the number of the button as a channel shows it
    (WeChat and the terminal number the buttons 1–4; the scores are 0–3 and no title shows them):
    "2" is the second button, "有几天" (1). "0" is not a button number: it stays "完全没有"."""
    if spec.scale != "frequency" or not answer.buttons:
        return None
    match = _BARE_DIGIT.match(answer.text or "")
    if not match or not 1 <= int(match.group(1)) <= len(answer.buttons):
        return None
    return _payload_value(spec.name, answer.buttons[int(match.group(1)) - 1])


def _payload_value(slot: str, button: dict[str, str]) -> Any:
    payload = str(button.get("payload", ""))
    _, _, body = payload.partition("{")
    try:
        slots = json.loads("{" + body) if body else {}
    except json.JSONDecodeError:
        return None
    return slots.get(slot) if isinstance(slots, dict) else None


_NEGATION_CHARS: frozenset[str] = frozenset(_WORDS["words"]["negation_chars"])
_NEGATION_WORDS: tuple[str, ...] = tuple(_WORDS["words"]["negation_words"])


def _negations(text: str) -> frozenset[str]:
    return frozenset(c for c in text if c in _NEGATION_CHARS)


def _button_by_title(slot: str, answer: AnswerContext) -> Any:
    """A button's title typed out, or a near-copy of it ("休息的时候也喘" for "是，休息时也喘")."""
    said = normal(answer.text)
    numeric = bool(_NUMERIC_ANSWER.match(said))  # "38.6" is a reading, not a near-copy of "38℃"
    best, best_score = None, 0.0
    for button in answer.buttons:
        title = normal(button.get("title", ""))
        if not title or not said:
            continue
        if said == title:
            score = 1.0
        elif numeric:
            continue
        elif _negations(said) != _negations(title):
            continue  # "没有加重" is no near-copy of "有加重": a negation said or left out reverses the title
        else:
            common = sum(min(said.count(c), title.count(c)) for c in set(title))
            score = common / max(len(title), len(said))
        if score > best_score:
            best, best_score = button, score
    if best is None or best_score < 0.6:
        return None
    return _payload_value(slot, best)
