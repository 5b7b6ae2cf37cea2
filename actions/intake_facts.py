"""Facts in a patient's words that the NLU does not read: exposures, general-medicine discriminators.

The table is data (actions/intake_facts.yml). The `intake_facts` interceptor (actions/intake.py)
reads every typed message with it before the safety screen, so "吃了一整瓶安眠药" or "腿肿，上周刚做完手术" count at once, in an opening as
in an answer to any question. It only adds: a fact already known stays, except that a symptom
may turn from denied to present (news that can only raise the level).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Collection

from nlu.yaml_files import load_yaml, words_beside

from bot.answers import arabic, fold, hours_since_onset

FACTS_FILE = Path(__file__).with_name("intake_facts.yml")
# "头不疼", "没拉血": a negation inside the matched words denies them.
# Round 9 (tri11): "不会麻", "没觉得麻" (会 / 觉得 / 感觉 between the negation and the finding).
# Round 13 (tri16): "按着不喊疼", "摸着不叫疼", "按了也不说疼" (a child who does not cry out is not tender).
_WORDS: dict[str, Any] = words_beside(__file__)
_INNER_NEGATION = re.compile(_WORDS["patterns"]["inner_negation"])


@dataclass(frozen=True)
class FactPattern:
    slot: str
    value: Any
    patterns: tuple[re.Pattern[str], ...]
    negation_inside: bool = True  # whether a negation inside the match denies it
    unless: re.Pattern[str] | None = None  # a message this matches does not carry the fact (round 8)
    # Whether a negation just before the match denies it. False for a fact whose words are a negation themselves
    # ("叫不醒没有呼吸了": the 不 of 叫不醒 must not deny the not-breathing; newcomer trial 12).
    negation_before: bool = True
    # Newcomer trial 13 (talk8): what the conversation already knows decides the reading ("说话有点费劲" is the breath
    # of someone breathless, the speech of anyone else). `if_known`: read only when one of these slots is true;
    # `unless_known`: not read when one of them is true.
    if_known: tuple[str, ...] = ()
    unless_known: tuple[str, ...] = ()


@dataclass(frozen=True)
class FactTable:
    negation: re.Pattern[str]
    facts: tuple[FactPattern, ...]
    spo2_again: re.Pattern[str]
    fever_spans: tuple[re.Pattern[str], ...] = ()  # how long the fever itself lasted (round 11)
    supposed: re.Pattern[str] | None = None  # 要是/如果/万一 … to the clause's end: supposed, not had
    supposed_kept: frozenset[str] = frozenset()  # slots read all the same (a wish of one's own death, an ingestion)
    negation_after: re.Pattern[str] | None = None  # "疹子没有": a denial said after the finding, to its clause's end
    inner_negation: re.Pattern[str] = _INNER_NEGATION  # round 14 (tri17): the data file's own (Minnan 无 / 袂)


@lru_cache(maxsize=1)
def fact_table(path: Path = FACTS_FILE) -> FactTable:
    raw = load_yaml(path.read_text(encoding="utf-8"))
    return FactTable(
        negation=re.compile(raw["negation"]),
        spo2_again=re.compile(raw["spo2_again"]),
        fever_spans=tuple(re.compile(p) for p in raw.get("fever_spans") or ()),
        supposed=re.compile(raw["supposed"]) if raw.get("supposed") else None,
        supposed_kept=frozenset(raw.get("supposed_kept") or ()),
        negation_after=re.compile(raw["negation_after"]) if raw.get("negation_after") else None,
        inner_negation=re.compile(raw["inner_negation"]) if raw.get("inner_negation") else _INNER_NEGATION,
        facts=tuple(
            FactPattern(f["slot"], f["value"], tuple(re.compile(p) for p in f["patterns"]), f.get("negation_inside", True),
                        re.compile(f["unless"]) if f.get("unless") else None, f.get("negation_before", True),
                        tuple(f.get("if_known") or ()), tuple(f.get("unless_known") or ()))
            for f in raw["facts"]
        ),
    )


# "发烧一个多礼拜了", "疼了好几个星期了", "咳了半个月了": how long, said as a span that has lasted
# ("…了" / "…以来"), so that "一天比一天大" or "3天前" are not read as one. The intake asks how long
# only when nobody said it (docs/intake.md: never ask what is known).
_DURATION = re.compile(_WORDS["patterns"]["duration"])
_DURATION_HOURS: dict[str, float] = dict(_WORDS["words"]["duration_hours"])


# Round 9 (tri11): a whole week said as the span of the illness ("这个礼拜天天发烧", "一整个星期都在烧", "这一周以来"):
# a week (triage-criteria.md: "a week of daily fever getting worse"). Not "这周五开始" (a day) nor "礼拜天" (Sunday).
_WEEK_SPAN = re.compile(_WORDS["patterns"]["week_span"])
_NOT_THE_ILLNESS_BEFORE = re.compile(_WORDS["patterns"]["not_the_illness_before"])  # 怀孕30周了, 宝宝3个月了


def read_duration(text: str) -> float | None:
    """Hours of a duration said as a lasting span, or None. "好几"/"几" hours or weeks count as 2; days, none."""
    clean = arabic(fold(text))
    if _WEEK_SPAN.search(clean) and not _DURATION.search(clean):
        return 168.0
    match = _DURATION.search(clean)
    # "怀孕30周了", "孕28周了", "宝宝3个月了": a pregnancy's weeks or a baby's age, not how long the illness lasted.
    while match and _NOT_THE_ILLNESS_BEFORE.search(clean[max(0, match.start() - 3):match.start()]):
        match = _DURATION.search(clean, match.end())
    if not match:
        # Round 6 of issue 10: a start said as a day and a time ("周五开始烧的", "从昨天中午", "中午吃完饭就开始拉").
        return hours_since_onset(text, marker=True)
    if match.group(1) in ("好几", "几") and match.group(3) in ("天", "日"):
        # Round 7 of issue 10: "阳了好几天了" is no number of days — read as two it closed the question that
        # decides "above 38.5 ℃ for more than 3 days" (the budget saw it answered). Left open, "how long?"
        # is asked; "好几天" said to that question still reads as two days (answers.yml duration_words).
        # "好几个星期" stays two weeks: a lower bound already past every threshold counted in days.
        return hours_since_onset(text, marker=True)  # "好几天了，周五开始的": the start still counts
    amount = {"半": 0.5, "好几": 2.0, "几": 2.0}.get(match.group(1))
    value = amount if amount is not None else float(match.group(1))
    return value * _DURATION_HOURS[match.group(3)]


_ONSET_DAYS: dict[str, int] = dict(_WORDS["words"]["onset_days"])
_SPAN_HOURS: dict[str, float] = dict(_WORDS["words"]["span_hours"])


def read_fever_hours(text: str) -> float | None:
    """How long the fever itself has lasted, when the message says so apart from the illness (round 11), or None."""
    clean = arabic(fold(text))
    for pattern in fact_table().fever_spans:
        match = pattern.search(clean)
        if not match:
            continue
        found = match.groupdict()
        if found.get("onset"):
            return 24.0 * _ONSET_DAYS[found["onset"]]
        count = 0.5 if found.get("n") == "半" else float(found.get("n") or 0)
        if count > 0:
            return count * _SPAN_HOURS[found.get("unit") or "天"]
    return None


# A blood pressure said as numbers ("180/110", "高压190", "血压一百八十多"). The triage criteria give no
# blood-pressure threshold of their own; their line is the COVID home guide's "an underlying disease
# clearly worsening and not controllable" (rule chronic.underlying_worsening, urgent). A reading at
# grade 3 — systolic ≥ 180 or diastolic ≥ 110 mmHg (《中国高血压防治指南（2018年修订版）》: 3级高血压;
# ≥180/110 without organ damage is 高血压亚急症, to be seen and lowered within 24–48 h) — is read as
# that: hypertension, not controlled. Lower readings say nothing either way.
_BP_PAIR = re.compile(_WORDS["patterns"]["bp_pair"])
_BP_ONE = re.compile(_WORDS["patterns"]["bp_one"])
_BP_LOW = re.compile(_WORDS["patterns"]["bp_low"])


def read_blood_pressure_out_of_control(text: str) -> bool:
    """A systolic ≥ 180 or diastolic ≥ 110 mmHg reading in the message (never a temperature or a count)."""
    clean = arabic(fold(text)).replace(" ", "")
    for high, low in _BP_PAIR.findall(clean):
        if 70 <= int(high) <= 300 and 30 <= int(low) <= 200 and int(high) > int(low) and (int(high) >= 180 or int(low) >= 110):
            return True
    if any(180 <= int(v) <= 300 for v in _BP_ONE.findall(clean)):
        return True
    return any(110 <= int(v) <= 200 for v in _BP_LOW.findall(clean))


# An oxygen reading said anywhere ("血氧九十七八", "夹了一下才92", "饱和度95%"): the lower end of a range
# (the safer reading). The NLU reads the plain forms; this fills the SpO2 only while it is unknown.
_SPO2 = re.compile(_WORDS["patterns"]["spo2"])


# Round 7 of issue 10: several readings said at once ("血氧94，一会儿又93", "九十五，最低到过九十二"): the
# lowest counts (NHS oximetry: act on the lowest resting reading; 10th edition: SpO2 ≤ 93 % is severe).
# The words that bring a later reading are data (intake_facts.yml `spo2_again`).


def read_spo2(text: str) -> float | None:
    digits = arabic(fold(text))
    match = _SPO2.search(digits)
    if not match:
        return None
    value = float(match.group(1))
    if not 50 <= value <= 100:
        return None
    sentence = re.split(r"[。！!？?；;]", digits[match.end():], maxsplit=1)[0]
    later = [float(m.group(1)) for m in fact_table().spo2_again.finditer(sentence)]
    return min([value] + [v for v in later if 70 <= v <= 100 and abs(v - value) <= 10])


# Words with a negation character that deny nothing that follows ("活着真没意思 药我都攒好了": the
# plan is said, not denied — round 3 of issue 10); and a negation never reaches across a clause.
_NOT_A_DENIAL = re.compile(_WORDS["patterns"]["not_a_denial"])
_CLAUSE = re.compile(r"[，。,；;！!？?\s]")


_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")
_CLAUSES = re.compile(r"[，。,；;！!？?]")
_NOT_THE_PATIENT = re.compile(_WORDS["patterns"]["not_the_patient"])


def _window(clean: str, start: int) -> str:
    before = clean[max(0, start - 9):start]
    parts = _CLAUSE.split(before)
    return _NOT_A_DENIAL.sub("", parts[-1] if parts else before)


_CLAUSE_END = re.compile(r"[，。,；;！!？?…~～]")


def _suppose(text: str, supposing: re.Pattern[str]) -> str:
    """`text` with every stretch from a supposing word to its clause's end turned into commas (the same length)."""
    out, at = [], 0
    for m in supposing.finditer(text):
        if m.start() < at:
            continue
        end = _CLAUSE_END.search(text, m.end())
        stop = end.start() if end else len(text)
        out.append(text[at:m.start()] + "，" * (stop - m.start()))
        at = stop
    return "".join(out) + text[at:]


def _denied(table: FactTable, fact: FactPattern, clean: str, match: re.Match[str]) -> bool:
    return (fact.negation_before and bool(table.negation.search(_window(clean, match.start())))) or (
        fact.negation_inside and bool(table.inner_negation.search(match.group(0)))) or (
        fact.negation_inside and table.negation_after is not None
        and bool(table.negation_after.match(clean, match.end())))


def slots_known_by_facts() -> frozenset[str]:
    """The slots the facts' `if_known` / `unless_known` name (the caller says which of them are true)."""
    return frozenset(name for f in fact_table().facts for name in (*f.if_known, *f.unless_known))


def read_facts(text: str, known: Collection[str] = ()) -> dict[str, Any]:
    """Every slot the table reads in `text` (a negated yes/no fact reads as its opposite); `known`: the slots
    already true in the conversation (a fact's `if_known` / `unless_known`)."""
    table = fact_table()
    # A news story, a joke or a video is not the patient (round 3 of issue 10): such clauses are not read.
    # A space between two Chinese words is a phone's comma ("吃了泰诺林还不退 能不能再加个感冒药"): kept as one,
    # so a negation of one clause never reaches the next once the spaces are folded away (round 8).
    text = _CJK_SPACE.sub("，", text)
    text = "，".join(c for c in _CLAUSES.split(text) if not _NOT_THE_PATIENT.search(c))
    # Both spellings of the numbers: "一串水泡" as written, "吃了20片" with digits.
    folded = fold(text)
    digits = arabic(folded)
    views = (folded, digits) if digits != folded else (folded,)  # the same text twice finds nothing more
    # Newcomer trial 6: "我要是叫不醒怎么办…哈哈 没有" supposes, it does not report: from a supposing word to the end of
    # its clause nothing is read as a symptom the patient has (the NLU drops the same mentions: negation.yml conditional).
    supposed = views
    if table.supposed is not None:
        kept = _suppose(folded, table.supposed)  # before the digits: 万一 is no 万1
        supposed = (kept, arabic(kept)) if len(views) > 1 else (kept,)
    found: dict[str, Any] = {}
    if (hours := read_duration(text)) is not None:
        found["duration_hours"] = hours
    if (fever_hours := read_fever_hours(text)) is not None:
        found["fever_hours"] = fever_hours
    if (spo2 := read_spo2(text)) is not None:
        found["spo2"] = spo2
    if read_blood_pressure_out_of_control(text):
        found["underlying_worsening"] = True
        found["conditions.hypertension"] = True
    # perf9: plain loops (a generator and `next` a pattern were most of this function's time on a message
    # that names no fact); the same searches in the same order.
    kept_slots = table.supposed_kept
    for fact in table.facts:
        if fact.unless is not None and any(fact.unless.search(v) for v in views):
            continue
        if (fact.if_known and not set(fact.if_known) & set(known)) or set(fact.unless_known) & set(known):
            continue
        read = supposed if fact.slot.startswith("symptoms.") and fact.slot not in kept_slots else views
        for pattern in fact.patterns:
            match = None
            for clean in read:
                match = pattern.search(clean)
                if match is not None:
                    break
            if match is None:
                continue
            negated = _denied(table, fact, clean, match)
            if negated and isinstance(fact.value, bool):
                # Round 13 (tri16): "按着不疼，一走路就疼": a later mention of the same finding that is not denied wins.
                match = next((m for m in pattern.finditer(clean, match.end()) if not _denied(table, fact, clean, m)), match)
                negated = _denied(table, fact, clean, match)
            if negated and not isinstance(fact.value, bool) and fact.slot != "subject":
                continue  # "鼻子没有一张一张的": a denied sign sets no severity (round 9, tri11)
            value = (not fact.value) if negated and isinstance(fact.value, bool) else fact.value
            # A present reading anywhere in the message wins over a denied one.
            if found.get(fact.slot) is not True:
                found[fact.slot] = value
            if value is True:
                break
    return found
