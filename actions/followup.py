"""Follow-up check-ins: scheduling them as durable jobs, running them, and stopping them.

A patient who agrees gets one job per day. The schedule is the home monitoring's (config.yml `monitoring:`
`morning`, `days`, `timezone`; default 08:00 Asia/Shanghai on each of the next 14 days), so a patient offered both
reading reminders and check-ins hears one schedule (session seven, talk7b: one offer said 14 days at 08:00/20:00,
the next 7 days at 09:00). `followup:` may still set `time`/`days`/`timezone` of its own, which is discouraged. A job runs the payload /followup_checkin in the patient's conversation
(flows/followup.yml), whose replies go out through the patient's channel. The jobs live in SQL
(bot.jobs), so they survive restarts; recovered or 退订 cancels the rest by their key prefix.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.action_api import ActionContext, action
from bot.config import Config, ConfigError
from bot.consultations.lifecycle import ACTIVE
from bot.engine import Engine, UnknownConversation
from bot.jobs import Jobs, job
from bot.plugins import Plugin

log = logging.getLogger("wenzhen.followup")

JOB_KIND = "followup"
CHECKIN_PAYLOAD = "/followup_checkin"
EVENT = "followup"  # {status: scheduled | checkin | cancelled, ...}


@dataclass(frozen=True)
class FollowupSettings:
    """When check-ins happen: a local time of day, in a time zone, on each of the next `days` days."""

    time: dt.time
    timezone: ZoneInfo
    days: int

    @classmethod
    def from_config(cls, config: Config) -> "FollowupSettings":
        section = config.section("followup")
        # One schedule source: the check-ins follow the monitoring's morning reminder and its number of days.
        care = config.section("monitoring")
        raw_time = str(section.get("time", care.get("morning", "08:00")))
        try:
            at = dt.time.fromisoformat(raw_time)
        except ValueError:
            raise ConfigError(f"followup.time must be HH:MM, not {raw_time!r}") from None
        try:
            zone = ZoneInfo(str(section.get("timezone", care.get("timezone", "Asia/Shanghai"))))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"followup.timezone {section.get('timezone')!r} is not a known time zone") from None
        days = section.get("days", care.get("days", 14))
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 90:
            raise ConfigError(f"followup.days must be a whole number from 1 to 90, not {days!r}")
        return cls(time=at, timezone=zone, days=days)


def checkin_times(now: dt.datetime, settings: FollowupSettings) -> list[dt.datetime]:
    """The check-in moments (UTC): the configured local time on each of the days after today."""
    today = now.astimezone(settings.timezone).date()
    return [
        dt.datetime.combine(today + dt.timedelta(days=n), settings.time, tzinfo=settings.timezone).astimezone(dt.timezone.utc)
        for n in range(1, settings.days + 1)
    ]


def job_key_prefix(conversation_id: str) -> str:
    """Every check-in job of one conversation has a key starting with this (the trailing ':' keeps
    conversation 'u1' from matching 'u10')."""
    return f"{JOB_KIND}:{conversation_id}:"


@dataclass(frozen=True)
class Checkin:
    """Job payload: one day's check-in of one conversation."""

    conversation_id: str
    day: int = 0


async def schedule_checkins(jobs: Jobs, conversation_id: str, times: list[dt.datetime]) -> None:
    """Schedule the check-ins of one conversation; scheduling the same days again adds nothing."""
    prefix = job_key_prefix(conversation_id)
    for day, due in enumerate(times, start=1):
        await jobs.schedule(JOB_KIND, Checkin(conversation_id, day), due_at=due, key=f"{prefix}{due.date().isoformat()}")


@action("followup_schedule")
async def followup_schedule(ctx: ActionContext, settings: FollowupSettings, jobs: Jobs) -> None:
    """Schedule the daily check-ins the patient agreed to, and say when the first one is.

    The jobs are written once the turn is stored (their keys make that idempotent): a turn that
    fails schedules nothing."""
    now = dt.datetime.now(dt.timezone.utc)
    times = checkin_times(now, settings)
    cid = ctx.conversation_id
    ctx.after_commit(lambda: schedule_checkins(jobs, cid, times))
    # The onset of this illness lets each check-in bring its duration up to date (rules on "> 3 days").
    hours = float(ctx.slot("duration_hours", 0.0))
    ctx.set_slot("illness_onset_at", round(now.timestamp() - hours * 3600))
    ctx.set_slot("followup_active", True)
    ctx.emit(EVENT, {"status": "scheduled", "times": [t.isoformat() for t in times]})
    first = times[0].astimezone(settings.timezone)
    # Enrolled in home monitoring too: said as one schedule with its reminders, not as a second one.
    key = "utter_followup_scheduled_with_monitoring" if ctx.slot("monitoring_active") is True else "utter_followup_scheduled"
    ctx.utter(key, days=settings.days, time=settings.time.strftime("%H:%M"), first=first.strftime("%m-%d"))


@action("followup_cancel")
async def followup_cancel(ctx: ActionContext, jobs: Jobs) -> None:
    """Cancel every check-in still to come for this conversation (in the turn's transaction)."""
    cancelled = await jobs.cancel(job_key_prefix(ctx.conversation_id), session=await ctx.transaction())
    ctx.set_slot("followup_active", False)
    ctx.emit(EVENT, {"status": "cancelled", "cancelled": cancelled})


@action("followup_checkin_start")
async def followup_checkin_start(ctx: ActionContext) -> None:
    """Open a check-in: greet, and count the days of illness from the onset."""
    onset = ctx.slot("illness_onset_at")
    if onset is not None:
        hours = max(0.0, (time.time() - float(onset)) / 3600)
        ctx.set_slot("duration_hours", round(max(hours, float(ctx.slot("duration_hours", 0.0))), 1))
    ctx.emit(EVENT, {"status": "checkin"})
    ctx.utter("utter_followup_hello")


@job(JOB_KIND)
async def run_checkin(payload: Checkin, engine: Engine) -> None:
    """A due check-in: run /followup_checkin in the patient's conversation, delivered through its channel."""
    conversation_id = payload.conversation_id
    # Conversation ids carry channel user ids (WeChat openids): logs get a digest.
    digest = hashlib.sha256(conversation_id.encode()).hexdigest()[:12]
    state = await engine.state(conversation_id)
    if (state.handoff or {}).get("status") == ACTIVE:
        # A doctor is talking with the patient right now: today's check-in would interrupt them.
        log.info("follow-up day %s for conversation %s skipped: in a live consultation", payload.day, digest)
        return
    try:
        await engine.trigger(conversation_id, CHECKIN_PAYLOAD)
    except UnknownConversation:
        # The conversation is gone (e.g. erased at the patient's request): nothing to retry.
        log.warning("follow-up for unknown conversation %s dropped", digest)


plugin = Plugin(name="followup", services=[FollowupSettings.from_config])
