"""Reading the details of a booking request from the patient's words (unit tests; the end-to-end
proof is typed through the NLU in test_booking_over_rest.py)."""
from __future__ import annotations

import datetime as dt

import pytest

from actions.booking.when import read_day, read_hour, read_request
from bot.hospital import Department, Doctor

MONDAY = dt.date(2026, 12, 7)
DEPARTMENTS = [Department("pediatrics", "儿科", ("小儿科",)), Department("respiratory", "呼吸内科", ("呼吸科",)),
               Department("general", "全科医学科", ("内科",)), Department("nucleic_acid", "核酸检测", ("核酸",))]
DOCTORS = [Doctor("resp-wang", "王强（示例）", "副主任医师", "respiratory")]


@pytest.mark.parametrize(("text", "day"), [
    ("明天上午", dt.date(2026, 12, 8)), ("后天", dt.date(2026, 12, 9)), ("大后天下午", dt.date(2026, 12, 10)),
    ("今天", MONDAY), ("周三", dt.date(2026, 12, 9)), ("星期一", MONDAY), ("下周一", dt.date(2026, 12, 14)),
    ("下周日", dt.date(2026, 12, 20)), ("12月9日", dt.date(2026, 12, 9)), ("1月3号", dt.date(2027, 1, 3)),
    ("9号上午", dt.date(2026, 12, 9)), ("5号", dt.date(2027, 1, 5)), ("我要预约", None),
])
def test_the_day(text: str, day: dt.date | None) -> None:
    assert read_day(text, MONDAY) == day


@pytest.mark.parametrize(("text", "half", "hour"), [
    ("上午9点", "am", 9), ("下午三点", "pm", 15), ("下午3点", "pm", 15), ("十点", None, 10), ("晚上7点", "evening", 19),
    ("明天上午", "am", None),
])
def test_the_hour(text: str, half: str | None, hour: int | None) -> None:
    assert read_hour(text, half) == hour


@pytest.mark.parametrize(("text", "mode", "department", "doctor"), [
    ("帮我约明天上午的儿科", "book", "pediatrics", None),
    ("我想取消预约", "cancel", None, None),
    ("取消明天的呼吸科", "cancel", "respiratory", None),
    ("我要改约", "reschedule", None, None),
    ("改到后天下午", "reschedule", None, None),
    ("我的预约", "list", None, None),
    ("挂王强医生的号", "book", "respiratory", "resp-wang"),
    ("约王医生", "book", "respiratory", "resp-wang"),
    ("挂个呼吸内科", "book", "respiratory", None),  # the longer name, not 内科
    ("预约核酸", "book", "nucleic_acid", None),
])
def test_the_request(text: str, mode: str, department: str | None, doctor: str | None) -> None:
    request = read_request(text, DEPARTMENTS, DOCTORS, MONDAY)
    assert (request.mode, request.department, request.doctor) == (mode, department, doctor)
