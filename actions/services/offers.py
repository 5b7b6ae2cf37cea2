"""Honest replies for what this account does not offer yet (online booking, report lookup, ...).

Each names what the hospital offers instead: its phone and official booking channel from
config.yml `services.hospital`, with 转人工 and 120 as buttons (the responses carry them).
"""
from __future__ import annotations

from dataclasses import dataclass

from bot.action_api import ActionContext
from bot.config import Config

UNAVAILABLE = ("booking", "report", "prescription", "nucleic_acid")


@dataclass(frozen=True)
class HospitalOffers:
    """What the hospital publishes for patients: its switchboard and booking channel (may be blank)."""

    name: str
    phone: str
    booking_channel: str


def hospital_offers(config: Config) -> HospitalOffers:
    raw = config.get("services.hospital") or {}
    return HospitalOffers(str(raw.get("name") or ""), str(raw.get("phone") or ""),
                          str(raw.get("booking_channel") or ""))


def contact_variables(ctx: ActionContext, offers: HospitalOffers) -> dict[str, str]:
    """The hospital's phone and channel as the responses say them; a blank one says that it is not set."""
    return {
        "hospital": offers.name or ctx.text("services_hospital_unnamed"),
        "phone": offers.phone or ctx.text("services_phone_unset"),
        "booking_channel": offers.booking_channel or ctx.text("services_booking_channel_unset"),
    }
