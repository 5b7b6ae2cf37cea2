"""Leftovers of the per-person monitoring (polish4), typed Chinese through the REST channel and the real engine:
two parents without cards are two people; a red flag told before anyone is known is answered at once but kept
for whom it turns out to be about; a child's heart rate and blood pressure are checked against a child's limits."""
from __future__ import annotations

import httpx

from bot.monitoring import Monitoring
from bot.monitoring.thresholds import Thresholds
from bot.runtime import Runtime
from tests.monitoring.helpers import decision, department_alerts, enrolled, reading_rows, say, texts
from tests.monitoring.test_people import _saying, people, values


async def test_a_childs_heart_rate_is_checked_against_a_childs_limits(runtime: Runtime, console: httpx.AsyncClient) -> None:
    """A 3-year-old's heart rate of 130 is within the 2–3… band; 150 is past the 99th centile (Fleming 2011)."""
    await enrolled(runtime, "hr-kid", {"subject": "child", "age": 3})
    await say(console, "hr-kid", '/inform{"subject": "child", "age": 3}')
    replies = await say(console, "hr-kid", "心率一百三")
    assert "已记" in texts(replies) and decision(replies) is None, texts(replies)
    replies = await say(console, "hr-kid", "心率150")
    found = decision(replies)
    assert found is not None and found["level"] == "urgent" and found["rules"] == ["monitoring.heart_rate.high"], texts(replies)
    [row] = await people(runtime)
    alerts = await runtime.services.get(Monitoring).alerts(row.id)
    assert [a.reason for a in alerts] == ["心率 150次/分，高于或等于警戒值 137次/分"]


def test_child_limits_by_age_band() -> None:
    t = Thresholds.load()

    def limit(years: float, measure: str, side: str) -> float | None:
        found = t.for_patient({}, years).get((measure, side))
        return found.value if found else None

    # Heart rate (Fleming 2011, 99th / 1st centile): newborn, 3 years, 10 years; adults NEWS2.
    assert (limit(0.1, "heart_rate", "high"), limit(0.1, "heart_rate", "low")) == (182, 106)
    assert (limit(3, "heart_rate", "high"), limit(3, "heart_rate", "low")) == (137, 69)
    assert (limit(10, "heart_rate", "high"), limit(10, "heart_rate", "low")) == (116, 51)
    assert (limit(40, "heart_rate", "high"), limit(40, "heart_rate", "low")) == (131, 40)
    # Systolic hypotension (PALS): < 70 mmHg in infants, < 70 + 2 × age from 1 to 10 years, < 90 from 10.
    assert [limit(y, "sbp", "low") for y in (0.02, 0.5, 1, 5, 9.5, 12, 30)] == [59, 69, 71, 79, 87, 89, 90]
    # High blood pressure: the adult alert from 13 (AAP 2017), none under 13 (height centile tables needed).
    assert limit(5, "sbp", "high") is None and limit(5, "dbp", "high") is None
    assert (limit(14, "sbp", "high"), limit(14, "dbp", "high")) == (180, 110)
    assert limit(None, "heart_rate", "high") == 131  # type: ignore[arg-type]  # age unknown: the adult limits
