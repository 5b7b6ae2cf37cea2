"""When a typed reading was taken, from the words of the message: "今天早上血氧95", "昨晚睡前量的体温37度8",
"中午血压140/90", "早上7点", "刚才", "两个小时前".

The message is cut into clauses (at ，。；！？ and line breaks); a clause that names a time sets it for
itself and the clauses after it, until another does ("昨晚体温38度5，今天早上37度8" are two readings at two
times); clauses before the first time named take that first time ("血氧95，今天早上量的"). A message that
names no time gives None: the reading is taken when it was sent, as before.

Times are read in the hospital's time zone (`monitoring.timezone`) and are never in the future:
- a day named (今天, 昨天/昨晚, 前天, 12月5日, 5号, 周一, 上周五) with a part of it (早上, 上午, 中午, 下午, 傍晚, 晚上, 睡前, 半夜, 凌晨)
  is that part's usual hour (早上 07:00, 中午 12:00, 晚上 20:00, 睡前 22:00 …); a clock time ("7点",
  "9点半", "21:30", "下午3点") is that time, 下午/晚上 adding 12 hours;
- without a day, a time still to come today is yesterday's ("晚上9点" said at 8 in the morning), and a part
  of the day that has begun but whose usual hour is still ahead is now ("早上" said at 06:30);
- a day named with a time still to come (今天晚上, said in the morning) is now, never later;
- 刚才, 刚刚, 现在 are now; "半小时前", "两个小时前", "10分钟前" are that long ago.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

_CLAUSE = re.compile(r"[，,。;；!！?？\n]")
_DAYS = (("大前天", -3), ("前天", -2), ("前晚", -2), ("前夜", -2), ("昨天", -1), ("昨日", -1), ("昨儿", -1),
         ("昨晚", -1), ("昨夜", -1), ("昨早", -1), ("今天", 0), ("今日", 0), ("今儿", 0), ("今早", 0),
         ("今晚", 0), ("今夜", 0))


@dataclass(frozen=True)
class Part:
    """A part of the day: when it begins, its usual hour, and how a clock time said with it is read."""

    start: float  # hours
    usual: float
    clock: str  # am | noon | pm | night


# Longest words first where one holds another (睡前 before 前, 晚饭 before 晚).
_PARTS: tuple[tuple[str, Part], ...] = (
    ("睡觉前", Part(20, 22, "pm")), ("临睡前", Part(20, 22, "pm")), ("入睡前", Part(20, 22, "pm")),
    ("睡前", Part(20, 22, "pm")), ("半夜", Part(22, 23.5, "night")), ("深夜", Part(22, 23.5, "night")),
    ("夜里", Part(22, 23.5, "night")), ("夜间", Part(22, 23.5, "night")), ("凌晨", Part(0, 3, "am")),
    ("清晨", Part(5, 6.5, "am")), ("早晨", Part(5, 7, "am")), ("早上", Part(5, 7, "am")), ("晨起", Part(5, 7, "am")),
    ("起床", Part(5, 7, "am")), ("早起", Part(5, 7, "am")), ("一早", Part(5, 7, "am")), ("早饭", Part(6, 7.5, "am")),
    ("早餐", Part(6, 7.5, "am")), ("今早", Part(5, 7, "am")), ("昨早", Part(5, 7, "am")), ("上午", Part(8, 10, "am")),
    ("中午", Part(11, 12, "noon")), ("午饭", Part(11, 12, "noon")), ("午餐", Part(11, 12, "noon")),
    ("下午", Part(12, 15, "pm")), ("午后", Part(12, 14, "pm")), ("傍晚", Part(17, 18, "pm")),
    ("晚饭", Part(17, 18.5, "pm")), ("晚餐", Part(17, 18.5, "pm")), ("晚上", Part(18, 20, "pm")),
    ("今晚", Part(18, 20, "pm")), ("昨晚", Part(18, 20, "pm")), ("前晚", Part(18, 20, "pm")),
    ("晚间", Part(18, 20, "pm")), ("今夜", Part(22, 23.5, "night")), ("昨夜", Part(22, 23.5, "night")),
    ("前夜", Part(22, 23.5, "night")),
)
_NOW = ("刚才", "刚刚", "刚量", "刚测", "方才", "现在", "此刻", "这会儿")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"[0-9零〇一二两三四五六七八九十]{1,3}"
_CLOCK = re.compile(rf"({_NUM})\s*(?:点|时|:|：)\s*(半|一刻|三刻|{_NUM})?\s*(分)?(钟)?")
_AGO = re.compile(rf"(半|{_NUM}(?:个)?半?)\s*(?:个)?\s*(小时|钟头|分钟|分)\s*(?:以前|之前|前)")
# A clock time right after a measure's name is a value said with 点 ("血糖8点6", "体温37点8"), not a time.
_MEASURE_BEFORE = re.compile(r"(体温|温度|血氧|氧饱和|血压|高压|低压|血糖|心率|心跳|脉搏|呼吸|烧到|烧了|烧)\s*(?:是|有|为)?\s*$")
# A clock time is a time when a day or part of it comes before it, or minutes, or 钟/左右/量/测/的时候 or a
# measure's name after it ("十点血氧94").
_CLOCK_AFTER = re.compile(r"^\s*(钟|左右|多|的时候|那会|量|测|查|体温|血氧|血压|血糖|心率|心跳|脉搏|呼吸)")


def _cn_int(run: str) -> int | None:
    if run.isdigit():
        return int(run)
    if all(c in _CN_DIGITS for c in run):
        value = 0
        for c in run:
            value = value * 10 + _CN_DIGITS[c]
        return value
    if "十" in run:
        tens, _, ones = run.partition("十")
        if "十" in ones or (tens and tens not in _CN_DIGITS) or (ones and ones not in _CN_DIGITS):
            return None
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return None


@dataclass(frozen=True)
class _Said:
    """What one clause says of the time."""

    day: int | None = None  # days back from today, when named
    part: Part | None = None
    clock: tuple[int, int] | None = None  # hour, minute as said (before 下午/晚上 are applied)
    ago: dt.timedelta | None = None  # 刚才 (zero), 两个小时前

    def empty(self) -> bool:
        return self.day is None and self.part is None and self.clock is None and self.ago is None


_DATE = re.compile(rf"(?<!第)(?:({_NUM})\s*月\s*)?({_NUM})\s*[日号](?!子)")
_DATE_DAYS = 31  # a date further back (or a date to come) is not read as a reading's time
_WEEKDAY = re.compile(r"(上+)?(?:周|星期|礼拜)([一二三四五六日天])")
_WEEKDAYS = "一二三四五六日"


def _day_back(clause: str, today: dt.date) -> int | None:
    """Days back from today to a date ("12月5日", "5号") or weekday ("周一", "上周五") named: the latest such day
    not after today, within a month; None for any other."""
    m = _DATE.search(clause)
    if m:
        month = _cn_int(m.group(1)) if m.group(1) else today.month
        day = _cn_int(m.group(2))
        if month is None or day is None:
            return None
        for year in (today.year, today.year - 1):
            try:
                date = dt.date(year, month, day)
            except ValueError:
                return None
            if date <= today:
                return -(today - date).days if (today - date).days <= _DATE_DAYS else None
        return None
    m = _WEEKDAY.search(clause)
    if m:
        weekday = _WEEKDAYS.index(m.group(2).replace("天", "日"))
        back = (today.weekday() - weekday) % 7 + 7 * len(m.group(1) or "")
        if m.group(1) and (today.weekday() - weekday) % 7 == 0:
            back = 7 * len(m.group(1))
        return -back
    return None


def _said(clause: str, today: dt.date) -> _Said:
    day = next((offset for word, offset in _DAYS if word in clause), None)
    if day is None:
        day = _day_back(clause, today)
        if day is None and _DATE.search(clause):
            return _Said()  # a date not read ("1月3日早上"): no time rather than that part of today
    part = next((p for word, p in _PARTS if word in clause), None)
    ago = None
    m = _AGO.search(clause)
    if m:
        amount, unit = m.group(1).replace("个", ""), m.group(2)
        half = amount.endswith("半") and amount != "半"
        number = 0.5 if amount == "半" else _cn_int(amount.rstrip("半"))
        if number is not None:
            hours = (number + (0.5 if half else 0)) if unit in ("小时", "钟头") else number / 60
            if 0 <= hours <= 72:
                ago = dt.timedelta(hours=hours)
    elif any(word in clause for word in _NOW):
        ago = dt.timedelta(0)
    clock = None
    for m in _CLOCK.finditer(clause):
        hour = _cn_int(m.group(1))
        minutes = m.group(2)
        minute = 30 if minutes == "半" else 15 if minutes == "一刻" else 45 if minutes == "三刻" else \
            (_cn_int(minutes) if minutes else 0)
        if hour is None or minute is None or hour > 24 or minute > 59:
            continue
        before = clause[:m.start()]
        if _MEASURE_BEFORE.search(before):
            continue
        named_before = day is not None or part is not None
        if not (named_before or m.group(4) or m.group(3) or minutes in ("半", "一刻", "三刻")
                or m.group(0).find(":") >= 0 or m.group(0).find("：") >= 0 or _CLOCK_AFTER.match(clause[m.end():])):
            continue
        clock = (hour, minute)
        break
    return _Said(day, part, clock, ago)


def _hour_of(said: _Said) -> float | None:
    """The hour of the day said (0–24), or None when only a day is named."""
    if said.clock is not None:
        hour, minute = said.clock
        kind = said.part.clock if said.part else "am"
        if kind == "pm" and hour < 12:
            hour += 12
        elif kind == "noon" and hour <= 5:
            hour += 12
        elif kind == "night" and 6 <= hour < 12:
            hour += 12
        return min(hour + minute / 60, 23 + 59 / 60)
    return said.part.usual if said.part else None


def taken_at(said: _Said, now: dt.datetime, zone: ZoneInfo) -> dt.datetime | None:
    """The moment a clause says (UTC-aware), never after `now`; None when it says none."""
    if said.empty():
        return None
    if said.ago is not None:
        return now - said.ago
    local_now = now.astimezone(zone)
    hour = _hour_of(said)
    day = local_now.date() + dt.timedelta(days=said.day or 0)
    if said.part is not None and said.part.clock == "night" and said.clock is not None and said.clock[0] <= 5:
        day += dt.timedelta(days=1)  # "昨天夜里两点": the small hours after that day
    if hour is None:  # a day without a time ("昨天量的"): its middle
        hour = 12.0
    at = dt.datetime.combine(day, dt.time(int(hour), round((hour % 1) * 60) % 60), tzinfo=zone)
    if at <= local_now:
        return at.astimezone(dt.timezone.utc)
    if said.day is None:
        started = said.part is not None and said.clock is None and local_now.hour + local_now.minute / 60 >= said.part.start
        if not started:
            return (at - dt.timedelta(days=1)).astimezone(dt.timezone.utc)
    return now


def clause_spans(text: str) -> list[tuple[int, int]]:
    """The clauses of a message, as (start, end) offsets into it."""
    spans, start = [], 0
    for m in _CLAUSE.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


def clause_times(text: str, now: dt.datetime, zone: ZoneInfo) -> list[tuple[int, int, dt.datetime | None]]:
    """Each clause's (start, end, taken_at): the time it names, else the one before it, else the first named;
    all None when the message names no time."""
    spans = clause_spans(text)
    today = now.astimezone(zone).date()
    times = [taken_at(_said(text[s:e], today), now, zone) for s, e in spans]
    first = next((t for t in times if t is not None), None)
    out, current = [], first
    for (s, e), t in zip(spans, times):
        if t is not None:
            current = t
        out.append((s, e, current))
    return out


def time_at(times: list[tuple[int, int, dt.datetime | None]], offset: int) -> dt.datetime | None:
    """The time of the clause that holds `offset` (a reading's place in the message)."""
    for start, end, at in times:
        if start <= offset < end:
            return at
    return next((at for _, _, at in times if at is not None), None)
