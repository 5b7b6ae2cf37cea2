"""Session seven (talk7b): the offers after a decision, typed as a patient would, through the real NLU and engine.

1. The reading reminders (home monitoring) and the daily check-ins are one schedule: the same number of days and
   the morning reminder's time (they were 14 days at 08:00/20:00, then 7 days at 09:00).
2. The sign-up asks for the readings that fit the complaint (actions/monitoring/readings_to_ask.yml): blood sugar for
   a diabetic, blood pressure for an older patient's headache with hypertension, temperature and SpO2 for a fever
   with a cough — not 体温、血氧 for everyone.
"""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import httpx
import pytest

from actions.followup import job_key_prefix
from bot.runtime import Runtime
from tests.intake.conftest import say_texts

ENROLLED = re.compile(r"接下来 (\d+) 天，我每天早上 (\d\d:\d\d)、晚上 (\d\d:\d\d)")
CHECKINS = re.compile(r"接下来(\d+)天，每天(?:早上)?(\d\d:\d\d)")


async def _through_the_offers(client: httpx.AsyncClient, sender: str, opening: str, age: str,
                              answers: dict[str, str] | None = None) -> str:
    """Type the opening, answer every question plainly, decline a doctor now, accept the check-ins; all said."""
    said, _, _ = await say_texts(client, sender, opening)
    everything = [said]
    for _ in range(18):
        if "每天来问问您的情况吗" in said:
            said, _, _ = await say_texts(client, sender, "好的")
            everything.append(said)
            break
        given = next((a for q, a in (answers or {}).items() if q in said), None)
        if given is not None:
            answer = given
        elif "转在线医生吗" in said:
            answer = "不用"
        elif "几岁" in said or "年龄" in said:
            answer = age
        elif "0到10" in said or "0-10" in said or "几分" in said:
            answer = "4分"
        else:
            answer = "没有"
        said, _, _ = await say_texts(client, sender, answer)
        everything.append(said)
    return "\n".join(everything)


def _sign_up(text: str) -> str:
    return next(line for line in text.splitlines() if ENROLLED.search(line))


async def test_a_diabetic_is_asked_for_blood_sugar_and_hears_one_schedule(client: httpx.AsyncClient, runtime: Runtime) -> None:
    sender = "t7-offer-diabetes"
    text = await _through_the_offers(client, sender, "我糖尿病七八年了，这几天小便特别勤，尿完还有点刺痛", "52岁")
    sign_up = _sign_up(text)
    assert "血糖" in sign_up and "体温" not in sign_up and "血氧" not in sign_up, sign_up
    days, morning, _ = ENROLLED.search(sign_up).groups()
    checkin = CHECKINS.search(text)
    assert checkin is not None, text
    assert checkin.groups() == (days, morning), (sign_up, checkin.group(0))
    assert "7天" not in text and "09:00" not in text, text
    pending = await runtime.jobs.pending(job_key_prefix(sender))
    assert len(pending) == int(days)
    assert {j.due_at.astimezone(ZoneInfo("Asia/Shanghai")).time() for j in pending} == {dt.time.fromisoformat(morning)}


async def test_an_older_patients_headache_with_hypertension_is_asked_for_blood_pressure(client: httpx.AsyncClient) -> None:
    text = await _through_the_offers(client, "t7-offer-bp", "我今年70了，有高血压，这两天后脑勺一直胀着疼", "70岁",
                                     {"慢性病最近有没有明显加重": "有，这几天血压老是一百六七"})
    sign_up = _sign_up(text)
    assert "血压" in sign_up and "体温" not in sign_up and "血氧" not in sign_up, sign_up


async def test_a_fever_with_a_cough_is_asked_for_temperature_and_oxygen(client: httpx.AsyncClient) -> None:
    text = await _through_the_offers(client, "t7-offer-fever", "发烧三天了，最高39度2，咳得厉害，有高血压", "45岁")
    sign_up = _sign_up(text)
    assert "体温" in sign_up and "血氧" in sign_up and "血糖" not in sign_up, sign_up


@pytest.mark.parametrize("measures", [["glucose"], ["blood_pressure"], ["temperature", "spo2"], ["heart_rate", "blood_pressure"]])
def test_every_example_in_the_sign_up_is_read_as_a_reading(measures: list[str]) -> None:
    """An example the sign-up gives ("空腹血糖8.6") must be one the reading parser takes."""
    from actions.monitoring.schedule import _readings_table, measures_said
    _, examples = measures_said(measures, "zh")
    assert examples.count("“") == len(measures)
    assert all(m in _readings_table()[0] for m in measures)
