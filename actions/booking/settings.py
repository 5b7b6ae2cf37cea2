"""The booking settings (config.yml `hospital`): time zone, how far ahead, when the reminders go."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.config import Config, ConfigError


@dataclass(frozen=True)
class BookingSettings:
    timezone: ZoneInfo
    booking_days: int
    reminder_time: dt.time  # the day-before reminder, at this local time the evening before
    waiting_minutes: int  # the waiting reminder, this long before the booked hour starts


def booking_settings(config: Config) -> BookingSettings:
    raw = config.get("hospital") or {}
    try:
        reminder = dt.time.fromisoformat(str(raw.get("reminder_time") or "18:00"))
    except ValueError as exc:
        raise ConfigError(f"hospital.reminder_time: use HH:MM ({exc})") from exc
    return BookingSettings(
        ZoneInfo(str(raw.get("timezone") or config.get("services.timezone") or "Asia/Shanghai")),
        int(raw.get("booking_days") or 7), reminder, int(raw.get("waiting_minutes") or 30),
    )
