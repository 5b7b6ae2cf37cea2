"""Unit tests of the monitoring domain: the Chinese reading parser, thresholds, the trend, the silent flag."""
from __future__ import annotations

import datetime as dt

import pytest

from bot.monitoring import Monitoring, Reading, Thresholds, read_readings
from bot.monitoring.models import MonitoredPatient
from bot.runtime import Runtime


@pytest.mark.parametrize(("text", "expected"), [
    ("血压一百五九十五", {"sbp": 150, "dbp": 95}),
    ("血压一百四十九十", {"sbp": 140, "dbp": 90}),
    ("我的血压是一百六十比一百", {"sbp": 160, "dbp": 100}),
    ("血压135 85", {"sbp": 135, "dbp": 85}),
    ("高压160低压100", {"sbp": 160, "dbp": 100}),
    ("血压95/150", {"sbp": 150, "dbp": 95}),
    ("空腹血糖8.6", {"glucose": 8.6}),
    ("餐后2小时血糖11.2", {"glucose": 11.2}),
    ("睡前血糖120mg/dl", {"glucose": 6.7}),
    ("血压多少算正常？", {}),
    ("血糖300", {}),  # no unit and impossible in mmol/L: not stored
])
def test_blood_pressure_and_glucose_in_words_and_digits(text: str, expected: dict[str, float]) -> None:
    assert {f.measure: f.value for f in read_readings(text, [])} == expected


def test_glucose_context() -> None:
    assert [f.context for f in read_readings("空腹血糖8.6", [])] == ["fasting"]
    assert [f.context for f in read_readings("饭后两小时血糖9", [])] == ["postprandial"]


def test_defaults_and_a_doctors_own_limit() -> None:
    thresholds = Thresholds.load()
    defaults = thresholds.for_patient({})
    assert thresholds.check("spo2", 93, defaults).level == "emergency"
    assert thresholds.check("spo2", 94, defaults) is None
    assert thresholds.check("temperature", 38.5, defaults) is None
    assert thresholds.check("temperature", 38.6, defaults).level == "consult"
    copd = thresholds.for_patient({"spo2": {"low": 88}})
    assert thresholds.check("spo2", 90, copd) is None and thresholds.check("spo2", 88, copd).limit.source == "doctor"


def test_the_trend_needs_three_readings_each_worse() -> None:
    thresholds = Thresholds.load()
    assert thresholds.trend("spo2", [98, 97, 96])
    assert not thresholds.trend("spo2", [98, 98, 96])
    assert not thresholds.trend("spo2", [97, 96])
    assert thresholds.trend("temperature", [37.5, 38.0, 38.4])


async def test_a_fever_above_38_5_for_more_than_three_days_is_urgent(runtime: Runtime) -> None:
    monitoring = runtime.services.get(Monitoring)
    start = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.timezone.utc)
    async with runtime.db.transaction() as session:
        row = await monitoring.patient_for(session, "u-fever")
        levels = []
        for hours in (0, 24, 48, 73):
            at = start + dt.timedelta(hours=hours)
            levels.append((await monitoring.record(session, row, [Reading("temperature", 38.8, "typed", at)], now=at)).level)
        normal = await monitoring.record(session, row, [Reading("temperature", 37.0, "typed", start + dt.timedelta(hours=80))])
        again = await monitoring.record(session, row, [Reading("temperature", 38.9, "typed", start + dt.timedelta(hours=96))])
    assert levels == ["consult", "consult", "consult", "urgent"]
    assert normal.level == "" and again.level == "consult"  # a normal reading ends the run


def test_an_enrolled_patient_without_a_reading_for_36_hours_is_flagged_silent(runtime: Runtime) -> None:
    monitoring = runtime.services.get(Monitoring)
    now = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.timezone.utc)
    row = MonitoredPatient(conversation_id="x", enrolled=True, enrolled_at=now - dt.timedelta(days=3),
                           last_reading_at=now - dt.timedelta(hours=40), flags={})
    assert monitoring.view(row, now).flags == ["silent"]
    row.last_reading_at = now - dt.timedelta(hours=10)
    assert monitoring.view(row, now).flags == []
    row.enrolled, row.last_reading_at = False, now - dt.timedelta(days=10)
    assert monitoring.view(row, now).flags == []  # stopped: nobody is waiting for a reading
