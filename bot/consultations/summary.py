"""The intake summary a doctor reads on accepting: who, symptoms present and absent, vitals, risks, triage.

Built from the conversation the bot had (slots, latest triage, attachments in the event log);
which vitals count as abnormal and which answers are risk factors is data (`summary.yml`).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlu.yaml_files import load_yaml

from bot import events as ev
from bot.answers import is_unknown, says_no, weight_said
from bot.code_names import code_name
from bot.config import PROJECT_ROOT
from bot.events import Event
from bot.expressions import compile_expression
from bot.flow_loader import UNKNOWN
from bot.responses import display_value
from bot.situations import says_alone
from bot.state import ConversationState

RULES_FILE = Path(__file__).with_name("summary.yml")
SLOTS_FILE = PROJECT_ROOT / "flows" / "slots.yml"
# A suicide plan said after the crisis answer (actions/handoff.py crisis_followup): {text, means}. It is
# shown under the risks in the patient's words; a medicine named only in it is its means, not a medicine
# taken ("攒了一瓶安眠药" is no 用药: 镇静催眠药).
CRISIS_PLAN_EVENT = "crisis_plan"
STOCKPILED = "stockpiled_medicine"  # a risk fact: medicines saved up (newcomer trial 12)
WHO = ("subject", "age", "sex", "pregnant", "pregnancy_weeks", "antigen_result", "vaccine_doses", "duration_hours")


@dataclass(frozen=True)
class Vital:
    name: str
    label: str
    value: float
    unit: str
    abnormal: bool
    # The other readings the patient typed, in their words, when the worst one is kept ("服药后37度多"); the
    # value is then the worst reading ("最高"), never the later, lower one (fix8a).
    others: str = ""
    worst: str = ""
    # A reading no single number says (blood pressure "160/95"): shown instead of the value.
    text: str = ""
    low: bool = False  # abnormal below the range (SpO2 91 %): ↓ on the doctor's card, never ↑ (fix11a)


@dataclass(frozen=True)
class Item:
    code: str
    label: str


@dataclass
class IntakeSummary:
    """Everything on the doctor's first screen; `to_dict` is what the console API returns."""

    patient: dict[str, Any]
    symptoms_present: list[Item] = field(default_factory=list)
    symptoms_absent: list[Item] = field(default_factory=list)
    symptoms_unknown: list[Item] = field(default_factory=list)  # asked, but the patient could not say
    vitals: list[Vital] = field(default_factory=list)
    risk_factors: list[Item] = field(default_factory=list)
    medications: list[Item] = field(default_factory=list)
    # "还没吃药" and no medicine named: 未用药 on the doctor's screen instead of 未提及 (fix8a).
    no_medicine: str = ""
    triage: dict[str, Any] | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    # Facts the patient gave during the live session, newest last: shown as new, never merged silently.
    observations: list[dict[str, Any]] = field(default_factory=list)
    # Transfers (with the sending doctor's note) and invitations, oldest first.
    transfers: list[dict[str, Any]] = field(default_factory=list)
    invitations: list[dict[str, Any]] = field(default_factory=list)
    # The history questions (基础疾病, 本次用药, 药物过敏, 怀孕) each with whether it was asked (console7): `background`.
    background: list[dict[str, Any]] = field(default_factory=list)
    # What the patient said that matters beside the questions (console8): 体重, 居住情况 — `{name, label, text}`.
    said: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient": self.patient,
            "symptoms_present": [i.__dict__ for i in self.symptoms_present],
            "symptoms_absent": [i.__dict__ for i in self.symptoms_absent],
            "symptoms_unknown": [i.__dict__ for i in self.symptoms_unknown],
            "vitals": [v.__dict__ for v in self.vitals],
            "risk_factors": [i.__dict__ for i in self.risk_factors],
            "medications": [i.__dict__ for i in self.medications],
            "no_medicine": self.no_medicine,
            "triage": self.triage,
            "attachments": self.attachments,
            "observations": self.observations,
            "transfers": self.transfers,
            "invitations": self.invitations,
            "background": self.background,
            "said": self.said,
        }


@lru_cache(maxsize=1)
def _rules() -> dict[str, Any]:
    data = load_yaml(RULES_FILE.read_text(encoding="utf-8"))
    for spec in data["vitals"].values():
        spec["expression"] = compile_expression(spec["abnormal"])
        spec["low_expression"] = compile_expression(spec["low"]) if spec.get("low") else None
    for spec in data["risk_factors"].values():
        spec["expression"] = compile_expression(spec["when"])
    return data


def vital_names() -> frozenset[str]:
    """The slots that are vital-sign readings (intake.yml `vitals`)."""
    return frozenset(_rules()["vitals"])


@lru_cache(maxsize=1)
def _slot_labels() -> dict[str, str]:
    data = load_yaml(SLOTS_FILE.read_text(encoding="utf-8")) if SLOTS_FILE.exists() else {}
    return {name: str(spec.get("label", name)) for name, spec in (data.get("slots") or {}).items()
            if isinstance(spec, dict)}


def _items(mapping: Any, group: str, want: Any) -> list[Item]:
    """The entries whose value is `want` (True present, False denied, UNKNOWN asked but not known)."""
    if not isinstance(mapping, dict):
        return []
    return [Item(code, code_name(group, code)) for code, value in mapping.items() if (value == UNKNOWN if want == UNKNOWN else value is want)]


def patient_attachments(events: list[Event]) -> list[dict[str, Any]]:
    """What the patient sent besides text, in order: files a channel fetched and stored (`attachment`
    events, e.g. WeChat images) replace the bare references of the same media in the messages."""
    stored = {e.data.get("media_id"): dict(e.data) for e in events if e.type == "attachment"}
    found: list[dict[str, Any]] = []
    for event in events:
        if event.type == ev.USER:
            found += [a for a in event.data.get("attachments") or [] if not a.get("media_id") or a["media_id"] not in stored]
        elif event.type == "attachment":
            found.append(dict(event.data))
    return found


def crisis_plans(events: list[Event]) -> tuple[list[str], set[str]]:
    """(the plans said, in the patient's words; the medicine codes named only in them), since the last restart."""
    plans: list[str] = []
    in_plans: set[str] = set()
    elsewhere: set[str] = set()
    last: set[str] = set()
    for event in events:
        if event.type == ev.RESTARTED:
            plans, in_plans, elsewhere, last = [], set(), set(), set()
        elif event.type == ev.USER:
            elsewhere |= last  # the message before was no plan
            last = {str(e.get("value")) for e in event.data.get("entities") or []
                    if isinstance(e, dict) and e.get("entity") == "medication" and not e.get("negated")}
        elif event.type == CRISIS_PLAN_EVENT:
            if event.data.get("text"):
                plans.append(str(event.data["text"]))
            in_plans |= last
            last = set()
    elsewhere |= last
    return plans, in_plans - elsewhere


def stockpiles(events: list[Event]) -> tuple[list[str], set[str]]:
    """(the messages saying medicines were saved up, in the patient's words; the medicine codes named only in them),
    since the last restart (summary.yml `stockpiled`; newcomer trial 12: 攒的安眠药 read as 本次用药)."""
    pattern = re.compile(_rules()["stockpiled"]["words"])
    said: list[str] = []
    in_them: set[str] = set()
    elsewhere: set[str] = set()
    for event in events:
        if event.type == ev.RESTARTED:
            said, in_them, elsewhere = [], set(), set()
        elif event.type == ev.USER and not event.data.get("payload"):
            text = str(event.data.get("text") or "").strip()
            named = {str(e.get("value")) for e in event.data.get("entities") or []
                     if isinstance(e, dict) and e.get("entity") == "medication" and not e.get("negated")}
            if pattern.search(text):
                said.append(text)
                in_them |= named
            else:
                elsewhere |= named
    return said, in_them - elsewhere


def clinical_terms() -> dict[str, str]:
    """The symptom codes a clinician names otherwise, with their terms (summary.yml `clinical_terms`)."""
    return dict(_rules()["clinical_terms"]["symptoms"])


def clinical_symptoms(items: list[Item], events: list[Event]) -> list[Item]:
    """Symptoms a clinician names otherwise (summary.yml `clinical_terms`: 想死 → 自杀意念), with the patient's words
    in quotes: the first words since the last restart that named the code, else the lexicon's word."""
    terms = _rules()["clinical_terms"]
    if not any(i.code in terms["symptoms"] for i in items):
        return items
    said: dict[str, str] = {}
    for event in events:
        if event.type == ev.RESTARTED:
            said = {}
        elif event.type == ev.USER:
            for e in event.data.get("entities") or []:
                if isinstance(e, dict) and e.get("entity") == "symptom" and not e.get("negated") and e.get("text"):
                    said.setdefault(str(e.get("value")), str(e["text"]))
    return [Item(i.code, terms["format"].format(term=terms["symptoms"][i.code], said=said.get(i.code, i.label)))
            if i.code in terms["symptoms"] else i for i in items]


def other_readings(events: list[Event], name: str, kept: float, words: dict[str, str], skip: tuple[float, ...] = ()) -> str:
    """The patient's other readings of a vital sign since the last restart, in their words ("37度多"), marked
    服药后 when the message names a medicine or 退: a doctor sees the fever's peak and what the medicine did.
    `skip`: readings shown elsewhere (console8: the value a new one replaced, shown once as 原为…)."""
    said: list[str] = []
    for event in events:
        if event.type == ev.RESTARTED:
            said = []
        if event.type != ev.USER:
            continue
        text = str(event.data.get("text") or "")
        entities = [e for e in event.data.get("entities") or [] if isinstance(e, dict)]
        medicine = any(e.get("entity") == "medication" and not e.get("negated") for e in entities) or "退" in text
        for e in entities:
            value = e.get("value")
            if e.get("entity") != name or not isinstance(value, int | float) or float(value) == kept \
                    or float(value) in skip:
                continue
            end = int(e.get("end") or 0)
            reading = str(e.get("text") or value) + (text[end] if end < len(text) and text[end] in "多左右" else "")
            reading = words["after_medicine" if medicine else "other"].format(text=reading)
            if reading not in said:
                said.append(reading)
    return "；".join(said)


_BARE_PAIR = re.compile(r"^\s*(\d{2,3})\s*[/／]\s*(\d{2,3})\s*(?:mmhg)?\s*$", re.IGNORECASE)


def blood_pressures(events: list[Event]) -> list[tuple[int, int | None]]:
    """The blood pressures the patient typed since the last restart, in order (the NLU's `blood_pressure`
    entity, or a message that is only "150/90"): no slot holds them, the triage reads them from the text
    (actions/intake_facts.py), but the doctor must see them (fix8a: "我血压一百六九十五" showed 未测量)."""
    found: list[tuple[int, int | None]] = []
    for event in events:
        if event.type == ev.RESTARTED:
            found = []
        if event.type != ev.USER:
            continue
        said: list[dict[str, Any]] = [e["value"] for e in event.data.get("entities") or []
                if isinstance(e, dict) and e.get("entity") == "blood_pressure" and isinstance(e.get("value"), dict)]
        bare = _BARE_PAIR.match(str(event.data.get("text") or ""))
        if not said and bare and 70 <= int(bare[1]) <= 300 and 30 <= int(bare[2]) <= 200 and int(bare[1]) > int(bare[2]):
            said = [{"systolic": int(bare[1]), "diastolic": int(bare[2])}]
        for value in said:
            reading = (int(value["systolic"]), int(value["diastolic"]) if value.get("diastolic") else None)
            if reading not in found:
                found.append(reading)
    return found


def _blood_pressure_vital(events: list[Event], spec: dict[str, Any]) -> Vital | None:
    readings = blood_pressures(events)
    if not readings:
        return None
    shown = "；".join(f"{high}/{low}" if low else spec["systolic_only"].format(n=high) for high, low in readings)
    abnormal = any(high >= spec["high"][0] or (low or 0) >= spec["high"][1] for high, low in readings)
    return Vital("blood_pressure", spec["label"], float(readings[-1][0]), spec["unit"], abnormal, text=shown)


@lru_cache(maxsize=1)
def _taken_patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    said = _rules()["medicines_said"]
    return re.compile(said["taken"]), re.compile("|".join(map(re.escape, said["none"])))


def medicines_said(events: list[Event]) -> tuple[list[Item], bool]:
    """The medicines the patient said they took that the lexicon has no code for, in their words ("两片黄连素"),
    and whether they said they took none ("还没吃药"), since the last restart (fix8a: 黄连素 was missing from 用药).
    A phrase overlapping a medicine the NLU read is left to that code (shown in the patient's words anyway)."""
    taken, none = _taken_patterns()
    found: list[Item] = []
    said_none = False
    for event in events:
        if event.type == ev.RESTARTED:
            found, said_none = [], False
        if event.type != ev.USER or event.data.get("payload"):
            continue
        text = str(event.data.get("text") or "")
        coded = [(int(e.get("start") or 0), int(e.get("end") or 0)) for e in event.data.get("entities") or []
                 if isinstance(e, dict) and e.get("entity") == "medication"]
        said_none = said_none or bool(none.search(text))
        for m in taken.finditer(text):
            words = m.group(1)
            if len(words) < 2 or any(start < m.end(1) and end > m.start(1) for start, end in coded):
                continue
            if words not in [i.label for i in found]:
                found.append(Item(f"said:{words}", words))
    return found, said_none


def inferred_sex(slots: dict[str, Any], events: list[Event]) -> str | None:
    """'male' / 'female' when the sex was never answered but a pregnancy or the kinship word naming the patient
    says it ("我妈", "我老公"; summary.yml `sex_words`), else None (fix8a: they showed 未询问)."""
    if slots.get("sex") not in (None, "", UNKNOWN):
        return None
    if slots.get("pregnant") is True or (slots.get("conditions") or {}).get("pregnancy") is True:
        return "female"
    said = ""
    for event in events:
        if event.type == ev.RESTARTED:
            said = ""
        elif event.type == ev.USER:
            said = next((str(e.get("text") or "") for e in event.data.get("entities") or [] if isinstance(e, dict)
                         and e.get("entity") == "subject" and e.get("value") == slots.get("subject")), said)
    words = _rules()["sex_words"]
    found = {sex for sex, kin in words.items() if any(word in said for word in kin)}
    return found.pop() if len(found) == 1 else None


def _answered(value: Any) -> str | None:
    """A typed (or tapped) answer to a history question: "none" (the patient said none), "unknown" (they do not know),
    "said" (something else, in their words), or None when it was never answered."""
    if value is None or value == "":
        return None
    if value == UNKNOWN:
        return "unknown"
    text = str(value).strip()
    if text == "none":
        return "none"
    if is_unknown(text):
        return "unknown"
    return "none" if says_no(text) else "said"


def background(slots: dict[str, Any], medications: list[Item], said_none: bool) -> list[dict[str, Any]]:
    """基础疾病, 本次用药, 药物过敏 and 怀孕 as the doctor reads them, each `{name, label, status, text}` with `status`
    present | none | unknown | not_asked (console7: a summary said "基础疾病：无" for a question never asked). 无 only when
    the patient said none, 不清楚 when they said they do not know, 未询问 when nobody asked; 怀孕 is left out unless
    it was asked or said."""
    words = _rules()["background"]

    def entry(name: str, status: str, text: str = "") -> dict[str, Any]:
        if not text:
            text = (words["none_of"].get(name, words["none"]) if status == "none"
                    else words["unknown"] if status == "unknown" else words["not_asked"])
        return {"name": name, "label": words["labels"][name], "status": status, "text": text}

    found: list[dict[str, Any]] = []
    said_conditions = slots.get("conditions")
    conditions: dict[str, Any] = said_conditions if isinstance(said_conditions, dict) else {}
    named = [code_name("conditions", c) for c, v in conditions.items() if v is True and c != "pregnancy"]
    answer = _answered(slots.get("conditions_answer"))
    if named:
        found.append(entry("conditions", "present", "、".join(named)))
    elif answer == "said":
        found.append(entry("conditions", "present", str(slots["conditions_answer"]).strip()))
    elif answer == "unknown" or UNKNOWN in conditions.values():
        found.append(entry("conditions", "unknown"))
    elif answer == "none" or (conditions and all(v is False for v in conditions.values())):
        found.append(entry("conditions", "none"))
    else:
        found.append(entry("conditions", "not_asked"))
    taken = _answered(slots.get("medicines_taken"))
    if medications:
        found.append(entry("medications", "present", "、".join(i.label for i in medications)))
    elif said_none or taken == "none":
        found.append(entry("medications", "none"))
    elif taken == "unknown":
        found.append(entry("medications", "unknown"))
    elif taken == "said":
        found.append(entry("medications", "present", str(slots["medicines_taken"]).strip()))
    else:
        found.append(entry("medications", "not_asked"))
    allergies = _answered(slots.get("drug_allergies"))
    found.append(entry("allergies", "present", str(slots["drug_allergies"]).strip()) if allergies == "said"
                 else entry("allergies", allergies or "not_asked"))
    pregnant = slots.get("pregnant")
    if pregnant is True or conditions.get("pregnancy") is True:
        found.append(entry("pregnancy", "present", words["present_of"]["pregnancy"]))
    elif pregnant is False:
        found.append(entry("pregnancy", "none"))
    elif pregnant == UNKNOWN:
        found.append(entry("pregnancy", "unknown"))
    return found


def _quote(text: str, limit: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "…"


def said_facts(slots: dict[str, Any], events: list[Event]) -> list[dict[str, Any]]:
    """体重 and 居住情况 when the patient said them (console8): the weight in kg with the words as typed ("9 kg（患者原话：
    十八斤）"), the answer to the weight question otherwise; 独居 / 独自在家 with the message that said it."""
    words = _rules()["said"]
    weight: tuple[float, str] | None = None
    alone = ""
    for event in events:
        if event.type == ev.RESTARTED:
            weight, alone = None, ""
        if event.type != ev.USER or event.data.get("payload"):
            continue
        text = str(event.data.get("text") or "")
        weight = weight_said(text) or weight
        if says_alone(text):
            alone = text
    found: list[dict[str, Any]] = []
    spec = words["weight"]
    if weight is not None:
        kg = display_value(weight[0])
        found.append({"name": "weight", "label": spec["label"], "text": spec["as_said"].format(kg=kg, said=weight[1])})
    elif isinstance(slots.get("weight_kg"), (int, float)):
        found.append({"name": "weight", "label": spec["label"], "text": spec["text"].format(kg=display_value(float(slots["weight_kg"])))})
    living = words["living"]
    if alone or slots.get("home_alone") is True:
        kind = "lives_alone" if any(w in alone for w in living["lives_alone_words"]) else "alone_now"
        text = living[kind] if not alone else living["as_said"].format(text=living[kind], said=_quote(alone))
        found.append({"name": "living", "label": living["label"], "text": text})
    return found


def build_intake(state: ConversationState, events: list[Event]) -> IntakeSummary:
    slots = state.slots
    labels = _slot_labels()
    rules = _rules()
    patient = {name: {"label": labels.get(name, name), "value": slots[name]} for name in WHO
               if slots.get(name) is not None}
    vitals = []
    for name, spec in rules["vitals"].items():
        if isinstance(slots.get(name), (int, float)):
            others = other_readings(events, name, float(slots[name]), rules["readings"])
            abnormal = spec["expression"].evaluate(slots)
            low = bool(abnormal and spec["low_expression"] is not None and spec["low_expression"].evaluate(slots))
            vitals.append(Vital(name, labels.get(name, name), float(slots[name]), spec["unit"],
                                abnormal, others, spec.get("worst", "") if others else "", low=low))
    if (pressure := _blood_pressure_vital(events, rules["blood_pressure"])) is not None:
        vitals.append(pressure)
    risks = _items(slots.get("conditions"), "conditions", True)
    risks += [Item(code, spec["label"]) for code, spec in rules["risk_factors"].items()
              if spec["expression"].evaluate(slots)]
    plans, means_only = crisis_plans(events)
    risks += [Item(CRISIS_PLAN_EVENT, rules["crisis_plan"].format(text=text)) for text in plans]
    saved, saved_only = stockpiles(events)
    plan_texts = set(plans)
    risks += [Item(STOCKPILED, rules["stockpiled"]["label"].format(text=text)) for text in saved
              if text not in plan_texts]
    medications = [i for i in _items(slots.get("medications"), "medications", True)
                   if i.code not in means_only and i.code not in saved_only]
    said, said_none = medicines_said(events)
    medications += said
    attachments = patient_attachments(events)
    return IntakeSummary(
        patient=patient,
        symptoms_present=clinical_symptoms(_items(slots.get("symptoms"), "symptoms", True), events),
        symptoms_absent=_items(slots.get("symptoms"), "symptoms", False),
        symptoms_unknown=_items(slots.get("symptoms"), "symptoms", UNKNOWN),
        vitals=vitals,
        risk_factors=risks,
        medications=medications,
        no_medicine=rules["medicines_said"]["none_label"] if said_none and not medications else "",
        triage=state.latest_triage,
        attachments=attachments,
        background=background(slots, medications, said_none),
        said=said_facts(slots, events),
        **session_history(events, labels),
    )


def session_history(events: list[Event], labels: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """Observations, transfers and invitations, as the doctor's intake panel lists them."""
    history: dict[str, list[dict[str, Any]]] = {"observations": [], "transfers": [], "invitations": []}
    for event in events:
        at = dt.datetime.fromtimestamp(event.timestamp, dt.timezone.utc).isoformat()
        if event.type == "observation":
            name = str(event.data.get("name", ""))
            base, _, key = name.partition(".")
            label = labels.get(base, base) + (f"（{code_name(base, key)}）" if key else "")
            history["observations"].append({"name": name, "label": label, "value": event.data.get("value"),
                                            "previous": event.data.get("previous"), "at": at, "new": True})
        elif event.type == ev.HANDOFF and event.data.get("status") == "transferred":
            history["transfers"].append({"note": event.data.get("note") or "", "by": event.data.get("by"),
                                         "to_doctor": event.data.get("to_doctor"),
                                         "department_name": event.data.get("department_name"), "at": at})
        elif event.type == ev.HANDOFF and event.data.get("invited"):
            history["invitations"].append({"by": event.data.get("doctor"), "invited": event.data.get("invited"),
                                           "at": at})
    return history
