"""The booking steps' buttons answered in words: "明天" for the day "明天12月8日（周二）", "9点的" or "九点到十点那个"
for the hour "09:00–10:00 李医生（余3）", "儿科" for the department "儿科门诊" (a newcomer typed them and met an
unrelated article). Registered with the engine as a button reader (`Engine.register_button_reader`), which
asks it only when the last buttons shown are booking buttons and never when the words name a symptom.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from zoneinfo import ZoneInfo

from bot.button_titles import ordinal_index
from bot.engine import parse_payload

from actions.booking.when import read_day, read_half, read_hour

_BOOKING = ("/booking_choose", "/booking_pick")
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})[–-](\d{1,2}):(\d{2})")
_FILLER = re.compile(r"[的那个吧呢啊呀就约挂要我想看选，,。.！!\s]")


def _kind(button: dict[str, str]) -> str:
    _, slots, ok = parse_payload(str(button.get("payload", "")))
    return ",".join(sorted(slots)) if ok else ""


def booking_button_reader(timezone: ZoneInfo, now: Callable[[], dt.datetime] | None = None) -> Callable[
        [list[dict[str, str]], str], str | None]:
    def read(buttons: list[dict[str, str]], text: str) -> str | None:
        if not buttons or not all(str(b.get("payload", "")).startswith(_BOOKING) for b in buttons):
            return None
        # "第一个" / "最后一个": a place among the buttons of the question asked now (the latest message's buttons come
        # first; they are of the first button's kind: hours, days or departments) — newcomer trial 12.
        kind = _kind(buttons[0])
        same = [b for b in buttons if _kind(b) == kind]
        place = ordinal_index(text, len(same))
        if place is not None:
            return str(same[place]["payload"])
        today = (now() if now else dt.datetime.now(timezone)).date()
        day, half = read_day(text, today), read_half(text)
        hour = read_hour(text, half)
        if hour is None:
            # "九点到十点那个": the first clock time said
            match = re.search(r"(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*点", text)
            hour = read_hour(match.group(0), half) if match else None
        said = _FILLER.sub("", text)
        for button in buttons:
            _, slots, ok = parse_payload(str(button.get("payload", "")))
            if not ok:
                continue
            title = str(button.get("title", ""))
            if "booking_day" in slots and day is not None and slots["booking_day"] == day.isoformat():
                return str(button["payload"])
            if "booking_department" in slots and said and (said in title or _FILLER.sub("", title) in said):
                return str(button["payload"])
            if "booking_slot" in slots and hour is not None:
                match = _HOURS.match(title)
                if match:
                    start = int(match.group(1)) * 60 + int(match.group(2))
                    end = int(match.group(3)) * 60 + int(match.group(4))
                    if int(match.group(1)) == hour or start <= hour * 60 < end:
                        return str(button["payload"])  # the first such hour; the confirmation names it
        return None

    return read
