"""Readings in a patient's typed Chinese: "今天早上血氧95，体温37度8", "血压一百五九十五", "空腹血糖8.6".

Temperature, SpO2, heart rate and respiratory rate come from the NLU's entities (already read, and
not taken when denied or asked about). Blood pressure is read by the NLU's own reader (`nlu/blood_pressure.py`,
the parse result's `blood_pressure` entity), here on the NLU's numeric view of the text so that every
reading of the message is found ("一百五九十五" is 150 over 95). Blood glucose has no NLU entity: it is read here.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from nlu.blood_pressure import NOT_A_VALUE, QUESTION, read_blood_pressure
from nlu.text import normalise, numeric_view
from nlu.yaml_files import words_beside

from bot.monitoring.measures import MEASURES
from bot.monitoring.when import clause_times, time_at

ENTITY_MEASURES = ("temperature", "spo2", "heart_rate", "respiratory_rate")

_WORDS: dict[str, Any] = words_beside(__file__)
_GLUCOSE = re.compile(_WORDS["patterns"]["glucose"])
# A number that counts time or times, not a value: "血糖高十几年了", "血糖高了两年" (the NLU's, shared with blood pressure).
_NOT_A_VALUE = NOT_A_VALUE
_GLUCOSE_CONTEXT: dict[str, str] = dict(_WORDS["words"]["glucose_context"])
# A question that names a blood pressure or glucose reading but gives no number reads nothing.
_READING_WORDS: tuple[str, ...] = tuple(_WORDS["words"]["reading_words"])
_AFTER_MEAL: tuple[str, ...] = tuple(_WORDS["words"]["after_meal"])  # 餐后2小时: postprandial
_QUESTION = QUESTION


@dataclass(frozen=True)
class Found:
    """One value read from a message."""

    measure: str
    value: float
    context: str = ""  # glucose: fasting | postprandial | bedtime | random
    start: int = 0  # where in the message it was said (offset into the original text)
    taken_at: dt.datetime | None = None  # when the message says it was taken (bot/monitoring/when.py)


def _blood_pressure(text: str) -> list[Found]:
    """Every blood pressure said, each with its place in `text` (the NLU's reader, nlu/blood_pressure.py)."""
    out: list[Found] = []
    for bp in read_blood_pressure(text):
        out.append(Found("sbp", bp.systolic, start=bp.start))
        if bp.diastolic is not None:
            out.append(Found("dbp", bp.diastolic, start=bp.start))
    return out


def _glucose(text: str) -> list[Found]:
    out = []
    for m in _GLUCOSE.finditer(text):
        if _NOT_A_VALUE.match(text, m.end(2)):
            continue
        value = float(m.group(2).replace("点", "."))  # "血糖8点6" is 8.6
        if m.group(3):  # mg/dL, as some meters show it
            value = round(value / 18.0, 1)
        prefix = (m.group(1) or "").replace(" ", "")
        context = "postprandial" if prefix.startswith(_AFTER_MEAL) else _GLUCOSE_CONTEXT.get(prefix, "")
        if MEASURES["glucose"].plausible(value):
            out.append(Found("glucose", value, context, start=m.start()))
    return out


def read_readings(text: str, entities: Iterable[Any], now: dt.datetime | None = None,
                  zone: ZoneInfo | None = None) -> list[Found]:
    """Every reading a typed message gives, NLU entities first; a question about a value gives none.

    With `now` and `zone`, each reading takes the time its clause names ("昨晚体温38度5，今天早上37度8":
    two temperatures at two times, bot/monitoring/when.py); one reading per measure and time. Without
    them, or when the message names no time, one reading per measure, taken when it was sent."""
    times = clause_times(text, now, zone) if now is not None and zone is not None else []

    def when(start: int) -> dt.datetime | None:
        return time_at(times, start) if times else None

    found: list[Found] = []
    seen: set[tuple[str, dt.datetime | None]] = set()
    for entity in entities:
        name = getattr(entity, "entity", None)
        value = getattr(entity, "value", None)
        if name not in ENTITY_MEASURES or getattr(entity, "negated", None):
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or not MEASURES[name].plausible(float(value)):
            continue
        start = int(getattr(entity, "start", 0) or 0)
        at = when(start)
        if (name, at) in seen or (not times and any(m == name for m, _ in seen)):
            continue
        found.append(Found(name, float(value), start=start, taken_at=at))
        seen.add((name, at))
    mapped = numeric_view(normalise(text))
    view = mapped.text.lower()
    if any(word in view for word in _READING_WORDS):
        if _QUESTION.search(view) and not re.search(r"\d", view):
            return found
        for extra in (*_blood_pressure(view), *_glucose(view)):
            start = mapped.starts[extra.start] if extra.start < len(mapped.starts) else 0
            at = when(start)
            if (extra.measure, at) in seen or (not times and any(m == extra.measure for m, _ in seen)):
                continue
            found.append(replace(extra, start=start, taken_at=at))
            seen.add((extra.measure, at))
    return found
