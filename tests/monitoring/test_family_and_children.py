"""Leftovers of the per-person monitoring (polish4), typed Chinese through the REST channel and the real engine:
two parents without cards are two people; a red flag told before anyone is known is answered at once but kept
for whom it turns out to be about; a child's heart rate and blood pressure are checked against a child's limits."""
from __future__ import annotations

import httpx

from bot.monitoring import Monitoring
from bot.monitoring.thresholds import Thresholds
from bot.runtime import Runtime
from tests.monitoring.helpers import decision, department_alerts, enrolled, reading_rows, say, texts
from tests.console.helpers import on_duty
from tests.monitoring.test_console import sign_in
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


async def test_a_red_flag_told_before_anyone_is_known_is_answered_at_once_and_kept_for_its_person(
        runtime: Runtime, console: httpx.AsyncClient) -> None:
    """"血氧92" as a first message: 120 at once and the doctors alerted, but no 本人 made up; "是我妈的" then
    puts it in her mother's series."""
    replies: list = []
    alerts = await department_alerts(runtime, _saying(console, "rf", "血氧92", replies))
    assert "请立即拨打120" in texts(replies) and decision(replies)["level"] == "emergency", texts(replies)
    assert [a.alert.level for a in alerts] == ["emergency"]
    assert await reading_rows(runtime) == []  # held: nobody is known yet
    await say(console, "rf", "是我妈的")
    rows = await people(runtime)
    assert [r.relation for r in rows] == ["parent"], [(r.relation, r.id) for r in rows]
    assert await values(runtime, rows[0]) == [92.0]


async def test_both_parents_without_cards_are_two_people(runtime: Runtime, console: httpx.AsyncClient) -> None:
    """"我爸…" and "我妈…" from one account with no medical card: two series, not one 父母 series."""
    await enrolled(runtime, "two", {"subject": "parent"})  # followed after an intake about a parent (父母, no sex said)
    assert "已记" in texts(await say(console, "two", "我妈今天血氧95"))
    assert "已记" in texts(await say(console, "two", "我爸今天血氧97"))
    rows = await people(runtime)
    assert [r.relation for r in rows] == ["parent", "parent"], [(r.relation, r.patient_key) for r in rows]
    mother, father = rows  # the series begun as 父母 is taken over by the first parent named: her mother
    assert await values(runtime, mother) == [95.0] and await values(runtime, father) == [97.0]
    said = texts(await say(console, "two", "我爸血压一百五九十五"))
    assert "已记入父亲的记录" in said, said
    assert await values(runtime, father, "sbp") == [150.0] and await values(runtime, mother, "sbp") == []
    # Not said whose: asked, one button per parent, answered in words.
    asked = await say(console, "two", "血氧94")
    assert [b["title"] for m in asked for b in m.get("buttons", [])] == ["母亲", "父亲"], texts(asked)
    assert "已记入母亲的记录" in texts(await say(console, "two", "我妈的"))
    assert await values(runtime, mother) == [95.0, 94.0] and await values(runtime, father) == [97.0]
    # A red flag of her father's: his, 120 at once.
    replies: list = []
    alerts = await department_alerts(runtime, _saying(console, "two", "我爸血氧92", replies))
    assert decision(replies)["level"] == "emergency" and [a.alert.level for a in alerts] == ["emergency"]
    assert await values(runtime, father) == [97.0, 92.0] and await values(runtime, mother) == [95.0, 94.0]
    assert len(await people(runtime)) == 2
    # The doctors' list tells them apart too.
    await on_duty(runtime, "dr.two", [mother.department])
    await sign_in(console, "dr.two")
    listing = (await console.get("/console/monitoring/patients")).text
    assert "父母（母亲）" in listing and "父母（父亲）" in listing


async def test_a_young_childs_blood_pressure_is_never_called_safe(runtime: Runtime, console: httpx.AsyncClient) -> None:
    """No high limit under 13 (height centile tables): 150/100 of a 5-year-old is kept, not "in the safe range"."""
    await enrolled(runtime, "bp-kid", {"subject": "child", "age": 5})
    await say(console, "bp-kid", '/inform{"subject": "child", "age": 5}')
    said = texts(await say(console, "bp-kid", "血压150/100"))
    assert "已记" in said and "安全范围" not in said and "儿科医生" in said, said
    # A low systolic for 5 years (PALS: < 80) is urgent.
    replies = await say(console, "bp-kid", "血压75/40")
    assert decision(replies)["level"] == "urgent" and decision(replies)["rules"] == ["monitoring.sbp.low"], texts(replies)
