"""A button's title typed on a text channel acts as the button: "和心理医生聊聊" after the crisis reply.

The engine reads every message against the buttons the bot just showed (`state.last_buttons`) before the
NLU, on every channel. Buttons answering the pending question (`/inform{...}`) are left to the answer
reading (bot/answers.py), which knows the question; this is for the others. Words: flows/language/buttons.yml.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlu.yaml_files import load_yaml

from bot.answers import normal

BUTTONS_FILE = Path(__file__).resolve().parents[1] / "flows" / "language" / "buttons.yml"
ANSWER_PAYLOAD = "/inform"


@lru_cache(maxsize=1)
def _words(path: Path = BUTTONS_FILE) -> tuple[float, int, frozenset[str]]:
    raw: dict[str, Any] = load_yaml(path.read_text(encoding="utf-8")) or {}
    return float(raw["near_copy"]), int(raw["min_title"]), frozenset(str(raw["negation_chars"]))


@lru_cache(maxsize=1)
def _transfer(path: Path = BUTTONS_FILE) -> tuple[tuple[str, ...], tuple[str, ...]]:
    raw: dict[str, Any] = load_yaml(path.read_text(encoding="utf-8")) or {}
    return tuple(raw.get("transfer_titles") or ()), tuple(raw.get("transfer_words") or ())


def _names_the_department(said: str, title: str, negations: frozenset[str]) -> bool:
    """"那就转到全科医生吧" chooses the button "转全科": the department named with a word of moving to it."""
    prefixes, verbs = _transfer()
    prefix = next((p for p in prefixes if title.startswith(p)), None)
    if prefix is None or any(c in negations for c in said):
        return False
    name = title[len(prefix):]
    rest = said.replace(name, "")
    return len(name) >= 2 and name in said and any(v in rest for v in verbs)


def _likeness(said: str, title: str, negations: frozenset[str]) -> float:
    if said == title:
        return 1.0
    if {c for c in said if c in negations} != {c for c in title if c in negations}:
        return 0.0  # "不用和心理医生聊" reverses the title
    common = sum(min(said.count(c), title.count(c)) for c in set(title))
    return common / max(len(title), len(said))


def button_for_title(buttons: list[dict[str, str]], text: str) -> str | None:
    """The payload of the button whose title `text` is (or nearly is), among buttons that are not answers."""
    said = normal(text)
    if not said:
        return None
    threshold, min_title, negations = _words()
    best, best_score = None, 0.0
    for button in buttons:
        payload, title = str(button.get("payload") or ""), normal(str(button.get("title") or ""))
        if not payload or not title or payload.startswith(ANSWER_PAYLOAD):
            continue
        score = _likeness(said, title, negations) if len(title) >= min_title else float(said == title)
        if _names_the_department(said, title, negations):
            score = 1.0
        if score > best_score:
            best, best_score = payload, score
    return best if best is not None and best_score >= threshold else None


@lru_cache(maxsize=1)
def _ordinals(path: Path = BUTTONS_FILE) -> dict[str, Any]:
    raw: dict[str, Any] = (load_yaml(path.read_text(encoding="utf-8")) or {})["ordinals"]
    return {"fillers": sorted((str(f) for f in raw["fillers"]), key=len, reverse=True),
            "first": frozenset(map(str, raw["first"])), "last": frozenset(map(str, raw["last"])),
            "numbered": re.compile(str(raw["numbered"])), "numerals": {str(k): int(v) for k, v in raw["numerals"].items()}}


def ordinal_index(text: str, count: int) -> int | None:
    """The 0-based place in a list of `count` choices that `text` names by its order — 第一个, 头一个, 第二个, 最后一个
    (flows/language/buttons.yml `ordinals`; newcomer trial 12) — or None."""
    words = _ordinals()
    said = text.strip()
    for filler in words["fillers"]:
        said = said.replace(filler, "")
    said = said.strip()
    if not said or count < 1:
        return None
    if said in words["first"]:
        return 0
    if said in words["last"]:
        return count - 1
    match = words["numbered"].match(said)
    if match:
        n = words["numerals"].get(match.group(1)) or (int(match.group(1)) if match.group(1).isdigit() else 0)
        return n - 1 if 1 <= n <= count else None
    return None
