"""A red-flag symptom named in a question counts for safety (session seven, talk7a).

"吐血了怎么办", "抽搐怎么处理", "黑便要紧吗": the NLU reports a symptom named in a general question marked `asked`
(nobody's), and the NLU's intent is a question (home care, when to go to hospital). An ordinary symptom stays a
question; a red flag (flows/language/red_flag_questions.yml `codes`) is read as happening: kept as a fact for the
safety screen, and the question becomes a report, so the intake's red-flag questions run instead of an article.
A question about a topic (什么症状, 怎么区分, 怎么预防) is left as it is.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from nlu import ParseResult
from nlu.yaml_files import load_yaml

RED_FLAG_QUESTIONS_FILE = Path(__file__).resolve().parents[1] / "flows" / "language" / "red_flag_questions.yml"


@dataclass(frozen=True)
class RedFlagQuestions:
    codes: frozenset[str]
    topic: re.Pattern[str]
    question: re.Pattern[str]
    question_intents: frozenset[str]


@lru_cache(maxsize=2)
def red_flag_questions(path: Path = RED_FLAG_QUESTIONS_FILE) -> RedFlagQuestions:
    raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    return RedFlagQuestions(
        codes=frozenset(str(c) for c in raw.get("codes") or ()),
        topic=re.compile(str(raw["topic"])),
        question=re.compile(str(raw["question"])),
        question_intents=frozenset(str(i) for i in raw.get("question_intents") or ()),
    )


def red_flags_named(parse: ParseResult) -> list[str]:
    """The red-flag symptom codes the parse names as present (asked or not), in order."""
    codes = red_flag_questions().codes
    return [str(e.value) for e in parse.entities
            if e.entity == "symptom" and not e.negated and str(e.value) in codes]


def keep_red_flags(parse: ParseResult) -> ParseResult:
    """The parse with the `asked` mark taken off every symptom of a question that names a red flag (not a topic
    question): the engine then reads them as facts, as it reads "吐血了怎么办"."""
    if not any(e.asked for e in parse.entities):
        return parse
    if not any(e.asked and e.entity == "symptom" and str(e.value) in red_flag_questions().codes and not e.negated
               for e in parse.entities):
        return parse
    if red_flag_questions().topic.search(parse.text or ""):
        return parse
    return replace(parse, entities=[replace(e, asked=False) if e.asked else e for e in parse.entities])


def is_red_flag_question(parse: ParseResult, text: str) -> bool:
    """A question (its words, not a topic question) naming a red flag as present."""
    rq = red_flag_questions()
    return bool(text) and bool(red_flags_named(parse)) and bool(rq.question.search(text.strip())) \
        and not rq.topic.search(text)
