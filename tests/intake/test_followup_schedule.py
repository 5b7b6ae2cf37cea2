"""When follow-up check-ins are planned (time zone, configuration), and that they survive a restart."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from actions.followup import FollowupSettings, checkin_times, job_key_prefix
from bot.app import create_app
from bot.config import ConfigError, load_config
from tests.conftest import write_config
from tests.intake.conftest import Patient, agree_to_followup, finished_jobs

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.timezone.utc
NINE = FollowupSettings(time=dt.time(9, 0), timezone=SHANGHAI, days=7)


def settings_from(tmp_path: Path, **followup: object) -> FollowupSettings:
    return FollowupSettings.from_config(load_config(write_config(tmp_path / "c.yml", followup=followup), env={}))


def test_checkins_are_at_nine_in_shanghai_on_each_of_the_next_seven_days() -> None:
    now = dt.datetime(2026, 11, 22, 5, 0, tzinfo=UTC)  # 13:00 in Shanghai
    times = checkin_times(now, NINE)
    assert len(times) == 7
    assert times[0] == dt.datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 09:00 +08:00
    assert times[-1] == dt.datetime(2026, 11, 29, 1, 0, tzinfo=UTC)
    assert all(t.astimezone(SHANGHAI).time() == dt.time(9, 0) for t in times)


def test_the_days_are_counted_in_the_patients_time_zone() -> None:
    # 17:30 UTC is already 01:30 the next morning in Shanghai: the first check-in is the day after that.
    times = checkin_times(dt.datetime(2026, 11, 22, 17, 30, tzinfo=UTC), NINE)
    assert times[0].astimezone(SHANGHAI).date() == dt.date(2026, 11, 24)


def test_without_a_followup_schedule_of_its_own_the_checkins_follow_the_monitoring(tmp_path: Path) -> None:
    # Session seven (talk7b): one schedule source, so the two offers a patient hears agree.
    config = load_config(write_config(tmp_path / "m.yml", monitoring={"morning": "07:30", "days": 10}), env={})
    settings = FollowupSettings.from_config(config)
    assert (settings.time, settings.days) == (dt.time(7, 30), 10)


def test_time_zone_days_and_time_come_from_config(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, time="20:30", timezone="Europe/Berlin", days=3)
    times = checkin_times(dt.datetime(2026, 7, 1, 12, 0, tzinfo=UTC), settings)
    assert [t.astimezone(ZoneInfo("Europe/Berlin")).strftime("%m-%d %H:%M") for t in times] == [
        "07-02 20:30", "07-03 20:30", "07-04 20:30"]


@pytest.mark.parametrize(
    ("followup", "message"),
    [({"time": "9 o'clock"}, "followup.time"), ({"timezone": "Mars/Olympus"}, "followup.timezone"),
     ({"days": 0}, "followup.days"), ({"days": "seven"}, "followup.days")],
)
def test_a_bad_followup_setting_is_a_config_error(tmp_path: Path, followup: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        settings_from(tmp_path, **followup)


async def test_scheduled_checkins_survive_a_restart(make_runtime, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path}/restart.db"
    first = await make_runtime(database_url=database_url, jobs={"poll_seconds": 60})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(runtime=first)), base_url="http://t") as http:
        await agree_to_followup(Patient(http, "fu-restart"))
    await first.stop()

    second = await make_runtime(database_url=database_url, jobs={"poll_seconds": 60})
    pending = await second.jobs.pending(job_key_prefix("fu-restart"))
    assert len(pending) == 14  # monitoring.days (one schedule source, talk7b)
    # Other plugins' scheduled work may fall due too; this conversation's first check-in must.
    assert await second.jobs.run_due(pending[0].due_at + dt.timedelta(minutes=1)) >= 1
    rows = await finished_jobs(second, job_key_prefix("fu-restart"))
    assert sorted(r.status for r in rows) == ["done"] + ["pending"] * 13
    assert (await second.engine.state("fu-restart")).active_flow == "followup_checkin"
