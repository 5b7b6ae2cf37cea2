"""Blood pressure as patients type it: "血压150/95", "高压160低压100", "血压一百二十五八十", "高压一百六".

Read on the NLU's numeric view of the text (Chinese numerals as digits, `nlu.text.numeric_view`), with the NLU's
own numeral reading for the spoken run it cannot split ("一百五九十五" is 150 over 95). The parse result gives it
as the entity `blood_pressure` (docs/nlu.md, Values); home monitoring (`bot/monitoring/parse.py`) records the two
numbers as its measures sbp and dbp. Moved here from bot/monitoring in round 8 of issue 11.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from nlu.text import _numeral_value

# The range a real reading falls in; outside it the number is a typing or device error (bot/monitoring/measures.py
# keeps the same bounds for what it stores).
SYSTOLIC_RANGE = (40.0, 300.0)
DIASTOLIC_RANGE = (20.0, 200.0)

_CN = "零〇一二两三四五六七八九十百"
_BP_WORD = r"(?:血压|bp)"
_BP = re.compile(_BP_WORD + r"[^\d%s，,。;；!！?？]{0,6}(\d{2,3})\s*(?:/|／|\\|-|—|~|～|比|、|,|，|\s|mmhg)\s*(?:低压)?\s*(\d{2,3})" % _CN)
_BP_HIGH_LOW = re.compile(r"高压[^\d，,。;；]{0,3}(\d{2,3})[^\d]{0,4}?低压[^\d，,。;；]{0,3}(\d{2,3})")
_BP_SPOKEN = re.compile(_BP_WORD + r"[^\d%s，,。;；!！?？]{0,6}([%s]{3,10})" % (_CN, _CN))
# The systolic (upper) number alone: "高压一百六", "收缩压160", "血压最近有点高 一百五上下" — the systolic reading only
# (the lower number was not said).
_SBP_ONLY = re.compile(r"(?:高压|收缩压|上压)[^\d，,。;；!！?？]{0,3}(\d{2,3})(?!\d|\s*(?:/|／|比|低压|\d))")
_BP_ABOUT = re.compile(_BP_WORD + r"[^\d，,。;；!！?？]{0,10}?(\d{2,3})\s*(?:上下|左右|多|出头)")
# A number that counts time or times, not a value: "血压高了3次", "血压高十几年了".
NOT_A_VALUE = re.compile(r"\s*(?:几|多|来|余)?\s*(?:个)?\s*(?:年|个月|月|天|日|周|星期|礼拜|次|回|小时|钟头|分钟|岁|遍)")
QUESTION = re.compile(r"[吗呢？?]|多少|正常不|算不算|是不是|怎么办")
WORDS = ("血压", "高压", "收缩压", "上压", "bp")


@dataclass(frozen=True)
class BloodPressure:
    """One blood pressure said: `start`/`end` index the text it was read from (the numeric view)."""

    systolic: int
    diastolic: int | None
    start: int
    end: int

    def value(self) -> dict[str, int]:
        """The entity's value: {"systolic": 150, "diastolic": 95}; no "diastolic" when only the upper number was said."""
        return {"systolic": self.systolic} | ({"diastolic": self.diastolic} if self.diastolic is not None else {})


def _plausible(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def spoken_pair(run: str) -> tuple[int, int] | None:
    """"一百五九十五" → (150, 95): the split of a spoken numeral run into a plausible systolic/diastolic pair."""
    for cut in range(1, len(run)):
        first, second = _numeral_value(run[:cut]), _numeral_value(run[cut:])
        if first is None or second is None:
            continue
        try:
            sbp, dbp = float(first), float(second)
        except ValueError:
            continue
        if sbp.is_integer() and dbp.is_integer() and 60 <= sbp <= 260 and 30 <= dbp <= 160 and sbp > dbp:
            return int(sbp), int(dbp)
    return None


def read_blood_pressure(view: str) -> list[BloodPressure]:
    """Every blood pressure said in `view` (the lower-cased numeric view), in order; none in a question with no number."""
    if not any(word in view for word in WORDS):
        return []
    out: list[BloodPressure] = []
    for pattern in (_BP, _BP_HIGH_LOW):
        for m in pattern.finditer(view):
            if any(abs(m.start() - b.start) < 3 for b in out) or NOT_A_VALUE.match(view, m.end(2)):
                continue
            sbp, dbp = int(m.group(1)), int(m.group(2))
            if sbp < dbp:
                sbp, dbp = dbp, sbp
            if _plausible(sbp, SYSTOLIC_RANGE) and _plausible(dbp, DIASTOLIC_RANGE):
                out.append(BloodPressure(sbp, dbp, m.start(), m.end()))
    if not out:
        for m in _BP_SPOKEN.finditer(view):
            pair = spoken_pair(m.group(1))
            if pair:
                out.append(BloodPressure(pair[0], pair[1], m.start(), m.end()))
    if not out and not QUESTION.search(view):  # "高压一百六正常吗？" asks
        for pattern in (_SBP_ONLY, _BP_ABOUT):
            for m in pattern.finditer(view):
                sbp = int(m.group(1))
                if 60 <= sbp <= 260 and not NOT_A_VALUE.match(view, m.end(1)) and not any(b.start == m.start() for b in out):
                    out.append(BloodPressure(sbp, None, m.start(), m.end(1)))
            if out:
                break
    return sorted(out, key=lambda b: b.start)
