"""Where to go (就医导航): the nearest fever clinics and hospitals from a location, the places of a
county named in text, and the options an `urgent` outcome names.

A location the patient sends (WeChat's location message) is kept in the conversation (`care_location`)
and answered at once; a county or district named in a where-question ("尤溪县哪里能看儿科") is
answered from the directory. Without either, the bot asks once for a county or a location.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from actions.services.directory import CareDirectory, Facility
from actions.services.offers import HospitalOffers, contact_variables
from bot.action_api import ActionContext, action, interceptor
from bot.config import Config

NEAREST_COUNT = 3
# Farther than this is not "nearby": a directory of one province must not send a patient elsewhere to it.
NEAR_KM = 100.0
# Words of a where-question: with a county named, the message asks for a place, not a diagnosis.
_WHERE = re.compile(r"哪里|哪儿|哪个|在哪|附近|最近|去哪|怎么走|能看|可以看|有没有")
# Kinds that take an urgent patient today; a community health centre is for the routine visit.
URGENT_KINDS = ("fever_clinic", "hospital")


class CareClock:
    """Today's date where the hospital is: entries valid until a date are valid through that local day."""

    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)

    def today(self) -> dt.date:
        return dt.datetime.now(self.zone).date()


def care_clock(config: Config) -> CareClock:
    return CareClock(str(config.get("services.timezone") or config.get("followup.timezone") or "Asia/Shanghai"))


def _location(ctx: ActionContext) -> tuple[float, float] | None:
    message = ctx.message
    for attachment in message.attachments if message is not None else ():
        if attachment.kind == "location":
            return float(attachment.data["latitude"]), float(attachment.data["longitude"])
    return None


def _known_location(ctx: ActionContext) -> tuple[float, float] | None:
    kept = ctx.slot("care_location")
    if isinstance(kept, dict) and "latitude" in kept:
        return float(kept["latitude"]), float(kept["longitude"])
    return None


def _line(ctx: ActionContext, directory: CareDirectory, facility: Facility, km: float | None) -> str:
    variables = {
        "name": facility.name, "address": facility.address, "phone": facility.phone, "hours": facility.hours,
        "services": "、".join(directory.services[code].name for code in facility.services),
    }
    if km is None:
        return ctx.text("care_line", **variables)
    return ctx.text("care_line_distance", km=f"{km:.1f}", **variables)


def _service_name(ctx: ActionContext, directory: CareDirectory, service: str | None) -> str:
    return directory.services[service].name if service else ctx.text("care_any_service")


def answer_nearest(ctx: ActionContext, directory: CareDirectory, today: dt.date, offers: HospitalOffers,
                   where: tuple[float, float], service: str | None, kinds: tuple[str, ...] | None = None) -> None:
    found = [n for n in directory.nearest(*where, today, service, limit=50)
             if n.km <= NEAR_KM and (kinds is None or n.facility.kind in kinds)][:NEAREST_COUNT]
    if not found:
        ctx.utter("utter_care_none", service=_service_name(ctx, directory, service), **contact_variables(ctx, offers))
        return
    ctx.utter("utter_care_nearest", service=_service_name(ctx, directory, service),
              entries="\n\n".join(_line(ctx, directory, n.facility, n.km) for n in found))


def answer_county(ctx: ActionContext, directory: CareDirectory, today: dt.date, offers: HospitalOffers,
                  county: str, service: str | None) -> None:
    places = directory.in_county(county, today, service)
    teams = directory.teams_in(county, today, service)
    if not places and not teams:
        ctx.utter("utter_care_none_county", county=county, service=_service_name(ctx, directory, service),
                  **contact_variables(ctx, offers))
        return
    lines = [_line(ctx, directory, f, None) for f in places]
    lines += [ctx.text("care_team_line", team=t.team, hospital=t.hospital, where=t.where,
                       start=f"{t.start:%-m月%-d日}", end=f"{t.end:%-m月%-d日}",
                       specialties="、".join(directory.services[c].name for c in t.specialties)) for t in teams]
    ctx.utter("utter_care_county", county=county, service=_service_name(ctx, directory, service),
              entries="\n\n".join(lines))


def _ask_area(ctx: ActionContext, service: str | None) -> None:
    ctx.set_slot("care_service", service)
    ctx.set_slot("care_asked", True)
    ctx.utter("utter_care_ask_area")


@action("find_care")
async def find_care(ctx: ActionContext, directory: CareDirectory, clock: CareClock, offers: HospitalOffers) -> None:
    """"附近的发热门诊" / "尤溪县哪里能看儿科" / the 发热门诊 menu button."""
    text = ctx.message.text if ctx.message is not None else ""
    service = directory.service_in(text) or ctx.slot("care_service")
    county = directory.county_in(text)
    where = _known_location(ctx)
    if county is not None:
        answer_county(ctx, directory, clock.today(), offers, county, service)
    elif where is not None:
        answer_nearest(ctx, directory, clock.today(), offers, where, service)
    else:
        _ask_area(ctx, service)


@action("urgent_care_options")
async def urgent_care_options(ctx: ActionContext, directory: CareDirectory, clock: CareClock,
                              offers: HospitalOffers) -> None:
    """The `urgent` outcome's places for today: the nearest when the location is known, else ask once."""
    symptoms: Any = ctx.slot("symptoms") or {}
    temperature = ctx.slot("temperature")
    feverish = (isinstance(symptoms, dict) and bool(symptoms.get("fever"))) or (
        isinstance(temperature, (int, float)) and temperature >= 37.3)
    service = "fever" if feverish else "emergency"
    where = _known_location(ctx)
    if where is not None:
        answer_nearest(ctx, directory, clock.today(), offers, where, service, URGENT_KINDS)
    elif not ctx.slot("care_asked"):
        _ask_area(ctx, service)


@interceptor("care_where", priority=40)
async def care_where(ctx: ActionContext, directory: CareDirectory, clock: CareClock, offers: HospitalOffers) -> bool:
    """A location message, or a county named in a where-question (or in answer to our ask), is answered here."""
    where = _location(ctx)
    if where is not None:
        ctx.set_slot("care_location", {"latitude": where[0], "longitude": where[1]})
        answer_nearest(ctx, directory, clock.today(), offers, where, ctx.slot("care_service"))
        ctx.set_slot("care_asked", None)
        return True
    message = ctx.message
    text = message.text if message is not None and not message.payload else ""
    county = directory.county_in(text) if text else None
    if county is None:
        return False
    service = directory.service_in(text)
    asked = bool(ctx.slot("care_asked"))
    if not (asked or (_WHERE.search(text) and (service or "医院" in text or "门诊" in text or "看" in text))):
        return False
    answer_county(ctx, directory, clock.today(), offers, county, service or ctx.slot("care_service"))
    ctx.set_slot("care_asked", None)
    return True
