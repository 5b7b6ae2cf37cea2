"""A doctor named by the patient ("张医生的", "约李大夫"): booking with that doctor, or an honest word — session seven.

The NLU reads "张医生的" as a request for a doctor (request_doctor), and the patient was queued for whichever online
doctor was on duty without asking. A message that names a doctor (a surname and a title, or a doctor's name in the
hospital's directory) and says no 转人工 words is taken as booking by doctor: a doctor of the directory starts the
booking with that doctor; a name the directory does not know gets an honest reply with the departments to book.
After the safety screen (10), the queue's wait question (15) and the live-session relay (20).
"""
from __future__ import annotations

import re
from functools import lru_cache

from nlu.yaml_files import load_yaml

from bot.action_api import ActionContext, interceptor
from bot.answers import wants_human
from bot.config import PROJECT_ROOT
from bot.crypto import FieldCipher
from bot.db import Database
from bot.hospital import Doctor, HospitalSystem, HospitalUnavailable
from bot.messages import BotMessage, Button

from actions.booking.booking import booking_start
from actions.booking.settings import BookingSettings
from actions.services.offers import HospitalOffers

NAMES_FILE = PROJECT_ROOT / "flows" / "language" / "doctor_names.yml"
DOCTOR_NAMED_PRIORITY = 30
INTENTS = ("request_doctor", "book_appointment")


@lru_cache(maxsize=1)
def _cues() -> tuple[str, ...]:
    return tuple(map(str, (load_yaml(NAMES_FILE.read_text(encoding="utf-8")) or {}).get("booking_cues") or ()))


@lru_cache(maxsize=1)
def _named() -> re.Pattern[str]:
    raw = load_yaml(NAMES_FILE.read_text(encoding="utf-8")) or {}
    titles = "|".join(map(re.escape, raw["titles"]))
    return re.compile(rf"(欧阳|[{re.escape(str(raw['surnames']))}])(?:{titles})")


@lru_cache(maxsize=1)
def _maybe_named() -> re.Pattern[str]:
    """A surname, perhaps one more character, and a title (张敏医生): worth looking up in the directory."""
    raw = load_yaml(NAMES_FILE.read_text(encoding="utf-8")) or {}
    titles = "|".join(map(re.escape, raw["titles"]))
    return re.compile(rf"(?:欧阳|[{re.escape(str(raw['surnames']))}])[\u4e00-\u9fff]{{0,2}}?(?:{titles})")


def _bare(name: str) -> str:
    return re.sub(r"（.*?）|\(.*?\)", "", name).strip()


def named_doctor(text: str, doctors: list[Doctor]) -> tuple[str | None, Doctor | None]:
    """(the words naming a doctor, the directory's doctor) — (None, None) when no doctor is named."""
    for doctor in doctors:
        bare = _bare(doctor.name)
        if len(bare) >= 2 and bare in text:
            return bare, doctor
    found = _named().search(text)
    if found is None:
        return None, None
    surname = found.group(1)
    same = [d for d in doctors if _bare(d.name).startswith(surname)]
    return found.group(0), same[0] if len(same) == 1 else None


@interceptor("booking_doctor_named", DOCTOR_NAMED_PRIORITY)
async def doctor_named(ctx: ActionContext, hospital: HospitalSystem, db: Database, cipher: FieldCipher,
                       offers: HospitalOffers, settings: BookingSettings) -> bool:
    if ctx.parse is None or ctx.message is None or ctx.message.payload:
        return False
    text = ctx.message.text or ""
    cued = bool(_named().search(text)) and any(cue in text for cue in _cues())
    if ctx.parse.intent.name not in INTENTS and not cued:
        return False
    if not text or text.startswith("/") or wants_human(text):
        return False
    if ctx.state.stack and ctx.state.stack[-1].waiting_for:
        return False  # a pending question reads its own answer
    if any(e.entity == "symptom" and not e.negated for e in ctx.parse.entities):
        return False  # symptoms: the intake and its hand-off, as ever
    if not _maybe_named().search(text):
        return False  # no doctor named: the hospital system is not asked (a FHIR server is a round trip away)
    try:
        departments = await hospital.departments()
        doctors = [d for dep in departments for d in await hospital.doctors(dep.code)]
    except HospitalUnavailable:
        return False  # the booking flow says honestly that the hospital system does not answer
    words, doctor = named_doctor(text, doctors)
    if words is None:
        return False
    if doctor is not None:
        if ctx.parse.intent.name == "book_appointment":
            return False  # the booking flow reads the doctor itself (booking_start, actions/booking/when.py)
        await booking_start(ctx, hospital, db, cipher, offers, settings)
        ctx.emit("booking_doctor_named", {"doctor": doctor.id})
        return True
    ctx.set_slot("booking_mode", "book")
    buttons = tuple(Button(d.name, f'/booking_choose{{"booking_department": "{d.code}"}}') for d in departments)
    ctx.send(BotMessage(text=ctx.text("utter_booking_doctor_not_found", doctor=words), buttons=buttons))
    ctx.emit("booking_doctor_named", {"doctor": None})
    return True
