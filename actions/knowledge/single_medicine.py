"""One medicine asked about ("要不要吃布洛芬？", "能吃对乙酰氨基酚吗", "孩子两岁 二十四斤 美林一次喂多少"): session seven.

A question about one medicine is answered about that medicine (content/interactions/single_medicines.yml: what it is
for, the label's adult dose, interval and maximum, when not to take it on one's own, the source) — never with the
article on combining two. The bot does not prescribe: never "you should take it"; a pharmacist or a doctor is offered.
A child's dose question uses the weight (from the message, "二十四斤" = 12 kg, or the conversation's `weight_kg`) with the
mg/kg of the home-care guidance (actions/guidance/content/medicines.yml `child_dosing`); without a weight the bot asks
for it, and the next message that gives one is answered with the dose (slot `dose_medicine`).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlu.yaml_files import load_yaml

from bot.action_api import ActionContext, interceptor
from bot.answers import numbers_in_own_units
from bot.config import PROJECT_ROOT
from bot.messages import BotMessage, Button

from actions.guidance.content import ChildDosing, default_content
from actions.knowledge.combinations import load_combinations

SINGLE_FILE = PROJECT_ROOT / "content" / "interactions" / "single_medicines.yml"
PENDING_SLOT = "dose_medicine"
# Before the free-question interceptor (60), after the safety screen (10) and the live-session relay (20).
PENDING_DOSE_PRIORITY = 59


@dataclass(frozen=True)
class Medicine:
    code: str
    classes: frozenset[str]
    name: str
    text: str
    child_text: str
    source: str
    child_dosing: str | None
    liquids: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class SingleMedicines:
    asked: re.Pattern[str]
    dose: re.Pattern[str]
    child: re.Pattern[str]
    medicines: tuple[Medicine, ...]

    def find(self, classes: frozenset[str]) -> Medicine | None:
        return next((m for m in self.medicines if m.classes & classes), None)

    def by_code(self, code: str) -> Medicine | None:
        return next((m for m in self.medicines if m.code == code), None)


@lru_cache(maxsize=2)
def load_single_medicines(path: Path = SINGLE_FILE) -> SingleMedicines:
    raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    medicines = []
    for code, entry in (raw.get("medicines") or {}).items():
        if not entry.get("zh") or not entry.get("source") or not entry.get("classes"):
            raise ValueError(f"{path}: medicine {code!r} needs classes, zh and a source")
        medicines.append(Medicine(
            code=str(code), classes=frozenset(entry["classes"]), name=str(entry.get("name") or code),
            text=str(entry["zh"]), child_text=str(entry.get("child_zh") or ""), source=str(entry["source"]),
            child_dosing=entry.get("child_dosing"),
            liquids=tuple((str(k), float(v)) for k, v in (entry.get("liquids") or {}).items()),
        ))
    return SingleMedicines(re.compile(raw["asked"]), re.compile(raw["dose"]), re.compile(raw["child"]), tuple(medicines))


def _one_medicine(question: str) -> Medicine | None:
    """The medicine of a question about exactly one medicine the file lists; None otherwise."""
    single = load_single_medicines()
    mentions = load_combinations().mentions(question.lower())
    if len(mentions) != 1 or not single.asked.search(question):
        return None
    return single.find(mentions[0].classes)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def _child_age_months(ctx: ActionContext, question: str) -> tuple[bool, float | None]:
    """(whether the question is about a child under 12, the age in months when known)."""
    years: float | None = None
    subject = None
    if ctx.parse is not None:
        for entity in ctx.parse.entities:
            if entity.entity == "age" and _number(entity.value) is not None:
                years = float(entity.value)
            if entity.entity == "subject":
                subject = entity.value
    if years is None and subject is None:
        years = _number(ctx.slot("age"))
        subject = ctx.slot("subject")
    if years is not None:
        return years < 12, years * 12
    return subject == "child" or bool(load_single_medicines().child.search(question)), None


def _weight(ctx: ActionContext, text: str) -> float | None:
    said = [w for w in numbers_in_own_units("weight_kg", text) if 1 <= w <= 150]
    # only a number said with a weight unit or as the whole answer is a weight (not "两岁" nor "一次")
    if said and re.search(r"斤|公斤|kg|千克", text, re.IGNORECASE):
        return min(said[:2])
    return None


def _dose_text(medicine: Medicine, dosing: ChildDosing, kg: float) -> str:
    low, high = (min(round(kg * per_kg), dosing.max_single_mg) for per_kg in dosing.mg_per_kg)
    liquids = "；".join(f"{name}约{_ml(low / mg)}～{_ml(high / mg)}毫升" for name, mg in medicine.liquids)
    return (f"按体重{kg:g}公斤、说明书的一次{dosing.mg_per_kg[0]:g}～{dosing.mg_per_kg[1]:g}毫克/公斤计算，一次约{low:g}～{high:g}"
            f"毫克" + (f"：{liquids}。同一个牌子也有不同浓度，请以手上药瓶标的浓度和说明书为准" if liquids else "") + "。")


def _ml(value: float) -> str:
    """Down to the half millilitre: never more than the computed dose."""
    return f"{math.floor(value * 2 + 1e-9) / 2:g}"


def _send(ctx: ActionContext, text: str) -> None:
    doctor = (Button(ctx.text("utter_kb_button_doctor"), "/request_doctor"),)
    ctx.send(BotMessage(text=text, buttons=doctor))


def _answer_child(ctx: ActionContext, medicine: Medicine, kg: float, months: float | None) -> None:
    dosing = default_content().child_dosing.get(medicine.child_dosing or "")
    if dosing is None:
        _send(ctx, ctx.text("utter_single_medicine", name=medicine.name, answer=medicine.child_text or medicine.text,
                            source=medicine.source))
    elif months is not None and months < dosing.min_age_months:
        _send(ctx, ctx.text("utter_single_medicine_too_young", name=medicine.name, months=f"{dosing.min_age_months:g}",
                            source=medicine.source))
    else:
        _send(ctx, ctx.text("utter_single_medicine_child_dose", name=medicine.name, dose=_dose_text(medicine, dosing, kg),
                            answer=medicine.child_text, source=medicine.source))
    ctx.emit("knowledge_answer", {"article": None, "medicine": medicine.code, "child_weight_kg": kg})


def answer_single_medicine(ctx: ActionContext, question: str) -> bool:
    """Answer a question about one medicine; False when the question is not one (the knowledge base answers)."""
    medicine = _one_medicine(question)
    if medicine is None:
        return False
    child, months = _child_age_months(ctx, question)
    if child and medicine.child_dosing:
        kg = _weight(ctx, question) or _number(ctx.slot("weight_kg"))
        if kg is not None:
            ctx.note_fact("weight_kg", kg)
            _answer_child(ctx, medicine, kg, months)
            return True
        if load_single_medicines().dose.search(question):
            ctx.set_slot(PENDING_SLOT, medicine.code)
            _send(ctx, ctx.text("utter_single_medicine_ask_weight", name=medicine.name, answer=medicine.child_text,
                                source=medicine.source))
            ctx.emit("knowledge_answer", {"article": None, "medicine": medicine.code, "asked": "weight"})
            return True
        _send(ctx, ctx.text("utter_single_medicine", name=medicine.name, answer=medicine.child_text or medicine.text,
                            source=medicine.source))
    else:
        _send(ctx, ctx.text("utter_single_medicine", name=medicine.name, answer=medicine.text, source=medicine.source))
    ctx.emit("knowledge_answer", {"article": None, "medicine": medicine.code})
    return True


@interceptor("single_medicine_weight", PENDING_DOSE_PRIORITY)
async def weight_for_dose(ctx: ActionContext) -> bool:
    """The answer to "孩子体重多少？" asked for a dose: the dose, from the weight given; anything else goes on as usual."""
    code = ctx.slot(PENDING_SLOT)
    if not code or ctx.message is None:
        return False
    ctx.set_slot(PENDING_SLOT, None)
    medicine = load_single_medicines().by_code(str(code))
    text = ctx.message.text or ""
    numbers = [w for w in numbers_in_own_units("weight_kg", text) if 1 <= w <= 150]
    kg = _weight(ctx, text) or (numbers[0] if numbers and len(text.strip()) <= 6 else None)
    if medicine is None or kg is None:
        return False
    ctx.note_fact("weight_kg", kg)
    _answer_child(ctx, medicine, kg, _child_age_months(ctx, "孩子")[1])
    return True
