"""The time a patient says with a reading ("今天早上", "昨晚睡前", "中午", "早上7点", "刚才") is when it was taken:
read in the hospital's time zone, never in the future. Typed Chinese through REST and the real NLU, at a fixed
clock (the interceptor's `utcnow`), and the time reader on its own."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.monitoring import Monitoring
from bot.monitoring.when import clause_times
from bot.runtime import Runtime
from tests.monitoring.helpers import enrolled, patient_row, say, texts

ZONE = ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 12, 7)


def at(hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
    return dt.datetime.combine(DAY + dt.timedelta(days=days), dt.time(hour, minute), tzinfo=ZONE)


def clock(monkeypatch: pytest.MonkeyPatch, now: dt.datetime) -> None:
    monkeypatch.setattr("actions.monitoring.readings.utcnow", lambda: now.astimezone(dt.timezone.utc))


async def times(runtime: Runtime, sender: str) -> list[tuple[str, float, dt.datetime]]:
    row = await patient_row(runtime, sender)
    assert row is not None
    out = []
    for r in await runtime.services.get(Monitoring).series(row.id):
        taken = r.taken_at if r.taken_at.tzinfo else r.taken_at.replace(tzinfo=dt.timezone.utc)
        out.append((r.measure, r.value, taken.astimezone(ZONE)))
    return sorted(out)


@pytest.mark.parametrize(("typed", "expected", "said"), [
    ("今天早上血氧95，体温37度8", [("spo2", 95.0, at(7)), ("temperature", 37.8, at(7))], "已记录（今天 07:00）"),
    ("昨晚睡前量的体温37度8", [("temperature", 37.8, at(22, days=-1))], "已记录（昨天 22:00）"),
    ("中午血压140/90", [("dbp", 90.0, at(12, days=-1)), ("sbp", 140.0, at(12, days=-1))], "（昨天 12:00）"),
    ("早上7点血氧95", [("spo2", 95.0, at(7))], "（今天 07:00）"),
    ("早上七点半测的血氧96", [("spo2", 96.0, at(7, 30))], "（今天 07:30）"),
    ("刚才量的血氧96", [("spo2", 96.0, at(10, 30))], "已记录：血氧饱和度 96%"),
    ("两个小时前血压150/95", [("dbp", 95.0, at(8, 30)), ("sbp", 150.0, at(8, 30))], "（今天 08:30）"),
    ("血氧96", [("spo2", 96.0, at(10, 30))], "已记录：血氧饱和度 96%"),
])
async def test_the_time_said_is_when_the_reading_was_taken(
        runtime: Runtime, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch,
        typed: str, expected: list[tuple[str, float, dt.datetime]], said: str) -> None:
    clock(monkeypatch, at(10, 30))  # 10:30 in Shanghai: 中午 has not come yet today, so it was yesterday's
    sender = f"t-{abs(hash(typed)) % 10**8}"
    await enrolled(runtime, sender)
    reply = texts(await say(client, sender, typed))
    assert said in reply, reply
    assert await times(runtime, sender) == expected


async def test_two_times_in_one_message_are_two_readings_and_the_newest_is_the_latest(
        runtime: Runtime, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    clock(monkeypatch, at(10, 30))
    await enrolled(runtime, "t-two")
    reply = texts(await say(client, "t-two", "昨晚体温38度5，今天早上37度8"))
    assert "体温 38.5℃（昨天 20:00）" in reply and "体温 37.8℃（今天 07:00）" in reply, reply
    assert await times(runtime, "t-two") == [("temperature", 37.8, at(7)), ("temperature", 38.5, at(20, days=-1))]
    row = await patient_row(runtime, "t-two")
    assert row is not None and row.latest["temperature"]["value"] == 37.8  # the newest, though said first


async def test_never_in_the_future(runtime: Runtime, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    clock(monkeypatch, at(6, 30))  # early morning in Shanghai
    await enrolled(runtime, "t-early")
    await say(client, "t-early", "今天早上血氧95")  # 早上 has begun, its usual 07:00 not yet: now
    await say(client, "t-early", "晚上9点体温37度6")  # 21:00 is still to come today: last night
    await say(client, "t-early", "今天晚上体温37度5")  # a day named with a time to come: now, never later
    assert await times(runtime, "t-early") == [
        ("spo2", 95.0, at(6, 30)), ("temperature", 37.5, at(6, 30)), ("temperature", 37.6, at(21, days=-1))]


async def test_a_reading_of_last_night_told_later_does_not_replace_the_latest(
        runtime: Runtime, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch) -> None:
    clock(monkeypatch, at(10, 30))
    await enrolled(runtime, "t-late")
    await say(client, "t-late", "血氧96")
    await say(client, "t-late", "昨晚睡前血氧93")
    row = await patient_row(runtime, "t-late")
    assert row is not None and row.latest["spo2"]["value"] == 96.0 and row.recent["spo2"] == [96.0]


@pytest.mark.parametrize(("text", "now", "expected"), [
    ("今天早上", at(10, 30), at(7)),
    ("昨天晚上", at(10, 30), at(20, days=-1)),
    ("前天下午3点", at(10, 30), at(15, days=-2)),
    ("昨天夜里两点", at(10, 30), at(2)),
    ("下午3:30", at(10, 30), at(15, 30, days=-1)),
    ("下午3:30", at(16), at(15, 30)),
    ("中午12点半", at(13), at(12, 30)),
    ("中午1点", at(14), at(13)),
    ("晚上九点二十", at(22), at(21, 20)),
    ("十点血氧94", at(11), at(10)),
    ("半小时前", at(10, 30), at(10)),
    ("一个半小时前", at(10, 30), at(9)),
    ("10分钟前", at(10, 30), at(10, 20)),
    ("现在", at(10, 30), at(10, 30)),
    ("睡前", at(23), at(22)),
    ("睡前", at(9), at(22, days=-1)),
    ("早上", at(6, 30), at(6, 30)),
    ("今天", at(9), at(9)),
    ("12月5日早上", at(10, 30), at(7, days=-2)),
    ("5号晚上", at(10, 30), at(20, days=-2)),
    ("十二月五日早上", at(10, 30), at(7, days=-2)),
    ("周六晚上", at(10, 30), at(20, days=-2)),  # 2026-12-07 is a Monday
    ("上周一早上", at(10, 30), at(7, days=-7)),
])
def test_time_words(text: str, now: dt.datetime, expected: dt.datetime) -> None:
    [(_, _, got)] = clause_times(text, now.astimezone(dt.timezone.utc), ZONE)
    assert got is not None and got.astimezone(ZONE) == expected and got <= now


@pytest.mark.parametrize("text", ["血糖8点6", "体温37点8", "血氧95", "烧到39点2", "吃了3片药", "第5号", "1月3日血氧95", "1月3日早上血氧95"])
def test_a_value_said_with_dian_is_not_a_time(text: str) -> None:
    assert clause_times(text, at(10).astimezone(dt.timezone.utc), ZONE) == [(0, len(text), None)]
