"""Reading an answer to a how-often question of the mood screen (PHQ-2 / GAD-2 items, `scale: frequency`)
by meaning: days said, a score, how-often words, the item's own words denied or affirmed.

The words and the order they are read in are data: flows/language/frequency.yml (its header is the
specification). A denial or hedge of the item ("不怎么担心") is 0; what the answer says about something
else ("就是想她" to the worry item) does not count as the item; nothing read is `None` (asked again).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from nlu.yaml_files import load_yaml

from bot.answers import arabic, fold, normal

FREQUENCY_FILE = Path(__file__).resolve().parents[1] / "flows" / "language" / "frequency.yml"
_CLAUSES = re.compile(r"[,，。.!！?？;；、\s]+")
_DAYS = re.compile(r"(\d+)(?:~(\d+))?(?:来|多)?个?(?:天|日)")
_BARE_SCORE = re.compile(r"^([0-3])分?$")
DAYS_IN_SCREEN = 14  # the question asks about the past two weeks


@dataclass(frozen=True)
class FrequencyWords:
    ranks: tuple[tuple[int, tuple[str, ...]], ...]
    negators: tuple[str, ...]
    windows: tuple[tuple[int, tuple[str, ...]], ...]
    items: dict[str, tuple[str, ...]]
    hedges: tuple[str, ...]
    plain_no: tuple[str, ...]
    clause_no: tuple[str, ...]
    item_no: dict[str, tuple[str, ...]]
    described: dict[str, re.Pattern[str]]
    past_markers: tuple[str, ...]
    present_markers: tuple[str, ...]


@lru_cache(maxsize=1)
def frequency_words(path: Path = FREQUENCY_FILE) -> FrequencyWords:
    raw = load_yaml(path.read_text(encoding="utf-8"))

    def longest_first(values: list[str]) -> tuple[str, ...]:
        return tuple(sorted((normal(v) for v in values), key=len, reverse=True))

    return FrequencyWords(
        ranks=tuple((int(k), longest_first(v)) for k, v in raw["ranks"].items()),
        negators=longest_first(raw["negators"]),
        windows=tuple((int(k), longest_first(v)) for k, v in raw["windows"].items()),
        items={k: longest_first(v) for k, v in raw["items"].items()},
        hedges=longest_first(raw["hedges"]),
        plain_no=longest_first(raw["plain_no"]),
        clause_no=longest_first(raw["clause_no"]),
        item_no={k: longest_first(v) for k, v in (raw.get("item_no") or {}).items()},
        described={k: re.compile(v) for k, v in (raw.get("described") or {}).items()},
        past_markers=longest_first(raw.get("past_markers") or []),
        present_markers=longest_first(raw.get("present_markers") or []),
    )


def _occurrences(text: str, phrases: tuple[str, ...]) -> list[tuple[int, str]]:
    """Where each phrase occurs, longest phrases first; a shorter one inside a longer match is not counted."""
    taken: set[int] = set()
    found: list[tuple[int, str]] = []
    for phrase in phrases:
        for match in re.finditer(re.escape(phrase), text):
            span = set(range(match.start(), match.end()))
            if not span & taken:
                taken |= span
                found.append((match.start(), phrase))
    return found


def _item_state(clause: str, item: str) -> str | None:
    """"yes" (the item affirmed), "no" (denied or hedged) or None (not spoken of) in one clause."""
    w = frequency_words()
    states = set()
    item_no = w.item_no.get(item, ())
    for start, phrase in _occurrences(clause, tuple(sorted(w.items.get(item, ()) + item_no, key=len, reverse=True))):
        before = clause[:start]
        states.add("no" if before.endswith(w.hedges) or phrase in item_no else "yes")
    if "yes" in states:
        return "yes"
    if "no" in states or any(p in clause for p in w.clause_no):
        return "no"
    return None


def _days(clean: str) -> int | None:
    """The score for a number of days said ("两周里有五六天" → 6 of 14 → 1)."""
    digits = arabic(clean)
    match = _DAYS.search(digits)
    if not match:
        return None
    days = int(match.group(2) or match.group(1))
    window = next((n for n, phrases in frequency_words().windows if any(p in clean for p in phrases)), DAYS_IN_SCREEN)
    share = days / window
    if days == 0:
        return 0
    if share <= 0.5:
        return 1
    return 2 if share < 12 / 14 else 3


def _in_the_past(before: str) -> bool:
    """Whether the words before a how-often word in its clause speak of the past ("以前天天", "原来每天") and not of
    now again ("以前爱下棋，现在天天躺着" is now)."""
    w = frequency_words()
    past = max((before.rfind(p) for p in w.past_markers), default=-1)
    now = max((before.rfind(p) for p in w.present_markers), default=-1)
    return past >= 0 and past > now


def _how_often(clauses: list[str], item: str) -> int | None:
    """The highest how-often word said (a negated one one step lower), leaving out clauses that deny the item."""
    w = frequency_words()
    plain: list[int] = []
    negated: list[int] = []
    for clause in clauses:
        if _item_state(clause, item) == "no":
            continue
        phrases = tuple(p for _, ps in w.ranks for p in ps)
        rank_of = {p: r for r, ps in w.ranks for p in ps}
        for start, phrase in _occurrences(clause, tuple(sorted(phrases, key=len, reverse=True))):
            if _in_the_past(clause[:start]):
                continue  # round 11: "以前天天下棋" says how often it used to be done
            rank = rank_of[phrase]
            if rank and clause[:start].endswith(w.negators):
                negated.append(rank - 1)
            else:
                plain.append(rank)
    if plain:
        return max(plain)
    return max(negated) if negated else None


def read_frequency(item: str, text: str) -> int | None:
    """The 0–3 score of an answer to the how-often item `item` (a slot name), or None when not read."""
    w = frequency_words()
    clean = normal(text)
    if not clean:
        return None
    clauses = [normal(c) for c in _CLAUSES.split(fold(text)) if normal(c)]
    never = any(p in clean for p in dict(w.ranks).get(0, ()))
    if not never and (days := _days(clean)) is not None:
        return days
    if bare := _BARE_SCORE.match(arabic(clean)):
        return int(bare.group(1))
    how_often = _how_often(clauses, item)
    if how_often is not None:
        return how_often
    states = {_item_state(clause, item) for clause in clauses}
    if (described := w.described.get(item)) is not None and described.search(clean):
        states.add("yes")  # round 11: "以前爱下棋，现在不去了" — an interest lost, described
    if "yes" in states:
        return 2  # the item affirmed without how often: "more than half the days", never "not at all"
    if "no" in states:
        return 0
    if any(p in clean for p in w.plain_no):
        return 0
    return None
