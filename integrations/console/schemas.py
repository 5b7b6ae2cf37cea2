"""The console API's request and answer bodies (they document themselves in /openapi.json)."""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field


class SignInBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class SignedIn(BaseModel):
    staff: dict[str, Any]
    csrf_token: str = Field(description="send as X-CSRF-Token with every state-changing request")
    telegram: bool = Field(False, description="whether this deployment's Telegram bot is on (doctors may link it)")
    home: str = Field("/console", description="the page this role starts on: the workbench (doctor), "
                                             "/console/prescriptions (pharmacist) or /console/admin (admin)")


class TelegramLinkCode(BaseModel):
    provider: str
    code: str
    command: str = Field(description="what the doctor sends to the Telegram bot, e.g. /link ABCD-EFGH")
    expires_at: str


class StatusBody(BaseModel):
    status: Literal["online", "away"]


class MessageBody(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


class HandoverBody(BaseModel):
    """A handover note (交班留言) for the next doctor who opens the patient."""

    text: str = Field(min_length=1, max_length=2000)


class TransferBody(BaseModel):
    department: str | None = Field(None, max_length=32, description="department code")
    doctor_id: int | None = Field(None, description="a named doctor; only they may accept")
    note: str = Field("", max_length=2000)


class InviteBody(BaseModel):
    doctor_id: int


class CloseBody(BaseModel):
    summary: str = Field(min_length=1, max_length=4000)
    advice: str = Field("", max_length=4000)
    level: Literal["emergency", "urgent", "consult", "selfcare"] | None = Field(
        None, description="overrides the bot's triage level")
    followup: str = Field("", max_length=2000, description="the follow-up plan the patient receives")


class PaidBody(BaseModel):
    order_no: str | None = Field(None, max_length=64)


class QuickReplyBody(BaseModel):
    text: str = Field(min_length=1, max_length=2000)


class StaffBody(BaseModel):
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    display_name: str = Field(min_length=1, max_length=64)
    role: Literal["doctor", "pharmacist", "admin"] = "doctor"
    title: str = Field("", max_length=64)
    departments: list[str] = Field(default_factory=list, max_length=20)


class StaffPatch(BaseModel):
    display_name: str | None = Field(None, max_length=64)
    title: str | None = Field(None, max_length=64)
    role: Literal["doctor", "pharmacist", "admin"] | None = None
    departments: list[str] | None = Field(None, max_length=20)
    active: bool | None = None


class PasswordBody(BaseModel):
    password: str = Field(min_length=1, max_length=256)


class ShiftBody(BaseModel):
    staff_id: int
    department: str = Field(max_length=32)
    weekday: str = Field(max_length=8, description="mon..sun, 1..7 or 周一..周日")
    start: str = Field(max_length=5, description="HH:MM, Asia/Shanghai")
    end: str = Field(max_length=5, description="HH:MM; 24:00 is midnight")


class OverrideBody(BaseModel):
    staff_id: int
    department: str = Field(max_length=32)
    day: dt.date
    start: str | None = Field(None, max_length=5, description="omit start and end: off that day")
    end: str | None = Field(None, max_length=5)
