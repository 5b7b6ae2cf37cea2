"""Readings in a patient's typed Chinese: "今天早上血氧95，体温37度8", "血压一百五九十五", "空腹血糖8.6".

Temperature, SpO2, heart rate and respiratory rate come from the NLU's entities (already read, and
not taken when denied or asked about). Blood pressure and blood glucose have no NLU entity: they are
read here, on the NLU's numeric view of the text (Chinese numerals as digits), with the NLU's own
numeral reading for the run it cannot split ("一百五九十五" is 150 over 95).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from nlu.text import _numeral_value, normalise, numeric_view

from bot.monitoring.measures import MEASURES
from bot.monitoring.when import clause_times, time_at

ENTITY_MEASURES = ("temperature", "spo2", "heart_rate", "respiratory_rate")

_CN = "零〇一二两三四五六七八九十百"
_BP_WORD = r"(?:血压|bp)"
_BP = re.compile(_BP_WORD + r"[^\d%s，,。;；!！?？]{0,6}(\d{2,3})\s*(?:/|／|\\|-|—|~|～|比|、|,|，|\s|mmhg)\s*(?:低压)?\s*(\d{2,3})" % _CN)
_BP_HIGH_LOW = re.compile(r"高压[^\d，,。;；]{0,3}(\d{2,3})[^\d]{0,4}?低压[^\d，,。;；]{0,3}(\d{2,3})")
_BP_SPOKEN = re.compile(_BP_WORD + r"[^\d%s，,。;；!！?？]{0,6}([%s]{3,10})" % (_CN, _CN))
# The systolic (upper) number alone: "高压一百六", "收缩压160", "血压最近有点高 一百五上下" — recorded as
# the systolic reading only (the lower number was not said).
_SBP_ONLY = re.compile(r"(?:高压|收缩压|上压)[^\d，,。;；!！?？]{0,3}(\d{2,3})(?!\d|\s*(?:/|／|比|低压|\d))")
_BP_ABOUT = re.compile(_BP_WORD + r"[^\d，,。;；!！?？]{0,10}?(\d{2,3})\s*(?:上下|左右|多|出头)")
_GLUCOSE = re.compile(
    r"(空腹|饭前|餐前|餐后\s*(?:2|两)?\s*(?:个)?(?:小时|h)?|饭后\s*(?:2|两)?\s*(?:个)?(?:小时|h)?|睡前|随机)?"
    r"[^\d，,。;；!！?？]{0,3}?(?:血糖|glu)[^\d，,。;；!！?？]{0,4}?(\d{1,3}(?:(?:\.|点)\d{1,2})?)(?!\d)\s*(mg/dl|mg)?"
)
# A number that counts time or times, not a value: "血糖高十几年了", "血糖高了两年", "血压高了3次".
_NOT_A_VALUE = re.compile(r"\s*(?:几|多|来|余)?\s*(?:个)?\s*(?:年|个月|月|天|日|周|星期|礼拜|次|回|小时|钟头|分钟|岁|遍)")
_GLUCOSE_CONTEXT = {"空腹": "fasting", "饭前": "fasting", "餐前": "fasting", "睡前": "bedtime", "随机": "random"}
_QUESTION = re.compile(r"[吗呢？?]|多少|正常不|算不算|是不是|怎么办")


@dataclass(frozen=True)
class Found:
    """One value read from a message."""

    measure: str
    value: float
    context: str = ""  # glucose: fasting | postprandial | bedtime | random
    start: int = 0  # where in the message it was said (offset into the original text)
    taken_at: dt.datetime | None = None  # when the message says it was taken (bot/monitoring/when.py)


def _spoken_pair(run: str) -> tuple[int, int] | None:
    """"一百五九十五" → (150, 95): the split of a spoken numeral run into a plausible systolic/diastolic pair."""
    pairs = []
    for cut in range(1, len(run)):
        first, second = _numeral_value(run[:cut]), _numeral_value(run[cut:])
        if first is None or second is None:
            continue
        try:
            sbp, dbp = float(first), float(second)
        except ValueError:
            continue
        if sbp.is_integer() and dbp.is_integer() and 60 <= sbp <= 260 and 30 <= dbp <= 160 and sbp > dbp:
            pairs.append((int(sbp), int(dbp)))
    return pairs[0] if pairs else None


def _blood_pressure(text: str) -> list[Found]:
    """Every blood pressure said, each with its place in `text`."""
    out: list[Found] = []
    taken: list[int] = []
    for pattern in (_BP, _BP_HIGH_LOW):
        for m in pattern.finditer(text):
            if any(abs(m.start() - t) < 3 for t in taken) or _NOT_A_VALUE.match(text, m.end(2)):
                continue
            sbp, dbp = int(m.group(1)), int(m.group(2))
            if sbp < dbp:
                sbp, dbp = dbp, sbp
            if MEASURES["sbp"].plausible(sbp) and MEASURES["dbp"].plausible(dbp):
                out += [Found("sbp", sbp, start=m.start()), Found("dbp", dbp, start=m.start())]
                taken.append(m.start())
    if not out:
        for m in _BP_SPOKEN.finditer(text):
            pair = _spoken_pair(m.group(1))
            if pair:
                out += [Found("sbp", pair[0], start=m.start()), Found("dbp", pair[1], start=m.start())]
    if not out and not _QUESTION.search(text):  # "高压一百六正常吗？" asks
        for pattern in (_SBP_ONLY, _BP_ABOUT):
            for m in pattern.finditer(text):
                sbp = int(m.group(1))
                if 60 <= sbp <= 260 and not _NOT_A_VALUE.match(text, m.end(1)) and not any(f.start == m.start() for f in out):
                    out.append(Found("sbp", sbp, start=m.start()))
            if out:
                break
    return sorted(out, key=lambda f: f.start)


def _glucose(text: str) -> list[Found]:
    out = []
    for m in _GLUCOSE.finditer(text):
        if _NOT_A_VALUE.match(text, m.end(2)):
            continue
        value = float(m.group(2).replace("点", "."))  # "血糖8点6" is 8.6
        if m.group(3):  # mg/dL, as some meters show it
            value = round(value / 18.0, 1)
        prefix = (m.group(1) or "").replace(" ", "")
        context = "postprandial" if prefix.startswith(("餐后", "饭后")) else _GLUCOSE_CONTEXT.get(prefix, "")
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
    if any(word in view for word in ("血压", "高压", "收缩压", "上压", "bp", "血糖", "glu")):
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
