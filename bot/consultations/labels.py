"""The words doctors (and patients, for a corrected fact) read for codes and values: one renderer for every surface.

`labels.yml` holds the words (levels, statuses, values of categorical and yes/no slots, units, ages, durations); the
doctor console (integrations/console/presenters.py), the Telegram doctors' chat, the WeChat and every other patient
text that names a slot's value read them here, so no surface shows a raw code ("spouse") or a stored number a person
cannot use (an age 0.58) — newcomer trial 9 found the Telegram summary did.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlu.yaml_files import load_yaml

from bot.flow_loader import UNKNOWN
from bot.responses import display_value

LABELS_FILE = Path(__file__).with_name("labels.yml")
TITLE_SLOTS = ("age", "sex")  # shown beside the name; the rest of who the patient is follows as facts


class Labels:
    """`labels.yml` read once: the words for levels, values, durations, ages and waiting times."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.units: dict[str, str] = data["units"]

    def level(self, code: str | None) -> str:
        return str(self.data["levels"].get(code, self.data["unclear"]) if code else self.data["unassessed"])

    def status(self, code: str) -> str:
        return str(self.data["statuses"].get(code, self.data["unclear"]))

    def slot_label(self, name: str, default: str) -> str:
        return str(self.data["slot_labels"].get(name, default or name))

    def code(self, code: str, default: str) -> str:
        """A symptom or condition code: the lexicon's word, else ours, else the code itself — never the
        placeholder 无对应说法 (a doctor read it as a symptom on queue cards)."""
        if default and default != code:
            return default
        return str(self.data["codes"].get(code, code))

    def value(self, slot: str, value: Any) -> str:
        """Any slot value as a doctor reads it: 阳性, 3天, 2岁6个月, 是; 未询问 (never asked),
        患者未答 (age or sex asked, no answer), 不确定 (a question answered "不清楚")."""
        if value is None or value == "":
            return str(self.data["not_asked"])
        if value == UNKNOWN:
            return str(self.data["no_answer" if slot in TITLE_SLOTS else "uncertain"])
        if isinstance(value, bool):
            return str(self.data["booleans"][value])
        if slot == "duration_hours" and isinstance(value, (int, float)):
            return self.duration(float(value))
        if slot in ("age", "age_months") and isinstance(value, (int, float)):
            return self.age(float(value) / 12 if slot == "age_months" else float(value))
        if slot in self.data["values"]:
            return str(self.data["values"][slot].get(str(value), self.data["unclear"]))
        if isinstance(value, (int, float)):
            number = str(display_value(float(value)))
            return str(self.data["numbers"].get(slot, "{n}").format(n=number))
        return str(value)

    def duration(self, hours: float) -> str:
        """72 → 3天, 30 → 1天6小时, 5 → 5小时, 0.5 → 30分钟."""
        if hours < 1:
            minutes = round(hours * 60)
            return self.units["minutes"].format(n=minutes) if minutes else self.units["under_an_hour"]
        days, rest = divmod(round(hours), 24)
        parts = [self.units["days"].format(n=days)] if days else []
        if rest or not days:
            parts.append(self.units["hours"].format(n=rest))
        return "".join(parts)

    def age(self, years: float) -> str:
        """34.6 → 34岁, 2.5 → 2岁6个月, 0.5 → 6个月."""
        # A baby's age is stored in years rounded to 2-3 decimals (7个月 → 0.58): its months are rounded back, never
        # floored (fix8a: 宝宝7个月 showed 6个月); from 3 years on a whole year counts (45.9 → 45岁).
        months = round(years * 12) if years < 3 else math.floor(years * 12 + 1e-6)
        if months < 12:
            return self.units["months"].format(n=months) if months else self.units["under_a_month"]
        whole, extra = divmod(months, 12)
        text = self.units["years"].format(n=whole)
        return text + self.units["months"].format(n=extra) if whole < 3 and extra else text

    def waited(self, minutes: float) -> str:
        """How long a patient has waited: 刚刚, 已等12分钟, 已等1小时5分钟."""
        if minutes < 1:
            return self.units["just_now"]
        if minutes < 60:
            return self.units["waiting"].format(time=self.units["minutes"].format(n=int(minutes)))
        hours, rest = divmod(int(minutes), 60)
        text = self.duration(hours) + (self.units["minutes"].format(n=rest) if rest and hours < 24 else "")
        return self.units["waiting"].format(time=text)

    def answered_before(self, value: Any) -> str:
        """A symptom's earlier answer, shown beside its tag when the patient changed it (否认)."""
        return "" if value is None else self.data["was_present" if value else "was_denied"]

    def display_name(self, card_name: str | None, conversation_id: str) -> str:
        """The masked name on the patient's card, else 患者 and the last 4 characters of the conversation."""
        if card_name:
            return card_name
        tail = re.sub(r"[^0-9A-Za-z]", "", conversation_id)[-4:] or conversation_id[-4:]
        return str(self.data["patient"] + tail)


@lru_cache(maxsize=1)
def labels() -> Labels:
    return Labels(load_yaml(LABELS_FILE.read_text(encoding="utf-8")))
