"""Days are named in Chinese wherever patients read them (周一…周日): the booking's day buttons and
summaries, the reminders, every Chinese response; never "Mon" or "Tuesday"."""
from __future__ import annotations

import datetime as dt
import re

import httpx

from actions.booking.booking import day_label
from bot.app import create_app
from bot.config import PROJECT_ROOT
from bot.runtime import Runtime
from integrations.web.rest_auth import RestAuth
from tests.booking.helpers import bind_card, buttons, say, texts

ENGLISH_DAYS = re.compile(r"\b(Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)(day)?\b|\b(Monday|Tuesday|Wednesday|Thursday|"
                          r"Friday|Saturday|Sunday)\b", re.IGNORECASE)


def test_day_labels_name_each_weekday_in_chinese() -> None:
    monday = dt.date(2026, 12, 7)
    labels = [day_label(monday + dt.timedelta(days=n), monday - dt.timedelta(days=7)) for n in range(7)]
    assert [label[-3:-1] for label in labels] == ["周一", "周二", "周三", "周四", "周五", "周六", "周日"]
    assert day_label(monday, monday) == "今天12月7日（周一）"


def test_no_chinese_response_names_a_day_in_english() -> None:
    found = []
    for path in sorted((PROJECT_ROOT / "flows" / "responses" / "zh").glob("*.yml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.lstrip().startswith("#") and ENGLISH_DAYS.search(line):
                found.append(f"{path.name}: {line.strip()}")
    assert not found, "\n".join(found)


async def test_booking_next_monday_names_the_day_in_chinese(runtime: Runtime) -> None:
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    headers = {"Authorization": f"Bearer {RestAuth(runtime.config).deployment_token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://wenzhen.test", headers=headers) as http:
        await bind_card(http, "p_days")
        days = await say(http, "p_days", "我想挂全科的号")
        said = texts(days) + " ".join(b["title"] for b in buttons(days))
        assert "周" in said and not ENGLISH_DAYS.search(said), said
        offered = await say(http, "p_days", "下周一")
        said = texts(offered)
        assert "（周一）" in said and not ENGLISH_DAYS.search(said), said
        await say(http, "p_days", "1")
        done = texts(await say(http, "p_days", "确认"))
        assert "预约成功" in done and "（周一）" in done and not ENGLISH_DAYS.search(done), done
