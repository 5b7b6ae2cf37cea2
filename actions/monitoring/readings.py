"""Readings typed at any time, outside any flow: recorded, checked, answered; and 退订 stops the reminders.

Two interceptors around the safety screen (10):
- `monitoring_readings` (8) reads the values ("今天早上血氧95，体温37度8", "血压一百五九十五",
  "空腹血糖8.6"), makes the newest value of each vital sign the slot the safety screen reads, and
  adds them to the patient's series in the turn's transaction. A red flag among them is then
  answered by the safety screen (120 first, the doctors on duty alerted), as for any message.
  Answers to a flow's questions (a button, a bare "92") join the series the same way.
- `monitoring_reply` (12) answers a typed message that was only readings: what was recorded, and a
  reading past a threshold the rule set does not cover (blood pressure, glucose, a doctor's own
  limit) re-triages the patient to that threshold's level. A message that also describes an
  illness, answers a question of a flow, or is said in a live doctor session goes on as usual; so
  does a first temperature or SpO2 from someone not followed yet (the intake asks the rest).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from typing import Any, Callable

from nlu.yaml_files import load_yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import events as ev
from bot.action_api import ActionContext, action, interceptor
from bot.consultations.lifecycle import ACTIVE
from bot.crypto import DecryptionError
from bot.db import EventRow, utcnow
from bot.engine import parse_payload
from bot.jobs import Jobs
from bot.messages import BotMessage, Button
from bot.monitoring import MEASURES, Monitoring, Reading, rank, read_readings
from bot.monitoring.models import MonitoredPatient
from bot.monitoring.parse import ENTITY_MEASURES, Found
from bot.monitoring.thresholds import ADULT_YEARS
from bot.monitoring.people import Person, card_key, member_key, relation_of, sex_of_key, sex_of_word
from actions.intake_facts import read_spo2
from bot.patients import MedicalCard, mask_name

READING_EVENT = "monitoring_reading"  # Assessment.to_dict()
RED_FLAG_EVENT = "red_flag"  # recorded by the safety screen (actions/triage/announce.py)
FOLLOWUP_FLOWS = frozenset({"followup_checkin", "monitoring_urgent_checkin"})
# Intents of a message that only reports values; any other (a question, 转人工, …) is answered by the dialogue.
# report_symptoms: "我爸今天血氧94" with no symptom named (a symptom or condition sends it to the intake, below).
READING_INTENTS = frozenset({"inform", "out_of_scope", "greet", "thanks", "affirm", "report_symptoms"})
STOPPED_EVENT = "monitoring_stopped"
WHOSE_INTENT = "monitoring_whose"  # the answer to "whose readings are these?" (a button, or words: button_reader)
PENDING_SLOT = "monitoring_pending"  # readings waiting for that answer: {"readings": [...], "people": [...]}
WHOSE_SLOT = "monitoring_whose"  # the button's number
# Readings told before anyone is known to be their owner, in a message the intake takes up ("阮囝三岁…三十七度八":
# the intake asks 谁不舒服？): kept here, recorded for whom the answer names — never for a 本人 made up meanwhile.
# Kept in the declared slot `monitoring_pending` (flows/monitoring.yml) with `"held": true` and no people.
HELD_SLOT = PENDING_SLOT
OTHER_TRIAGE_EVENT = "monitoring_other_triage"  # a threshold of someone else's reading: not the conversation's triage
# The waiting advice given with a red flag in someone else's reading (flows/responses/*/triage.yml).
ADVICE = {"spo2": "breathing", "respiratory_rate": "breathing"}
PHRASES_FILE = Path(__file__).resolve().parents[2] / "bot" / "monitoring" / "phrases.yml"
_ME = ("我", "俺", "阮", "咱")


@lru_cache(maxsize=1)
def _phrases() -> dict[str, dict[str, str]]:
    return dict(load_yaml(PHRASES_FILE.read_text(encoding="utf-8")) or {})


def phrase(ctx: ActionContext, key: str) -> str:
    """A pattern of bot/monitoring/phrases.yml in the conversation's language."""
    found = _phrases()
    return str((found.get(ctx.state.language) or found["zh"])[key])


def reply(ctx: ActionContext, key: str, **variables: Any) -> str:
    """A monitoring text (`monitoring_<key>` of flows/responses/{zh,en}/monitoring.yml) in the conversation's language."""
    return ctx.text(f"monitoring_{key}", **variables)


def job_key_prefix(conversation_id: str) -> str:
    """The jobs of a conversation as scheduled before migration 0030 (still cancelled by 退订)."""
    return f"monitoring:{conversation_id}:"


def patient_job_prefix(patient_id: int) -> str:
    """Every reminder and check of one monitored person."""
    return f"monitoring-patient:{patient_id}:"


def _typed(ctx: ActionContext) -> str | None:
    message = ctx.message
    if message is None or not message.text or message.payload is not None or message.text.startswith("/"):
        return None
    return message.text


def _said_subjects(ctx: ActionContext) -> list[str]:
    """Whom the message names ("我妈今天血氧94": parent), in order."""
    return list(dict.fromkeys(str(e.value) for e in (ctx.parse.entities if ctx.parse else ())
                              if e.entity == "subject" and not e.negated))


def _said_sex(ctx: ActionContext, subject: str) -> str | None:
    """Which parent the message names when its word says ("我妈血氧95": female); None otherwise."""
    found = {sex_of_word(relation_of(subject), e.text or "") for e in (ctx.parse.entities if ctx.parse else ())
             if e.entity == "subject" and not e.negated and str(e.value) == subject}
    return found.pop() if len(found) == 1 else None


def _someone_else(ctx: ActionContext, said: list[str]) -> bool:
    """The message names only people other than the one the conversation is about ("我爸血氧92" said by a
    daughter whose own intake runs): the reading is theirs, and must not change her slots or her triage."""
    subject = ctx.slot("subject")
    return bool(said) and subject is not None and relation_of(subject) not in {relation_of(s) for s in said}


def _named(ctx: ActionContext, said: list[str]) -> str:
    """The person as the message named them, said back: 我爸 → 您爸, 孩子 → 您孩子."""
    entity = next((e for e in (ctx.parse.entities if ctx.parse else ()) if e.entity == "subject" and not e.negated
                   and str(e.value) in said), None)
    word = entity.text.strip() if entity is not None else ""
    you = reply(ctx, "you")
    if not word:
        return you + ctx.text(f"card_relation_{relation_of(said[0] if said else None)}")
    if ctx.state.language != "zh":
        return word
    return you + (word[1:] if word.startswith(_ME) else word)


async def _slots_before(session: AsyncSession, conversation_id: str, names: set[str]) -> dict[str, Any]:
    """What these slots were before this turn (its events are not stored yet): the newest value of each in
    the conversation's stored events since the last 重新开始; absent, None."""
    found: dict[str, Any] = {}
    rows = await session.stream(select(EventRow.type, EventRow.data).where(
        EventRow.conversation_id == conversation_id, EventRow.type.in_((ev.SLOT, ev.RESTARTED)))
        .order_by(EventRow.seq.desc()).execution_options(yield_per=200))
    async for type_, data in rows:
        if type_ == ev.RESTARTED:
            break
        name = (data or {}).get("name")
        if name in names and name not in found:
            found[name] = data.get("value")
            if len(found) == len(names):
                break
    await rows.close()
    return {n: found.get(n) for n in names}


def _only_readings(ctx: ActionContext) -> bool:
    """A message the short answer takes: no live doctor, no flow question pending, no illness described."""
    if (ctx.state.handoff or {}).get("status") == ACTIVE or (ctx.state.stack and ctx.state.stack[-1].waiting_for):
        return False
    if ctx.parse is None or ctx.parse.intent.name not in READING_INTENTS:
        return False
    return not any(e.entity in ("symptom", "condition") and not e.negated for e in ctx.parse.entities)


async def _whose(ctx: ActionContext, monitoring: Monitoring, session: AsyncSession, from_text: bool) -> list[Person]:
    """Who the readings may be about; more than one when the patient must say."""
    said = _said_subjects(ctx) if from_text else []
    if said:
        people: list[Person] = []
        for subject in said:
            people += [p for p in await monitoring.candidates(session, ctx.conversation_id, ctx.channel, subject,
                                                              _said_sex(ctx, subject))
                       if p.key not in {q.key for q in people}]
        return people
    subject = ctx.slot("subject")
    # The person the conversation is about (its last intake's subject; none after 重新开始).
    current = (await monitoring.candidates(session, ctx.conversation_id, ctx.channel, subject))[:1] if subject else []
    followed = await monitoring.followed(session, ctx.conversation_id)
    if current and current[0].card_id is None and current[0].sex is None and current[0].key not in {r.patient_key for r in followed}:
        # About 父母 (no sex said) while the account follows its parents by sex (父亲, 母亲): one of them, or ask.
        sexed = [Person(r.patient_key, r.relation, r.card_id, sex=sex_of_key(r.patient_key)) for r in followed
                 if r.relation == current[0].relation and sex_of_key(r.patient_key)]
        if len(sexed) == 1:
            current = sexed
        elif sexed:
            current = [] if from_text else sexed[:1]
    if current and (not from_text or relation_of(subject) == "child" or ctx.state.stack):
        # A flow's answer is about whom the flow is about; so is a reading while a child's conversation or an
        # intake runs ("三十七度八" from the parent of a sick child is the child's).
        return current
    people = [Person(r.patient_key, r.relation, r.card_id, sex=sex_of_key(r.patient_key)) for r in followed]
    people += [p for p in current if p.key not in {q.key for q in people}]
    return people or (await monitoring.candidates(session, ctx.conversation_id, ctx.channel, None))[:1]


def _urgent_vital(monitoring: Monitoring, found: list[Found]) -> bool:
    """A vital sign the safety screen answers at once: recorded without asking whose it is first."""
    return any(f.measure in ENTITY_MEASURES and (b := monitoring.thresholds.check(f.measure, f.value, monitoring.thresholds.for_patient({})))
               is not None and rank(b.level) >= rank("urgent") for f in found)


async def who_label(text: Callable[..., str], monitoring: Monitoring, row: MonitoredPatient | Person, name: str | None = None) -> str:
    """The person as the patient reads it: 本人, 父母, 母亲 (a parent without a card named as 我妈), 张*丰（父母）."""
    sex = row.sex if isinstance(row, Person) else sex_of_key(row.patient_key)
    relation = text(f"monitoring_relation_{row.relation}_{sex}") if sex and row.card_id is None \
        else text(f"card_relation_{row.relation}")
    if name is None and row.card_id is not None and isinstance(row, MonitoredPatient):
        name = (await monitoring.masked_names([row])).get(row.id)
    return text("card_label", name=name, relation=relation) if name else relation


def _lowers_intake_reading(ctx: ActionContext, measure: str, value: float) -> bool:
    """Whether a typed reading would lower a worse one the intake holds (fix8a: "烧到39度5" then "吃了布洛芬能退到37度多"
    kept 37 ℃ for the fever rules and the doctor's summary). In an intake the worst reading stands (the engine's
    accepts_change: only a correction or a worse reading replaces it); a check-in's newest reading is the news."""
    from bot.flow_runner import FlowRunner

    previous = ctx.slot(measure)
    if ctx.state.active_flow in FOLLOWUP_FLOWS or not isinstance(previous, int | float) or isinstance(previous, bool):
        return False
    return previous != value and not FlowRunner.worsens(measure, previous, value)


@interceptor("monitoring_readings", priority=8)
async def monitoring_readings(ctx: ActionContext, monitoring: Monitoring) -> bool:
    text = _typed(ctx)
    now = utcnow()
    # The time said in the message ("今天早上", "昨晚睡前", "早上7点", "刚才") is when it was taken.
    found = read_readings(text, ctx.parse.entities if ctx.parse else (), now,
                          monitoring.settings.timezone) if text else []
    # "血氧95，有时候掉到92": the intake's reader takes the lowest SpO2 said (NHS oximetry: act on the
    # lowest resting reading); the series records that one too, not the first number the NLU marked.
    lowest = read_spo2(text) if text else None
    found = [replace(f, value=lowest) if f.measure == "spo2" and lowest is not None and lowest < f.value else f
             for f in found]
    from_text = bool(found)
    covered = {f.measure for f in found}
    # What the patient answered this turn with a button or a bare number ("92" to the SpO2 question)
    # is a reading too: the intake's and the check-ins' answers join the series.
    for event in ctx.events:
        name, value = event.data.get("name"), event.data.get("value")
        if event.type == ev.SLOT and event.actor == "patient" and name in ENTITY_MEASURES and name not in covered \
                and isinstance(value, int | float) and not isinstance(value, bool) and MEASURES[name].plausible(float(value)):
            found.append(Found(name, float(value)))
            covered.add(name)
    if _held(ctx) and ctx.slot("subject") is not None:
        await _release_held(ctx, monitoring, now)
    if not found:
        return False
    session = await ctx.transaction()
    said = _said_subjects(ctx) if from_text else []
    if from_text and not said and ctx.slot("subject") is None \
            and (not _only_readings(ctx) or _past_limit(monitoring, [f for f in found if f.measure in ENTITY_MEASURES],
                                                        ctx.slot("age"))) \
            and not await monitoring.followed(session, ctx.conversation_id):
        # Nobody known yet, and the intake takes the message up (it asks whose): held until the answer.
        # A red flag ("血氧92") is held too: the safety screen answers it at once from the noted facts (120 first,
        # the doctors on duty alerted), and the reading joins the series of whom the conversation turns out to
        # be about ("是我妈", a later intake's answer) — never a 本人 made up meanwhile.
        for f in found:
            if f.measure in ENTITY_MEASURES:
                ctx.note_fact(f.measure, f.value)
        held = list(_held(ctx))
        ctx.set_slot(HELD_SLOT, {"held": True, "people": [], "readings": held + [_stored(Reading(f.measure, f.value, "typed", taken_at=f.taken_at,
                                                                           context=f.context)) for f in found]})
        ctx.emit(READING_EVENT, {"held": True, "from_text": True, "readings": [], "breaches": []}, actor="patient")
        return False
    other = _someone_else(ctx, said)
    if other:
        # Another person's reading: the slots the engine filled from it are put back as they were, so the
        # safety screen judges the speaker on her own values; a red flag in it is answered below, for them.
        # Every slot the message filled is his, not hers: the vitals, and what the words around them gave
        # (血压一百五九十五 read as her hypertension "getting worse", his symptoms, his conditions).
        filled = {e.data.get("name") for e in ctx.events if e.type == ev.SLOT and e.actor == "patient"}
        his = {str(n) for n in filled if n and n not in (HELD_SLOT, PENDING_SLOT)}
        for name, value in (await _slots_before(session, ctx.conversation_id, his)).items() if his else ():
            ctx.set_slot(name, value)
    else:
        for f in sorted(found, key=lambda f: f.taken_at or now):
            if from_text and f.measure in ENTITY_MEASURES and not _lowers_intake_reading(ctx, f.measure, f.value):
                ctx.note_fact(f.measure, f.value)  # the newest reading is what the safety screen judges
    source = "followup" if ctx.state.active_flow in FOLLOWUP_FLOWS else "typed"
    readings = [Reading(f.measure, f.value, source, taken_at=f.taken_at, context=f.context) for f in found]
    people = await _whose(ctx, monitoring, session, from_text)
    if len(people) > 1 and from_text and _only_readings(ctx) and not (_urgent_vital(monitoring, found) or other):
        # Several people are followed from this account and the message does not say whose: ask (monitoring_reply).
        ctx.set_slot(PENDING_SLOT, {"readings": [_stored(r) for r in readings],
                                    # no key in the log: a card's key is a hash of the ID number
                                    "people": [{"relation": p.relation, "card_id": p.card_id, "sex": p.sex}
                                               for p in people]})
        ctx.emit(READING_EVENT, {"pending": True, "from_text": True, "readings": [], "breaches": []}, actor="patient")
        return False
    if len(people) > 1:  # an urgent vital sign, or a flow's answer: the person the conversation is about, else the first
        relation = relation_of(said[0] if other else ctx.slot("subject"))
        people = [next((p for p in people if p.relation == relation), people[0])]
    row = await monitoring.patient_for(session, ctx.conversation_id, ctx.channel, dict(ctx.slots), person=people[0])
    named = _named(ctx, said) if other else ""
    assessment = await _record(ctx, monitoring, session, row, readings, now, from_text, text or "",
                               other=people[0].relation if other else None, named=named)
    if other and assessment.level == "emergency":
        _other_emergency(ctx, assessment, named)
        _answer(ctx, monitoring, next(e.data for e in reversed(ctx.events) if e.type == READING_EVENT))
        return (ctx.state.handoff or {}).get("status") != ACTIVE  # in a live session the relay carries it on
    return False


def _other_emergency(ctx: ActionContext, assessment: Any, named: str) -> None:
    """120 at once for someone else's red-flag reading, said of them ("您爸的血氧饱和度 92%…"); the
    conversation's own triage and slots stay the speaker's."""
    emergency = [b for b in assessment.breaches if b.level == "emergency"]
    readings = "，".join(f"{MEASURES[b.measure].name} {MEASURES[b.measure].show(b.value)}{MEASURES[b.measure].unit}"
                        for b in emergency)
    reasons = "；".join(b.reason().split("，", 1)[-1] for b in emergency)
    call = ctx.render("utter_emergency_call")[0]
    ctx.send(BotMessage(text=reply(ctx, "other_emergency", who=named, readings=readings, reasons=reasons),
                        buttons=call.buttons))
    for advice in dict.fromkeys(ADVICE.get(b.measure, "general") for b in emergency):
        ctx.utter(f"utter_emergency_wait_{advice}")


def _held(ctx: ActionContext) -> list[dict[str, Any]]:
    held = ctx.slot(HELD_SLOT)
    return list(held.get("readings") or ()) if isinstance(held, dict) and held.get("held") else []


def _past_limit(monitoring: Monitoring, found: list[Found], age: Any) -> bool:
    years = float(age) if isinstance(age, int | float) and not isinstance(age, bool) else None
    limits = monitoring.thresholds.for_patient({}, years)
    return any((b := monitoring.thresholds.check(f.measure, f.value, limits)) is not None and rank(b.level) >= rank("consult")
               for f in found)


async def _release_held(ctx: ActionContext, monitoring: Monitoring, now: dt.datetime) -> None:
    """The conversation now says whom it is about (孩子): the readings held for that answer join their series."""
    readings = [_loaded(r) for r in _held(ctx)]
    ctx.set_slot(HELD_SLOT, None)
    if not readings:
        return
    session = await ctx.transaction()
    subject = ctx.slot("subject")
    person = (await monitoring.candidates(session, ctx.conversation_id, ctx.channel, subject,
                                          _said_sex(ctx, str(subject))))[0]
    row = await monitoring.patient_for(session, ctx.conversation_id, ctx.channel, dict(ctx.slots), person=person)
    assessment = await monitoring.record(session, row, readings, now=now)
    ctx.emit(READING_EVENT, {**assessment.to_dict(), "from_text": False, "held_for": person.relation,
                             "patient": row.id}, actor="patient")
    text = reply(ctx, "alert_person", who=await who_label(ctx.text, monitoring, row), patient=row.id, text="")
    ctx.after_commit(lambda: monitoring.alert(assessment, text))


def _loaded(r: dict[str, Any]) -> Reading:
    return Reading(r["measure"], float(r["value"]), r["source"], context=r.get("context") or "",
                   taken_at=dt.datetime.fromisoformat(r["taken_at"]) if r.get("taken_at") else None)


def _stored(r: Reading) -> dict[str, Any]:
    return {"measure": r.measure, "value": r.value, "source": r.source, "context": r.context,
            "taken_at": r.taken_at.isoformat() if r.taken_at else None}


async def _record(ctx: ActionContext, monitoring: Monitoring, session: AsyncSession, row: MonitoredPatient,
                  readings: list[Reading], now: dt.datetime, from_text: bool, message_text: str,
                  said_whose: bool = False, other: str | None = None, named: str = "") -> Any:
    monitored = bool(row.enrolled or row.latest)
    several = len(await monitoring.followed(session, ctx.conversation_id)) > 1 or said_whose or other is not None
    assessment = await monitoring.record(session, row, readings, now=now)
    who = await who_label(ctx.text, monitoring, row) if several else ""
    ctx.emit(READING_EVENT, {**assessment.to_dict(), "from_text": from_text, "monitored": monitored, "who": who,
                             "patient": row.id, "age": monitoring.age_years(row),
                             **({"other": other, "named": named} if other else {})},
             actor="patient")
    # The doctors on duty read whose reading it is: the person's label and monitoring record.
    alert_text = reply(ctx, "alert_person", who=who or await who_label(ctx.text, monitoring, row), patient=row.id,
                       text=message_text)

    async def tell_doctors() -> None:
        # The safety screen has alerted the department already when it answered a red flag (of the speaker's).
        if other is not None or not any(e.type == RED_FLAG_EVENT for e in ctx.events):
            await monitoring.alert(assessment, alert_text)

    ctx.after_commit(tell_doctors)
    return assessment


@interceptor("monitoring_whose", priority=7)
async def monitoring_whose(ctx: ActionContext, monitoring: Monitoring) -> bool:
    """The answer to "whose readings are these?": the readings kept waiting join that person's series."""
    if ctx.parse is None or ctx.parse.intent.name != WHOSE_INTENT:
        return False
    pending, chosen = ctx.slot(PENDING_SLOT), ctx.slot(WHOSE_SLOT)
    ctx.set_slot(WHOSE_SLOT, None)
    if not isinstance(pending, dict) or not isinstance(chosen, int) or not 0 <= chosen < len(pending.get("people") or []):
        ctx.utter("utter_monitoring_whose_gone")
        return True
    ctx.set_slot(PENDING_SLOT, None)
    session = await ctx.transaction()
    person = await _person_of(session, ctx.conversation_id, pending["people"][chosen])
    readings = [_loaded(r) for r in pending["readings"]]
    row = await monitoring.patient_for(session, ctx.conversation_id, ctx.channel, dict(ctx.slots), person=person)
    await _record(ctx, monitoring, session, row, readings, utcnow(), True, ctx.text("monitoring_whose_alert"), said_whose=True)
    recorded = next(e.data for e in reversed(ctx.events) if e.type == READING_EVENT)
    _answer(ctx, monitoring, recorded)
    return True


async def _person_of(session: AsyncSession, conversation_id: str, said: dict[str, Any]) -> Person:
    """A person kept in the pending slot (relation and card number) made whole again."""
    relation, card_id = str(said.get("relation") or "self"), said.get("card_id")
    card = await session.get(MedicalCard, card_id) if isinstance(card_id, int) else None
    if card is not None:
        return Person(card_key(card.id_number_hash), relation, card.id)
    sex = said.get("sex") if said.get("sex") in ("male", "female") else None
    return Person(member_key(conversation_id, relation, sex), relation, sex=sex)


def whose_button_reader(interpreter: Any) -> Callable[[list[dict[str, str]], str], str | None]:
    """"我妈的" / "给我自己" / "孩子" for the buttons of "whose readings are these?" (read by the real NLU)."""

    def read(buttons: list[dict[str, str]], text: str) -> str | None:
        if not buttons or not all(str(b.get("payload", "")).startswith(f"/{WHOSE_INTENT}") for b in buttons):
            return None
        named = [e for e in interpreter.parse(text).entities if e.entity == "subject" and not e.negated]
        relations = {relation_of(e.value) for e in named}
        matching = [b for b in buttons if parse_payload(str(b["payload"]))[1].get("relation") in relations]
        if len(matching) > 1:  # 父亲 and 母亲: "我妈的" says which
            sexes = {sex_of_word(relation_of(e.value), e.text or "") for e in named} - {None}
            matching = [b for b in matching if parse_payload(str(b["payload"]))[1].get("sex") in sexes] or matching
        if len(matching) == 1:
            return str(matching[0]["payload"])
        titled = [b for b in buttons if text.strip() and text.strip() in str(b.get("title", ""))]
        return str(titled[0]["payload"]) if len(titled) == 1 else None

    return read


def _when(taken_at: str | None, now: dt.datetime, zone: ZoneInfo) -> str:
    """"（昨天 20:00）" after a reading whose time the patient said; nothing for one taken just now."""
    if not taken_at:
        return ""
    at = dt.datetime.fromisoformat(taken_at)
    if now - at < dt.timedelta(minutes=10):
        return ""
    local, today = at.astimezone(zone), now.astimezone(zone).date()
    day = {0: "今天", 1: "昨天", 2: "前天"}.get((today - local.date()).days, f"{local.month}月{local.day}日")
    return f"（{day} {local:%H:%M}）"


@interceptor("monitoring_reply", priority=12)
async def monitoring_reply(ctx: ActionContext, monitoring: Monitoring) -> bool:
    recorded = next((e.data for e in ctx.events if e.type == READING_EVENT and not e.data.get("held_for")), None)
    if recorded is None or not recorded.get("from_text") or recorded.get("held") or not _only_readings(ctx):
        return False
    if recorded.get("pending"):
        pending = ctx.slot(PENDING_SLOT) or {}
        buttons = []
        for n, person in enumerate(pending.get("people") or ()):
            who = Person("", str(person["relation"]), person.get("card_id"), sex=person.get("sex"))
            label = await who_label(ctx.text, monitoring, who, await _card_name(monitoring, person.get("card_id")))
            sex = f', "sex": "{who.sex}"' if who.sex in ("male", "female") else ""
            buttons.append(Button(label, f'/{WHOSE_INTENT}{{"{WHOSE_SLOT}": {n}, "relation": "{person["relation"]}"{sex}}}'))
        template = ctx.render("utter_monitoring_whose")[0]
        ctx.send(BotMessage(text=template.text, buttons=tuple(buttons)))
        return True
    if not recorded.get("monitored") and not recorded.get("other") and rank(recorded.get("level")) >= rank("consult") \
            and any(r["measure"] in ENTITY_MEASURES for r in recorded["readings"]):
        return False  # someone not followed yet with a temperature or SpO2 past a limit ("体温39度"): the intake asks the rest
    # Otherwise a reading told with no complaint ("我今天早上血氧96") is kept with the short answer, not an intake.
    _answer(ctx, monitoring, recorded)
    return True


_ONSET_ONLY = frozenset({"recent_onset", "sudden_onset"})


@interceptor("monitoring_no_complaint", priority=13)
async def monitoring_no_complaint(ctx: ActionContext, monitoring: Monitoring) -> bool:
    """"我没有不舒服 只是想记一下血氧" in an intake that no symptom was told to (a reading opened it): the
    intake ends politely, the reading is kept. An intake about a symptom is never ended this way."""
    text = _typed(ctx)
    if not text or (ctx.state.handoff or {}).get("status") == ACTIVE:
        return False
    if not ctx.state.stack and not any(ctx.slot(m) is not None for m in ENTITY_MEASURES):
        return False  # no intake, and no reading told here: nothing to answer
    # When something began (今天 / 突然: symptoms.recent_onset / sudden_onset) is no complaint: "我今天早上血氧96" says when.
    if any(v is True for k, v in (ctx.slot("symptoms") or {}).items() if k not in _ONSET_ONLY) or ctx.state.latest_triage:
        return False
    if any(e.entity in ("symptom", "condition") and not e.negated for e in (ctx.parse.entities if ctx.parse else ())):
        return False
    if not re.search(phrase(ctx, "no_complaint_pattern"), text):
        return False
    limits = monitoring.thresholds.for_patient({}, ctx.slot("age") if isinstance(ctx.slot("age"), int | float) else None)
    if any(isinstance(v := ctx.slot(m), int | float) and (b := monitoring.thresholds.check(m, float(v), limits)) is not None
           and rank(b.level) >= rank("consult") for m in ENTITY_MEASURES):
        return False  # a reading past a limit (体温39度) is a complaint in itself: the intake goes on
    said = "no_complaint_end" if ctx.state.stack else "no_complaint_ok"
    ctx.end_flows("no_complaint")
    normal = ctx.render("utter_monitoring_normal")[0]
    ctx.send(BotMessage(text=reply(ctx, said), buttons=normal.buttons))
    return True


async def _card_name(monitoring: Monitoring, card_id: int | None) -> str | None:
    if card_id is None:
        return None
    async with monitoring.db.session() as session:
        card = await session.get(MedicalCard, card_id)
    try:
        return mask_name(monitoring.cipher.decrypt(card.name_enc, "medical_cards.name")) if card is not None else None
    except DecryptionError:
        return None


def _answer(ctx: ActionContext, monitoring: Monitoring, recorded: dict[str, Any]) -> None:
    """已记录 and what the readings meant: a threshold's re-triage, the trend, or the safe range."""
    now, zone = utcnow(), monitoring.settings.timezone
    labels = [_when(r.get("taken_at"), now, zone) for r in recorded["readings"]]
    once = labels[0] if len(set(labels)) == 1 else ""  # one time for all: said once, after 已记录
    said = "，".join(f"{MEASURES[r['measure']].name} {MEASURES[r['measure']].show(r['value'])}{r['unit']}"
                    f"{'' if once else label}" for r, label in zip(recorded["readings"], labels))
    if recorded.get("who"):
        ctx.utter("utter_monitoring_recorded_for", readings=said, when=once, who=recorded["who"])
    else:
        ctx.utter("utter_monitoring_recorded", readings=said, when=once)
    level = recorded.get("level") or ""
    if rank(level) >= rank("consult"):
        _retriage(ctx, level, [b["reason"] for b in recorded["breaches"]], [b["rule"] for b in recorded["breaches"]],
                  other=recorded.get("other"), patient=recorded.get("patient"))
    for measure in recorded.get("trends") or ():
        ctx.utter("utter_monitoring_trend", measure=MEASURES[measure].name)
    if not recorded.get("breaches") and not recorded.get("trends"):
        age = recorded.get("age")
        high = [r for r in recorded["readings"] if (age is None or age >= ADULT_YEARS)
                and (limit := monitoring.thresholds.above_normal.get(r["measure"])) is not None and r["value"] >= limit.value]
        unjudged = age is not None and any(r["measure"] in ("sbp", "dbp") and (r["measure"], "high") not in
                                           monitoring.thresholds.for_patient({}, age) for r in recorded["readings"])
        if unjudged:  # a child's blood pressure under 13: no limit known here (height centiles), so never "safe"
            normal = ctx.render("utter_monitoring_normal")[0]
            ctx.send(BotMessage(text=reply(ctx, "child_bp"), buttons=normal.buttons))
        elif high:  # 150/95: no alert, but not "safe" either
            normal = ctx.render("utter_monitoring_normal")[0]
            values = "/".join(MEASURES[r["measure"]].show(r["value"]) for r in recorded["readings"] if r["measure"] in ("sbp", "dbp"))
            said = reply(ctx, "bp", values=values)
            ctx.send(BotMessage(text=reply(ctx, "above_normal", readings=said), buttons=normal.buttons))
        else:
            ctx.utter("utter_monitoring_normal")


def _retriage(ctx: ActionContext, level: str, reasons: list[str], rules: list[str], other: str | None = None,
              patient: int | None = None) -> None:
    """A threshold's level, said as a triage decision (the `custom.triage` message and the `triage` event).

    Someone else's reading (`other`: their relation) is not the conversation's triage: the message's
    contract names them (`subject`, `patient`: their monitoring record) and carries only the reading's
    rules; `triage_level` and the `triage` event stay the speaker's."""
    if level == "emergency" and other is None:
        ctx.utter("utter_emergency_call")
    template = ctx.render("triage_decision_emergency" if level == "emergency" else "triage_decision",
                          level_name=ctx.text(f"triage_level_{level}"), reasons="\n".join(reasons))[0]
    contract: dict[str, Any] = {"level": level, "reasons": reasons, "rules": rules, "ruleset": "monitoring"}
    if other is not None:
        contract.update(subject=other, patient=patient)
        ctx.send(BotMessage(text=template.text, buttons=template.buttons, custom={"triage": contract}))
        ctx.emit(OTHER_TRIAGE_EVENT, contract)
        return
    ctx.set_slot("triage_level", level)
    ctx.send(BotMessage(text=template.text, buttons=template.buttons, custom={"triage": contract}))
    ctx.emit("triage", {**contract, "facts": {}, "fired": [{"id": r, "level": level} for r in rules]})


@interceptor("monitoring_unsubscribe", priority=45)
async def monitoring_unsubscribe(ctx: ActionContext, monitoring: Monitoring, jobs: Jobs) -> bool:
    """退订 stops the reading and medication reminders too (before the broadcast opt-out, 50, which confirms its own)."""
    if ctx.parse is None or ctx.parse.intent.name != "unsubscribe":
        return False
    if await _stop_reminders(ctx, monitoring, jobs):
        ctx.utter("utter_monitoring_stopped")
    return False


async def _stop_reminders(ctx: ActionContext, monitoring: Monitoring, jobs: Jobs) -> bool:
    """Stop every check-in, reading and medication reminder of this account; whether there were any."""
    rows = await monitoring.enrolled(ctx.conversation_id)
    if not rows:
        return False
    session = await ctx.transaction()
    cancelled = await jobs.cancel(job_key_prefix(ctx.conversation_id), session=session)
    for row in rows:  # every person followed from this account
        stored = await session.get(MonitoredPatient, row.id)
        if stored is not None:
            await monitoring.stop(session, stored, by="patient")
        cancelled += await jobs.cancel(patient_job_prefix(row.id), session=session)
    ctx.emit(STOPPED_EVENT, {"by": "patient", "cancelled": cancelled, "people": len(rows)}, actor="patient")
    if ctx.slot("monitoring_active") is not None:
        ctx.set_slot("monitoring_active", False)
    return True


@action("followup_declined")
async def followup_declined(ctx: ActionContext, monitoring: Monitoring, jobs: Jobs) -> None:
    """"不用了" to "接下来几天，需要我每天来问问您的情况吗？": no reminders at all — neither the check-ins nor the
    twice-daily reading reminders the consult or urgent outcome had started (they were left on)."""
    if await _stop_reminders(ctx, monitoring, jobs):
        ctx.utter("utter_followup_declined_reminders")
