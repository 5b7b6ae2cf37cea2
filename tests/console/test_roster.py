"""Rosters: weekly shifts and date overrides make each department's sessions, in Shanghai time."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bot.consultations.roster import (
    Override,
    RosterError,
    Shift,
    parse_minute,
    parse_weekday,
    sessions_around,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = dt.date(2026, 11, 23)


def at(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hh, mm), tzinfo=SHANGHAI)


def shift(staff: int, weekday: int, start: str, end: str, dept: str = "general") -> Shift:
    return Shift(0, staff, dept, weekday, parse_minute(start), parse_minute(end))


def test_times_and_weekdays_parse_in_every_accepted_form() -> None:
    assert parse_minute("08:30") == 510
    assert parse_minute("24:00") == 1440
    assert [parse_weekday(w) for w in ("mon", "7", "周三", "周日", "周天")] == [0, 6, 2, 6, 6]
    for bad in ("25:00", "8", "ab:cd", "24:30"):
        with pytest.raises(RosterError):
            parse_minute(bad)
    with pytest.raises(RosterError):
        parse_weekday("someday")


def test_overlapping_shifts_of_two_doctors_merge_into_one_session() -> None:
    shifts = [shift(1, 0, "08:00", "12:00"), shift(2, 0, "11:00", "17:30")]
    sessions = sessions_around("general", shifts, [], at(MONDAY, 9), SHANGHAI)
    today = [s for s in sessions if s.start.date() == MONDAY]
    assert len(today) == 1
    assert (today[0].start, today[0].end) == (at(MONDAY, 8), at(MONDAY, 17, 30))
    assert today[0].staff_ids == {1, 2}


def test_a_night_shift_continues_across_midnight() -> None:
    shifts = [shift(1, 0, "20:00", "24:00"), shift(1, 1, "00:00", "08:00")]
    sessions = sessions_around("general", shifts, [], at(MONDAY, 21), SHANGHAI)
    night = next(s for s in sessions if s.contains(at(MONDAY, 23, 59)))
    assert night.end == at(MONDAY + dt.timedelta(days=1), 8)


def test_a_date_override_replaces_that_persons_weekly_shift_only() -> None:
    shifts = [shift(1, 0, "08:00", "12:00"), shift(2, 0, "14:00", "17:00")]
    off = [Override(0, 1, "general", MONDAY, None, None)]
    sessions = sessions_around("general", shifts, off, at(MONDAY, 7), SHANGHAI)
    today = [s for s in sessions if s.start.date() == MONDAY]
    assert [(s.start, s.end) for s in today] == [(at(MONDAY, 14), at(MONDAY, 17))]
    weekend = [Override(0, 1, "general", MONDAY + dt.timedelta(days=5), parse_minute("08:00"), parse_minute("12:00"))]
    saturday = MONDAY + dt.timedelta(days=5)
    sessions = sessions_around("general", shifts, weekend, at(MONDAY, 7), SHANGHAI)
    assert any(s.start == at(saturday, 8) and s.end == at(saturday, 12) for s in sessions)


def test_other_departments_shifts_do_not_open_a_session() -> None:
    shifts = [shift(1, 0, "08:00", "12:00", dept="fever")]
    assert sessions_around("general", shifts, [], at(MONDAY, 9), SHANGHAI) == []


def test_sessions_are_in_shanghai_time_whatever_the_callers_zone() -> None:
    shifts = [shift(1, 0, "08:00", "12:00")]
    utc_now = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.timezone.utc)  # 09:00 in Shanghai
    sessions = sessions_around("general", shifts, [], utc_now, SHANGHAI)
    assert any(s.contains(utc_now) for s in sessions)
    assert not any(s.contains(utc_now + dt.timedelta(hours=4)) for s in sessions)


def test_weekday_lists_and_ranges_for_weekend_mornings_and_workdays() -> None:
    from bot.consultations.roster import parse_weekdays

    assert parse_weekdays("sat,sun") == [5, 6]
    assert parse_weekdays("mon-fri") == [0, 1, 2, 3, 4]
    assert parse_weekdays("周一-周三") == [0, 1, 2]
    assert parse_weekdays("daily") == list(range(7))
    with pytest.raises(RosterError):
        parse_weekdays("fri-mon")
