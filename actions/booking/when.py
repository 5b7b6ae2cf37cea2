"""What a booking request says, read from the patient's words: cancel or change, which department or
doctor, which day, morning or afternoon, which hour. The intent itself comes from the NLU
(`book_appointment`); this reads the details it does not extract."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.hospital import Department, Doctor

_CANCEL = re.compile(r"取消|退号|退掉|不去了|不约了|撤销")
_CHANGE = re.compile(r"改约|改期|改到|改成|换个时间|换时间|改时间|调整.*时间|换一天|换到")
_LIST = re.compile(r"我的预约|预约记录|查.{0,2}预约|约了什么|约的号")
_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_WEEKDAY = "一二三四五六日天"


@dataclass(frozen=True)
class Request:
    mode: str = "book"  # book | cancel | reschedule | list
    department: str | None = None
    doctor: str | None = None
    day: dt.date | None = None
    half: str | None = None  # am | pm | evening
    hour: int | None = None


def _number(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + _DIGITS.get(text[1:], 0)
    if text.endswith("十"):
        return _DIGITS.get(text[:-1], 0) * 10
    if "十" in text:
        tens, _, ones = text.partition("十")
        return _DIGITS.get(tens, 0) * 10 + _DIGITS.get(ones, 0)
    return _DIGITS.get(text)


def read_day(text: str, today: dt.date) -> dt.date | None:
    for word, days in (("大后天", 3), ("后天", 2), ("明天", 1), ("明日", 1), ("今天", 0), ("今日", 0)):
        if word in text:
            return today + dt.timedelta(days=days)
    match = re.search(r"(下下|下)?(?:周|星期|礼拜)([一二三四五六日天])", text)
    if match:
        weekday = 6 if match.group(2) in "日天" else _WEEKDAY.index(match.group(2))
        if match.group(1):
            monday = today - dt.timedelta(days=today.weekday()) + dt.timedelta(weeks=len(match.group(1)))
            return monday + dt.timedelta(days=weekday)
        return today + dt.timedelta(days=(weekday - today.weekday()) % 7)
    match = re.search(r"(\d{1,2})\s*(?:月|/|-)\s*(\d{1,2})\s*[日号]?", text)
    if match:
        month, day = int(match.group(1)), int(match.group(2))
        for year in (today.year, today.year + 1):
            try:
                candidate = dt.date(year, month, day)
            except ValueError:
                return None
            if candidate >= today:
                return candidate
    match = re.search(r"(\d{1,2}|[一二三四五六七八九十]{1,3})\s*[号日]", text)
    if match and "几" not in text:
        day_number = _number(match.group(1))
        for months_ahead in (0, 1):
            month = (today.month - 1 + months_ahead) % 12 + 1
            year = today.year + (today.month - 1 + months_ahead) // 12
            try:
                candidate = dt.date(year, month, day_number or 0)
            except ValueError:
                continue
            if candidate >= today:
                return candidate
    return None


def read_half(text: str) -> str | None:
    if re.search(r"上午|早上|早晨|上半天", text):
        return "am"
    if re.search(r"下午|下半天", text):
        return "pm"
    if re.search(r"晚上|夜间|夜里", text):
        return "evening"
    return None


def read_hour(text: str, half: str | None) -> int | None:
    match = re.search(r"(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*(?:点|:00|：00|时)", text)
    if not match:
        return None
    hour = _number(match.group(1))
    if hour is None or hour > 23:
        return None
    if half in ("pm", "evening") and hour < 12:
        hour += 12
    return hour


def read_request(text: str, departments: list[Department], doctors: list[Doctor], today: dt.date) -> Request:
    mode = "book"
    if _CANCEL.search(text):
        mode = "cancel"
    elif _CHANGE.search(text):
        mode = "reschedule"
    elif _LIST.search(text):
        mode = "list"
    department = None
    # The longest name first: 发热门诊 before 门诊, 呼吸内科 before 内科.
    names = sorted(((n, d.code) for d in departments for n in (d.name, *d.aliases)), key=lambda p: -len(p[0]))
    for name, code in names:
        if name and name in text:
            department = code
            break
    doctor = None
    for d in doctors:
        bare = re.sub(r"（.*?）|\(.*?\)", "", d.name)
        if bare and (bare in text or (len(bare) >= 2 and bare[0] + "医生" in text) or (len(bare) >= 2 and bare[0] + "主任" in text)):
            doctor = d.id
            department = department or d.department
            break
    half = read_half(text)
    return Request(mode, department, doctor, read_day(text, today), half, read_hour(text, half))


def in_half(hour: int, half: str | None) -> bool:
    if half == "am":
        return hour < 12
    if half == "pm":
        return 12 <= hour < 18
    if half == "evening":
        return hour >= 18
    return True
