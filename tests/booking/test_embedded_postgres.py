"""The embedded hospital system on PostgreSQL: the migration, booking over REST, and concurrent
bookings of one hour never exceeding its places."""
from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.app import create_app
from bot.hospital import BookingError, HospitalSystem, PatientRef
from tests.booking.helpers import bind_card, say, texts

ZONE = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.postgres


async def test_booking_and_concurrent_places_on_postgres(make_runtime, postgres_url: str) -> None:
    runtime = await make_runtime(database_url=postgres_url, hospital={"reminder_time": "23:59"})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(runtime=runtime)),
                                 base_url="http://wenzhen.test") as http:
        await bind_card(http, "p_pg")
        await say(http, "p_pg", "帮我约后天上午的儿科")
        await say(http, "p_pg", "1")
        assert "预约成功" in texts(await say(http, "p_pg", "确认"))
        assert "确定要取消" in texts(await say(http, "p_pg", "我想取消预约"))
        assert "已取消预约" in texts(await say(http, "p_pg", "确认"))

    hospital = runtime.services.get(HospitalSystem)  # type: ignore[type-abstract]
    day = dt.datetime.now(ZONE).date() + dt.timedelta(days=2)
    slot = (await hospital.slots("pediatrics", day))[0]
    places = slot.free

    async def one(n: int) -> str:
        try:
            return (await hospital.book(PatientRef(f"concurrent-{n}"), slot.id)).id
        except BookingError as exc:
            return exc.code

    results = await asyncio.gather(*(one(n) for n in range(places + 4)))
    assert sum(r.isdigit() for r in results) == places
    assert sorted(r for r in results if not r.isdigit()) == ["slot_taken"] * 4
    assert slot.id not in [s.id for s in await hospital.slots("pediatrics", day)]
