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
from zoneinfo import ZoneInfo

from bot import events as ev
from bot.action_api import ActionContext, interceptor
from bot.consultations.lifecycle import ACTIVE
from bot.db import utcnow
from bot.jobs import Jobs
from bot.messages import BotMessage
from bot.monitoring import MEASURES, Monitoring, Reading, rank, read_readings
from bot.monitoring.parse import ENTITY_MEASURES, Found

READING_EVENT = "monitoring_reading"  # Assessment.to_dict()
RED_FLAG_EVENT = "red_flag"  # recorded by the safety screen (actions/triage/announce.py)
FOLLOWUP_FLOWS = frozenset({"followup_checkin", "monitoring_urgent_checkin"})
# Intents of a message that only reports values; any other (a question, 转人工, …) is answered by the dialogue.
READING_INTENTS = frozenset({"inform", "out_of_scope", "greet", "thanks", "affirm"})
STOPPED_EVENT = "monitoring_stopped"


def job_key_prefix(conversation_id: str) -> str:
    return f"monitoring:{conversation_id}:"


def _typed(ctx: ActionContext) -> str | None:
    message = ctx.message
    if message is None or not message.text or message.payload is not None or message.text.startswith("/"):
        return None
    return message.text


@interceptor("monitoring_readings", priority=8)
async def monitoring_readings(ctx: ActionContext, monitoring: Monitoring) -> bool:
    text = _typed(ctx)
    now = utcnow()
    # The time said in the message ("今天早上", "昨晚睡前", "早上7点", "刚才") is when it was taken.
    found = read_readings(text, ctx.parse.entities if ctx.parse else (), now,
                          monitoring.settings.timezone) if text else []
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
    if not found:
        return False
    for f in sorted(found, key=lambda f: f.taken_at or now):
        if from_text and f.measure in ENTITY_MEASURES:
            ctx.note_fact(f.measure, f.value)  # the newest reading is what the safety screen judges
    source = "followup" if ctx.state.active_flow in FOLLOWUP_FLOWS else "typed"
    session = await ctx.transaction()
    row = await monitoring.patient_for(session, ctx.conversation_id, ctx.channel, dict(ctx.slots))
    monitored = bool(row.enrolled or row.latest)
    assessment = await monitoring.record(session, row, [Reading(f.measure, f.value, source, taken_at=f.taken_at,
                                                                context=f.context) for f in found], now=now)
    ctx.emit(READING_EVENT, {**assessment.to_dict(), "from_text": from_text, "monitored": monitored}, actor="patient")
    message_text = text or ""

    async def tell_doctors() -> None:
        # The safety screen has alerted the department already when it answered a red flag.
        if not any(e.type == RED_FLAG_EVENT for e in ctx.events):
            await monitoring.alert(assessment, message_text)

    ctx.after_commit(tell_doctors)
    return False


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
    recorded = next((e.data for e in ctx.events if e.type == READING_EVENT), None)
    if recorded is None or not recorded.get("from_text") or (ctx.state.handoff or {}).get("status") == ACTIVE:
        return False
    if ctx.state.stack and ctx.state.stack[-1].waiting_for:
        return False  # the reading also answers (or interrupts) a flow's question: the flow goes on
    if ctx.parse is None or ctx.parse.intent.name not in READING_INTENTS:
        return False
    if any(e.entity in ("symptom", "condition") and not e.negated for e in ctx.parse.entities):
        return False  # an illness described: the intake takes it up
    if not recorded.get("monitored") and any(r["measure"] in ENTITY_MEASURES for r in recorded["readings"]):
        return False  # someone not followed yet reporting a temperature or SpO2: the intake asks the rest
    now, zone = utcnow(), monitoring.settings.timezone
    labels = [_when(r.get("taken_at"), now, zone) for r in recorded["readings"]]
    once = labels[0] if len(set(labels)) == 1 else ""  # one time for all: said once, after 已记录
    said = "，".join(f"{MEASURES[r['measure']].name} {MEASURES[r['measure']].show(r['value'])}{r['unit']}"
                    f"{'' if once else label}" for r, label in zip(recorded["readings"], labels))
    ctx.utter("utter_monitoring_recorded", readings=said, when=once)
    level = recorded.get("level") or ""
    if rank(level) >= rank("consult"):
        _retriage(ctx, level, [b["reason"] for b in recorded["breaches"]], [b["rule"] for b in recorded["breaches"]])
    for measure in recorded.get("trends") or ():
        ctx.utter("utter_monitoring_trend", measure=MEASURES[measure].name)
    if not recorded.get("breaches") and not recorded.get("trends"):
        ctx.utter("utter_monitoring_normal")
    return True


def _retriage(ctx: ActionContext, level: str, reasons: list[str], rules: list[str]) -> None:
    """A threshold's level, said as a triage decision (the `custom.triage` message and the `triage` event)."""
    if level == "emergency":
        ctx.utter("utter_emergency_call")
    ctx.set_slot("triage_level", level)
    template = ctx.render("triage_decision_emergency" if level == "emergency" else "triage_decision",
                          level_name=ctx.text(f"triage_level_{level}"), reasons="\n".join(reasons))[0]
    contract = {"level": level, "reasons": reasons, "rules": rules, "ruleset": "monitoring"}
    ctx.send(BotMessage(text=template.text, buttons=template.buttons, custom={"triage": contract}))
    ctx.emit("triage", {**contract, "facts": {}, "fired": [{"id": r, "level": level} for r in rules]})


@interceptor("monitoring_unsubscribe", priority=45)
async def monitoring_unsubscribe(ctx: ActionContext, monitoring: Monitoring, jobs: Jobs) -> bool:
    """退订 stops the reading and medication reminders too (before the broadcast opt-out, 50, which confirms its own)."""
    if ctx.parse is None or ctx.parse.intent.name != "unsubscribe":
        return False
    row = await monitoring.enrolled(ctx.conversation_id)
    if row is None:
        return False
    session = await ctx.transaction()
    row = await monitoring.patient_for(session, ctx.conversation_id)
    await monitoring.stop(session, row, by="patient")
    cancelled = await jobs.cancel(job_key_prefix(ctx.conversation_id), session=session)
    ctx.emit(STOPPED_EVENT, {"by": "patient", "cancelled": cancelled}, actor="patient")
    ctx.utter("utter_monitoring_stopped")
    return False
