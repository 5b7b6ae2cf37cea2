"""What the doctor console shows: every code and value in Chinese words, in one place for the API and the page.

The words come from `labels.yml` (values, units), the NLU lexicon (symptoms, conditions, medicines,
through `build_intake`), the slot labels of the flows and the triage rules' patient-facing reasons.
The page only lays out what this module says.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from typing import Any, Callable

from sqlalchemy import select

from actions.triage.active import ruleset_for
from bot import events as ev
from bot.consultations import Consultation, QueueEntry, build_intake
from bot.consultations.labels import LABELS_FILE, TITLE_SLOTS, Labels, labels  # noqa: F401 (re-exported)
from bot.consultations.summary import _rules as summary_rules, clinical_terms, inferred_sex, other_readings
from bot.answers import normal
from bot.crypto import DecryptionError, FieldCipher, field_cipher, open_answer
from bot.engine import parse_payload
from bot.events import Event
from bot.flow_loader import UNKNOWN
from bot.patients import Patient, Patients, mask_name
from bot.responses import display_value
from bot.runtime import Runtime
from bot.session_facts import OBSERVATION
from bot.state import ConversationState

@dataclass(frozen=True)
class PatientCard:
    """Who is waiting, in a line: the queue card and the detail title."""

    display_name: str
    level: str | None
    level_label: str
    age: str
    sex: str
    complaint: str
    waited: str


@dataclass(frozen=True)
class Fact:
    """One shown value; `new` when the patient gave it during the consultation, `before` what it replaced."""

    label: str
    value: str
    new: bool = False
    before: str | None = None
    abnormal: bool = False
    low: bool = False  # abnormal below the range: the card shows ↓, not ↑ (fix11a)


@dataclass(frozen=True)
class TransferNote:
    """What the transferring doctor wrote to the receiving one."""

    by: str
    department_name: str
    to: str
    note: str
    at: str


@dataclass(frozen=True)
class TriageView:
    """The latest triage: level, and every reason in the rules' patient-facing words; `new` if decided in the session."""

    level: str | None
    level_label: str
    reasons: list[str]
    new: bool


@dataclass
class ConsultationView:
    """The detail pane: title line, intake in words (new facts marked), triage reasons, transfer note."""

    patient: PatientCard
    status_label: str
    facts: list[Fact]
    answers: list[Fact]
    vitals: list[Fact]
    symptoms_present: list[Fact]
    symptoms_absent: list[Fact]
    symptoms_unknown: list[Fact]  # asked, but the patient could not say: never counted as "no"
    risk_factors: list[Fact]
    medications: list[Fact]
    triage: TriageView | None
    transfer: TransferNote | None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    no_medicine: str = ""  # 未用药 when the patient said they took none (the page says 未提及 otherwise)
    # 基础疾病, 本次用药, 药物过敏, 怀孕 with whether each was asked: 未询问 / 无 / 不清楚 / what was said (console7).
    background: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class SlotHistory:
    """Each slot's value before a moment and whether the patient changed it after (dotted keys for maps).

    In a live session a changed fact stays in the slot as the intake had it and arrives as an
    `observation` (bot/session_facts.py): the fact shows what the patient said last, marked new,
    with the intake's value as what it replaced.
    """

    def __init__(self, events: list[Event], since: float) -> None:
        self.before: dict[str, Any] = {}
        self.changed: set[str] = set()
        self.observed: dict[str, Any] = {}
        for event in events:
            if event.type == ev.RESTARTED:
                self.before.clear()
                self.changed.clear()
                self.observed.clear()
            if event.type not in (ev.SLOT, OBSERVATION):
                continue
            name, value = str(event.data.get("name")), event.data.get("value")
            pairs = [(f"{name}.{k}", v) for k, v in value.items()] if isinstance(value, dict) else [(name, value)]
            for key, item in pairs:
                if event.type == OBSERVATION:
                    if event.timestamp >= since:
                        self.observed[key] = item
                elif event.timestamp < since:
                    self.before[key] = item
                elif self.before.get(key) != item:
                    self.changed.add(key)

    def fact(self, key: str, label: str, value: Any, show: Callable[[Any], str], abnormal: bool = False,
             low: bool = False) -> Fact:
        """`value` shown by `show`; new when the patient gave it in the session (and it is not what it was)."""
        if key in self.observed and self.observed[key] != value:
            return Fact(label, show(self.observed[key]), True, show(value) if value is not None else None, abnormal, low)
        old = self.before.get(key)
        new = key in self.changed and (key not in self.before or old != value)
        before = show(old) if new and old is not None else None
        return Fact(label, show(value), new, before, abnormal, low)


async def card_name(runtime: Runtime, state: ConversationState) -> str | None:
    """The masked name of the card the patient chose (王*英), or None without one."""
    if not state.channel or not state.sender:
        return None
    async with runtime.db.transaction() as session:
        patient = await session.scalar(select(Patient).where(
            Patient.channel == state.channel, Patient.external_id == state.sender))
        if patient is None or patient.active_card_id is None:
            return None
        try:
            holder = await Patients(session, field_cipher(runtime.config)).current_holder(patient)
        except DecryptionError:
            return None  # a card sealed with a retired key: the fallback name still tells patients apart
    return mask_name(holder.name) if holder else None


def _first_words(events: list[Event], limit: int = 30) -> str:
    """The patient's first typed message since the last restart (not a button, not the page's /greet), cut to
    `limit` characters with …: a queue card's complaint when the bot asked none."""
    first = ""
    for event in events:
        if event.type == ev.RESTARTED:
            first = ""
        elif event.type == ev.USER and not first and not event.data.get("payload"):
            text = str(event.data.get("text") or "").strip()
            if text and not text.startswith("/"):
                first = text
    return first if len(first) <= limit else first[:limit] + "…"


async def patient_card(runtime: Runtime, c: Consultation, state: ConversationState,
                       now: dt.datetime | None = None) -> PatientCard:
    """The patient in a line. The level is the conversation's latest triage (a red flag raised while
    waiting shows at once), else the consultation's."""
    words = labels()
    slots = state.slots
    level = (state.latest_triage or {}).get("level") or c.level
    complaint = slots.get("chief_complaint")
    present = build_intake(state, []).symptoms_present[:3]
    if any(i.code in clinical_terms() for i in present):  # 自杀意念 with the patient's own words (newcomer trial 12)
        present = build_intake(state, await runtime.engine.events(c.conversation_id)).symptoms_present[:3]
    if present:  # the first symptoms the patient has say more than the complaint's group ("发烧、咳嗽" over "发热")
        complaint_text = words.data["separator"].join(words.code(i.code, i.label) for i in present)
    elif complaint is None:
        # No complaint asked (a question about medicines, "吃了头孢能喝酒吗"): the patient's own first words say
        # what they came for, never 未询问 (fix8a).
        complaint_text = _first_words(await runtime.engine.events(c.conversation_id)) or words.value("chief_complaint", None)
    else:
        complaint_text = words.value("chief_complaint", complaint)
    age = slots.get("age")
    if age is None and isinstance(slots.get("age_months"), (int, float)):
        age = slots["age_months"] / 12
    minutes = ((now or dt.datetime.now(dt.timezone.utc)) - (c.waiting_since or c.requested_at)).total_seconds() / 60
    sex = words.value("sex", slots.get("sex"))
    if slots.get("sex") not in (None, "", UNKNOWN) and slots.get("sex_by_kin") == slots.get("sex"):
        sex = words.data["inferred_sex"].format(sex=sex)  # set from the kinship word only (round 12), not answered
    elif slots.get("sex") in (None, "", UNKNOWN) and (slots.get("subject") not in (None, "self") or slots.get("pregnant")):
        if (guess := inferred_sex(slots, await runtime.engine.events(c.conversation_id))) is not None:
            sex = words.data["inferred_sex"].format(sex=words.value("sex", guess))
    return PatientCard(
        display_name=words.display_name(await card_name(runtime, state), c.conversation_id),
        level=level, level_label=words.level(level), age=words.value("age", age),
        sex=sex, complaint=complaint_text, waited=words.waited(minutes))


def transfer_note(events: list[Event], consultation_id: str) -> TransferNote | None:
    """The latest transfer of this consultation, as the receiving doctor reads it."""
    for event in reversed(events):
        data = event.data
        if event.type == ev.HANDOFF and data.get("consultation_id") == consultation_id and data.get("status") == "transferred":
            by, to = data.get("by") or {}, data.get("to_doctor") or {}
            return TransferNote(
                by=" ".join(filter(None, [by.get("name"), by.get("title")])), department_name=str(data.get("department_name", "")),
                to=" ".join(filter(None, [to.get("name"), to.get("title")])), note=str(data.get("note") or ""),
                at=dt.datetime.fromtimestamp(event.timestamp, dt.timezone.utc).isoformat())
    return None


def _triage(runtime: Runtime, triage: dict[str, Any] | None, events: list[Event], since: float) -> TriageView | None:
    """The latest level with its reasons in the words of the rules (never rule ids); the doctor's wording where
    the rule's speaks to the patient (labels.yml `doctor_reasons`)."""
    if not triage:
        return None
    words = labels()
    latest = next((e for e in reversed(events) if e.type == ev.TRIAGE), None)
    return TriageView(triage.get("level"), words.level(triage.get("level")), doctor_reasons(runtime, triage),
                      latest is not None and latest.timestamp >= since)


def doctor_reasons(runtime: Runtime, triage: dict[str, Any]) -> list[str]:
    """The triage's reasons as a doctor reads them, on every surface (the console, the Telegram summary): the rules'
    words (never rule ids), the doctor's wording where the rule's speaks to the patient (labels.yml `doctor_reasons`)."""
    words = labels()
    ruleset = ruleset_for(runtime)
    explained = {r.id: r.reason for r in ruleset.rules} | {m.id: m.reason for m in ruleset.modifiers}
    reasons = list(triage.get("reasons") or [])
    # A reason worded to the patient ("请医生帮您判断") is read by the doctor in the doctor's words (fix8a).
    for rule_id, doctors in words.data["doctor_reasons"].items():
        if explained.get(rule_id) in reasons:
            reasons[reasons.index(explained[rule_id])] = doctors
    for rule_id in triage.get("rules") or []:
        reason = words.data["doctor_reasons"].get(rule_id) or explained.get(rule_id) or words.data["rules"].get(rule_id)
        if reason and reason not in reasons:
            reasons.append(reason)
    return reasons


def medicines_as_typed(events: list[Event]) -> dict[str, str]:
    """Each medicine code with the patient's own words for it, amount included ("泰诺林两片"), latest last.

    The code names the ingredient (对乙酰氨基酚); what the patient typed says the brand and how much,
    which a doctor needs beside it. Denied mentions ("没吃布洛芬") are left out; a code said in several
    ways keeps each way once (泰诺林两片、对乙酰氨基酚).
    """
    said: dict[str, list[str]] = {}
    for event in events:
        if event.type != ev.USER:
            continue
        for entity in event.data.get("entities") or []:
            if not isinstance(entity, dict) or entity.get("entity") != "medication" or entity.get("negated"):
                continue
            amount = entity.get("amount")
            words = str(entity.get("text") or "") + (str(amount.get("text") or "") if isinstance(amount, dict) else "")
            code = str(entity.get("value") or "")
            if code and words and words not in said.setdefault(code, []):
                said[code].append(words)
    return {code: labels().data["separator"].join(ways) for code, ways in said.items()}


def chosen_buttons(events: list[Event]) -> dict[str, tuple[Any, str]]:
    """What the patient chose for each answer by a button, tapped or its title typed: slot → (value, title).

    A pain score tapped as "中（4–6分）" is stored as the range's middle (5); the doctor reads the range
    the patient chose, not a number they never said. The latest choice of each slot wins; an answer
    given later in other words (a value the button does not carry) is shown as itself.
    """
    chosen: dict[str, tuple[Any, str]] = {}
    shown: list[dict[str, Any]] = []
    for event in events:
        if event.type == ev.RESTARTED:
            chosen.clear()
        if event.type == ev.BOT:
            shown = [b for b in event.data.get("buttons") or () if isinstance(b, dict)] or shown
            continue
        if event.type != ev.USER:
            continue
        said = str(event.data.get("payload") or event.data.get("text") or "").strip()
        typed = normal(said)
        button = next((b for b in shown if str(b.get("payload") or "") == said
                       or (typed and normal(str(b.get("title") or "")) == typed)), None)
        shown = []
        if button is None:
            continue
        intent, values, ok = parse_payload(str(button.get("payload") or ""))
        for name, value in values.items() if ok and intent == "inform" else ():
            chosen[str(name)] = (value, str(button.get("title") or ""))
    return chosen


def _as_chosen(name: str, chosen: dict[str, tuple[Any, str]], value: Any) -> str:
    if name in chosen and chosen[name][0] == value and chosen[name][1]:
        return chosen[name][1]
    return labels().value(name, value)


def _measured(value: Any, unit: str, worst: str = "", others: str = "", text: str = "") -> str:
    """39.5 ℃; with the patient's other readings the worst first: 最高39.5 ℃；服药后37度多; 160/95 mmHg (fix8a)."""
    if text:
        return f"{text} {unit}".strip()
    if not isinstance(value, (int, float)):
        return labels().value("", value)
    shown = f"{worst}{display_value(float(value))} {unit}".strip()
    return f"{shown}；{others}" if others else shown


def _vital(history: SlotHistory, events: list[Event], v: dict[str, Any]) -> Fact:
    """A vital sign; a reading changed in the session reads cleanly (console8): the value now, then 原为 the one it replaced,
    once — never "最高39 ℃；另述38度6 新（原为最高38.6 ℃；另述38度6）" with the old reading repeated in the patient's words."""
    fact = history.fact(v["name"], v["label"], v["value"], partial(_measured, unit=v["unit"], worst=v.get("worst", ""),
                                                                   others=v.get("others", ""), text=v.get("text", "")),
                        v["abnormal"], bool(v.get("low")))
    name = v["name"]
    if not fact.new or v.get("text"):
        return fact
    observed = history.observed.get(name)
    if observed is not None and observed != v["value"]:
        now, old = observed, v["value"]  # said in the session, the slot keeps the intake's
    else:
        now, old = v["value"], history.before.get(name)
    if not isinstance(now, (int, float)):
        return fact
    skip = (float(old),) if isinstance(old, (int, float)) else ()
    others = other_readings(events, name, float(now), summary_rules()["readings"], skip)
    shown = _measured(now, v["unit"], v.get("worst", "") if others else "", others)
    before = f" {_measured(old, v['unit'])}" if isinstance(old, (int, float)) else fact.before
    return replace(fact, value=shown, before=before)


async def consultation_view(runtime: Runtime, c: Consultation, state: ConversationState, events: list[Event],
                            intake: dict[str, Any]) -> ConsultationView:
    """The detail pane of one consultation; `intake` is `build_intake(...).to_dict()` as the API returns it."""
    words = labels()
    since = (c.accepted_at or c.requested_at).timestamp()
    history = SlotHistory(events, since)
    slots = state.slots
    spec = runtime.flows.slots
    facts = [history.fact(name, words.slot_label(name, shown["label"]), shown["value"], partial(words.value, name))
             for name, shown in intake["patient"].items() if name not in TITLE_SLOTS]
    # console8: 体重 and 居住情况 as the patient said them, beside who the patient is.
    facts += [Fact(f["label"], f["text"]) for f in intake.get("said") or []]
    chosen = chosen_buttons(events)
    answers = [history.fact(name, words.slot_label(name, spec[name].label), slots[name], partial(_as_chosen, name, chosen))
               for name in words.data["answers"] if name in spec and slots.get(name) is not None]
    vitals = [_vital(history, events, v) for v in intake["vitals"]]

    def items(key: str, group: str) -> list[Fact]:
        # A tag is its label; its value is only compared, to say what the patient answered before.
        return [replace(history.fact(f"{group}.{i['code']}", words.code(i["code"], i["label"]),
                                     (slots.get(group) or {}).get(i["code"]), words.answered_before), value="")
                for i in intake[key]]

    # A risk factor from the age or a pregnancy is not a `conditions` key: its newness is not tracked.
    risks = items("risk_factors", "conditions")
    typed = medicines_as_typed(events)
    medications = [replace(f, value=typed.get(i["code"], "")) for f, i in zip(items("medications", "medications"),
                                                                             intake["medications"])]
    return ConsultationView(
        patient=await patient_card(runtime, c, state), status_label=words.status(c.status), facts=facts, answers=answers, vitals=vitals,
        symptoms_present=items("symptoms_present", "symptoms"), symptoms_absent=items("symptoms_absent", "symptoms"),
        symptoms_unknown=items("symptoms_unknown", "symptoms"), risk_factors=risks, medications=medications,
        triage=_triage(runtime, intake["triage"], events, since), transfer=transfer_note(events, c.id),
        attachments=intake["attachments"], no_medicine=intake.get("no_medicine", ""),
        background=list(intake.get("background") or []))


# A sealed answer: the cipher's version, then url-safe base64 (no spaces, nothing else).
_SEALED_SHAPE = re.compile(r"v\d+:[A-Za-z0-9_\-=]{16,}")
# The web chat's own opening message (integrations/web/static/chat.js), not anything the patient chose.
PAGE_PAYLOADS = frozenset({"/greet"})


def is_sealed(cipher: FieldCipher | None, text: str) -> bool:
    """Whether a patient's line is an identifying answer sealed at rest (even under a retired key)."""
    if cipher is not None and open_answer(cipher, text) != text:
        return True
    return bool(_SEALED_SHAPE.fullmatch(text.strip()))


def button_titles(events: list[Event], lines: list[dict[str, Any]],
                  cipher: FieldCipher | None = None) -> list[dict[str, Any]]:
    """Transcript lines as a doctor reads them: a tapped button as the words on it (转人工医生), not its
    payload; a sealed identifying answer as a note, never its ciphertext (a treating doctor reads the
    card through the audited path); the web chat's own opening message as a note that the page opened."""
    titles: dict[str, str] = {}
    for event in events:
        if event.type != ev.BOT:
            continue
        for button in event.data.get("buttons") or ():
            if isinstance(button, dict) and button.get("payload"):
                titles[str(button["payload"])] = str(button.get("title") or "")
    words = labels().data
    for line in lines:
        text = line.get("text") or ""
        if line.get("from") != "patient" or not text:
            continue
        if text.split("{")[0].strip() in PAGE_PAYLOADS:
            line["text"] = words["opened_web_chat"]
        elif text.startswith("/"):
            line["text"] = titles.get(text) or words["tapped_button"]
        elif is_sealed(cipher, text):
            line["text"] = words["sealed_answer"]
    return lines


async def queue_cards(runtime: Runtime, entries: list[QueueEntry]) -> list[dict[str, Any]]:
    """The queue as the API returns it: each entry with its patient card."""
    now = dt.datetime.now(dt.timezone.utc)
    return [{**e.to_dict(), "patient": asdict(await patient_card(
        runtime, e.consultation, await runtime.engine.state(e.consultation.conversation_id), now))}
        for e in entries]


async def consultation_cards(runtime: Runtime, found: list[Consultation]) -> list[dict[str, Any]]:
    """A list of consultations (my sessions, recent ones) with each patient's card."""
    return [{**c.to_dict(), "patient": asdict(await patient_card(
        runtime, c, await runtime.engine.state(c.conversation_id)))} for c in found]
