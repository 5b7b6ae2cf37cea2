"""Readings typed in plain Chinese at any time, outside any flow, through the REST channel and the real NLU."""
from __future__ import annotations

import httpx
import pytest

from bot.runtime import Runtime
from tests.monitoring.helpers import decision, department_alerts, enrolled, patient_row, say, series, texts


async def test_a_morning_reading_typed_in_chinese_lands_in_the_series(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await enrolled(runtime, "m-typed")
    replies = await say(client, "m-typed", "今天早上血氧95，体温37度8")
    # "今天早上" is read as the time it was taken (tests/monitoring/test_reading_times.py, at a fixed clock).
    assert "已记录" in texts(replies) and "血氧饱和度 95%，体温 37.8℃" in texts(replies)
    assert "安全范围内" in texts(replies)
    assert sorted(await series(runtime, "m-typed")) == [("spo2", 95.0, "typed"), ("temperature", 37.8, "typed")]


@pytest.mark.parametrize(("text", "expected", "said"), [
    ("血压一百五九十五", [("dbp", 95.0), ("sbp", 150.0)], "收缩压（高压） 150mmHg，舒张压（低压） 95mmHg"),
    ("空腹血糖8.6", [("glucose", 8.6)], "血糖 8.6mmol/L"),
    ("心率一百一", [("heart_rate", 110.0)], "心率 110次/分"),
    ("高压160低压100，心率88", [("dbp", 100.0), ("heart_rate", 88.0), ("sbp", 160.0)], "收缩压（高压） 160mmHg"),
])
async def test_blood_pressure_glucose_and_heart_rate_in_words_or_digits(
        runtime: Runtime, client: httpx.AsyncClient, text: str, expected: list[tuple[str, float]], said: str) -> None:
    sender = f"m-{abs(hash(text)) % 10**8}"
    await enrolled(runtime, sender)
    replies = await say(client, sender, text)
    assert said in texts(replies)
    assert sorted((m, v) for m, v, _ in await series(runtime, sender)) == expected


async def test_a_question_about_a_value_is_not_a_reading(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await say(client, "m-question", "血压多少算正常？")
    assert await patient_row(runtime, "m-question") is None


async def test_spo2_92_is_an_emergency_with_120_and_alerts_the_department_on_duty(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    replies: list = []

    async def work() -> None:
        replies.extend(await say(client, "m-92", "血氧92"))

    alerts = await department_alerts(runtime, work)
    assert decision(replies)["level"] == "emergency"
    assert "/call_120" in {b["payload"] for m in replies for b in m.get("buttons", [])}
    assert [a.conversation_id for a in alerts] == ["m-92"] and alerts[0].alert.level == "emergency"
    # Whose it is is not known yet: held (polish4), not stored for a 本人 made up; "是我自己的" says whose.
    assert await patient_row(runtime, "m-92") is None
    await say(client, "m-92", "是我自己的")
    assert await series(runtime, "m-92") == [("spo2", 92.0, "typed")]
    row = await patient_row(runtime, "m-92")
    assert row is not None and row.level == "emergency" and row.flags["threshold"]["measure"] == "spo2"


async def test_three_falling_spo2_readings_raise_the_trend_flag(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await enrolled(runtime, "m-trend")
    for text in ("血氧98", "血氧97"):
        assert "连续三次变差" not in texts(await say(client, "m-trend", text))
    replies = await say(client, "m-trend", "血氧九十六")
    assert "血氧饱和度已经连续三次变差" in texts(replies)
    row = await patient_row(runtime, "m-trend")
    assert row is not None and row.flags["trend"]["values"] == [98, 97, 96]
    assert decision(replies) is None  # 96 is past no threshold: a softer flag, not a new triage


async def test_very_high_blood_pressure_re_triages_to_urgent_and_alerts_the_doctors(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    replies: list = []

    async def work() -> None:
        replies.extend(await say(client, "m-bp", "刚量的血压185/115"))  # not followed yet: blood pressure starts no intake

    alerts = await department_alerts(runtime, work)
    found = decision(replies)
    assert found is not None and found["level"] == "urgent" and "monitoring.sbp.high" in found["rules"]
    assert any("收缩压（高压） 185mmHg" in r for r in found["reasons"])
    assert [a.alert.level for a in alerts] == ["urgent"] and alerts[0].conversation_id == "m-bp"


async def test_a_first_temperature_from_someone_not_followed_starts_the_intake_and_is_kept(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    replies = await say(client, "m-new", "体温39度")
    assert "已记录" not in texts(replies) and decision(replies) is None  # the intake asks its questions
    tracker = (await client.get("/conversations/m-new/tracker")).json()
    assert tracker["active_flow"] is not None
    # Whose it is is not known yet: held until the intake's "谁不舒服？" is answered (issue 15, trial), then kept.
    assert await patient_row(runtime, "m-new") is None
    assert "谁" in texts(replies)
    await say(client, "m-new", "我自己")
    assert await series(runtime, "m-new") == [("temperature", 39.0, "typed")]


async def test_a_bare_number_answering_a_checkin_question_joins_the_series_as_a_followup_answer(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await enrolled(runtime, "m-checkin")
    await say(client, "m-checkin", "血氧97")
    await say(client, "m-checkin", "/followup_checkin")
    await say(client, "m-checkin", "还是有点发烧")
    await say(client, "m-checkin", "没有好")
    assert "今天还发烧吗" in texts(await say(client, "m-checkin", "差不多"))
    assert "体温" in texts(await say(client, "m-checkin", "还在烧"))
    await say(client, "m-checkin", "38.2")
    assert ("temperature", 38.2, "followup") in await series(runtime, "m-checkin")
