"""The safety screen: on every patient message, a red flag gets the emergency answer before anything else.

It runs before the dialogue (and before a live doctor session's relay) over the conversation's
slots, which the engine has already filled from this message's entities and payload — so
"没有胸痛" (a denied symptom) never triggers it, and a red flag completed across messages
("我怀孕了" … "见红了") does.
"""
from __future__ import annotations

import copy
from functools import lru_cache
from typing import Any

from nlu.yaml_files import load_yaml

from bot.action_api import ActionContext, interceptor
from bot.answers import is_correction, normal, pattern, plain_yes, says_no
from bot.code_names import code_name
from bot.config import PROJECT_ROOT
from bot.consultations import Consultations
from bot.engine import EMERGENCY_RELEASED, Engine, emergency_standing
from bot.flow_runner import REPORT_INTENT
from bot.consultations.labels import labels
from bot.red_flag_questions import is_red_flag_question, red_flags_named
from bot.state import put_slot

from actions.triage.announce import (ADVICE_PREFIX, BANNER_PREFIX, advice_for, alone_key, announce, banner, in_session,
                                     send_decision)
from actions.triage.decision import decide
from actions.triage.ruleset import Ruleset

# "救命 / 快不行了 / 怎么叫救护车": a cry for help, answered with 120 at once, but not a triage decision
# (nothing is known yet, and "累死了" can read the same): the patient is asked what happened.
EMERGENCY_INTENT = "emergency_help"
# What a patient in an emergency may still do through the dialogue: reach a person, call 120, leave.
PASS_THROUGH_INTENTS = frozenset({"request_doctor", "call_120", "goodbye", "thanks"})
# "重新开始" / "取消" after an emergency: asked once to confirm, then a fresh intake (the emergency stays on record).
RESTART_INTENTS = frozenset({"cancel", "restart"})
# A correction or a fresh start waiting for the patient's yes: {kind: correction, changes: {slot: value}} | {kind: restart}.
PENDING_SLOT = "emergency_pending"
CORRECTED_EVENT = "emergency_corrected"  # {changes, before: [rules], after: level, text}
RESTART_EVENT = "emergency_restart"  # {before: [rules], cleared: [slots]}
_LANGUAGE_FILE = PROJECT_ROOT / "flows" / "language" / "emergency.yml"
# After the emergency answer: the family says 120 is called or on its way, or asks what to do meanwhile —
# they get the waiting advice again, not "call 120" again (a newcomer's trial met exactly that); or
# that the patient will not go: said plainly what is at stake, and that 120's crew can judge on the
# spot. The phrases are data: flows/language/answers.yml `patterns` (emergency_called, emergency_refuses).


@interceptor("safety_screen", priority=10)
async def safety_screen(ctx: ActionContext, ruleset: Ruleset, consultations: Consultations, engine: Engine) -> bool:
    """True when this message was answered as an emergency (the dialogue must not run).

    In a live doctor session the emergency is announced all the same, then False lets the relay
    (priority 20) carry the message to the doctor with the `red_flag` event as its alert.
    """
    decision = decide(ruleset, ctx.slots)
    if decision.level != "emergency":
        if ctx.slot(PENDING_SLOT) is not None:
            ctx.set_slot(PENDING_SLOT, None)
        return _cry_for_help(ctx)
    emergency_rules = {r.id for r in decision.fired if r.level == "emergency"}
    previous = ctx.state.latest_triage or {}
    announced = set(previous.get("rules") or ()) if emergency_standing(ctx.state) else set()
    if emergency_rules - announced:
        for slot in (PENDING_SLOT, EMERGENCY_RELEASED):
            if ctx.slot(slot) is not None:
                ctx.set_slot(slot, None)
        announce(ctx, decision, consultations)
        ctx.end_flows("emergency")
        return not in_session(ctx)
    # Already told: no more questions, but a way to a person or to 120, and the live session goes on.
    if in_session(ctx):
        return False
    pending = ctx.slot(PENDING_SLOT)
    if pending is not None:
        ctx.set_slot(PENDING_SLOT, None)
        answer = _yes_or_no(ctx)
        if answer is True:
            return await _confirmed(ctx, pending, ruleset, engine, sorted(announced), consultations)
        if answer is False:
            ctx.utter("utter_emergency_kept")
            return True
        # Anything else is read as a message of its own (a new correction, a person, 120 …).
    intent = _intent(ctx)
    if intent in PASS_THROUGH_INTENTS:
        return False
    if intent in RESTART_INTENTS:
        ctx.set_slot(PENDING_SLOT, {"kind": "restart"})
        ctx.utter("utter_emergency_confirm_restart")
        return True
    changes = _lowering(ctx, ruleset, emergency_rules)
    if changes:
        ctx.set_slot(PENDING_SLOT, {"kind": "correction", "changes": changes})
        said = "，".join(_said(ctx, engine, n, v) for n, v in changes.items())
        ctx.utter("utter_emergency_confirm_correction", changes=said)
        return True
    text = ctx.message.text if ctx.message else ""
    speaker_is_patient = ctx.slot("subject") in (None, "self", "unknown")
    if pattern("emergency_delay").search(text) or (speaker_is_patient and pattern("emergency_refuses").search(text)):
        _pushback(ctx, decision)
    elif pattern("emergency_refuses").search(text):
        ctx.utter("utter_emergency_refuses")
    elif pattern("emergency_called").search(text):
        for advice in advice_for(ctx, decision):
            ctx.utter(alone_key(ctx, f"{ADVICE_PREFIX}{advice}"))
        ctx.utter(alone_key(ctx, "utter_emergency_while_waiting"))
    elif banner(decision) == f"{BANNER_PREFIX}cardiac_arrest":
        # Session seven (fix11b): a cardiac arrest's reminder keeps to the compressions, never "go to the hospital".
        ctx.utter("utter_emergency_reminder_cardiac_arrest")
    else:
        ctx.utter("utter_emergency_reminder")
    return True


PUSHBACK_SLOT = "emergency_pushback"  # how many times the patient pushed back on this emergency
PUSHBACK_EVENT = "emergency_pushback"  # {times, text}: the doctors' record of it (the level is unchanged)
WATCH_PREFIX = "emergency_watch_"


def _pushback(ctx: ActionContext, decision: Any) -> None:
    """"明天再去医院看看？" / "能不能先在家观察" / "不想叫救护车" after an emergency: why it cannot wait (the decision's
    own reasons), what to do if they truly cannot go now (120 to come and judge, a person called, what to watch),
    and a doctor. A second pushback gets a shorter, different answer; the level never drops."""
    times = int(ctx.slot(PUSHBACK_SLOT, 0) or 0) + 1
    ctx.set_slot(PUSHBACK_SLOT, times)
    reasons = "；".join(decision.reasons(ctx.state.language)) or ctx.text("triage_no_reason")
    advices = advice_for(ctx, decision)
    watch_key = next((f"{WATCH_PREFIX}{a}" for a in advices if ctx.has_response(f"{WATCH_PREFIX}{a}")), f"{WATCH_PREFIX}general")
    key = "utter_emergency_cannot_wait" if times == 1 else "utter_emergency_cannot_wait_again"
    ctx.utter(alone_key(ctx, key), reasons=reasons, watch=ctx.text(watch_key))
    ctx.emit(PUSHBACK_EVENT, {"times": times, "text": ctx.message.text if ctx.message else ""})


def _cry_for_help(ctx: ActionContext) -> bool:
    """120 first and "what happened?"; the next message is screened and triaged as usual."""
    if _intent(ctx) != EMERGENCY_INTENT:
        return False
    ctx.utter("utter_emergency_check")
    ctx.end_flows("emergency")
    return not in_session(ctx)


def _intent(ctx: ActionContext) -> str | None:
    return ctx.parse.intent.name if ctx.parse else None


def _yes_or_no(ctx: ActionContext) -> bool | None:
    """The answer to "您是说……，对吗？": yes, no, or neither (a message of its own)."""
    intent = _intent(ctx)
    text = ctx.message.text if ctx.message else ""
    if intent == "affirm" or (text and plain_yes(normal(text))):
        return True
    if intent == "deny" or (intent not in PASS_THROUGH_INTENTS and text and not ctx.held and says_no(text)):
        return False
    return None


def _lowering(ctx: ActionContext, ruleset: Ruleset, emergency_rules: set[str]) -> dict[str, Any]:
    """The facts this message would change (held by the engine) that take away an announced emergency rule.

    Held changes that touch none of them are taken as before (only when the patient says it is a correction)."""
    held = dict(ctx.held)
    if not held:
        return {}
    trial = copy.deepcopy(ctx.slots)
    for name, value in held.items():
        put_slot(trial, name, value)
    after = {r.id for r in decide(ruleset, trial).fired if r.level == "emergency"}
    if emergency_rules - after:
        return held
    if is_correction(ctx.message.text if ctx.message else ""):
        for name, value in held.items():
            ctx.note_fact(name, value)
    return {}


def _said(ctx: ActionContext, engine: Engine, name: str, value: Any) -> str:
    """One change in the patient's words: "没有晕倒或晕厥", "有胸痛", "体温是38"."""
    group, _, code = name.partition(".")
    if code and isinstance(value, bool):
        said = (_words().get("change_names") or {}).get(code) or code_name(group, code)
        return ctx.text("emergency_change_present" if value else "emergency_change_absent", name=said)
    spec = engine.flows.slot_spec(name)
    label = spec.label if spec is not None and spec.label else name
    if value is None and ctx.slot(name) is not None:
        # Fix11a: a reading said to be another one's ("我是说心率96 不是呼吸"): "呼吸频率不是96次/分", not "未询问".
        return ctx.text("emergency_change_removed", label=label, value=labels().value(name, ctx.slot(name)))
    if isinstance(value, bool):
        return ctx.text("emergency_change_value", label=label, value=ctx.text("value_yes" if value else "value_no"))
    # In words, never a code (newcomer trial 10: "就诊人是self"): the renderer the doctor's summaries use.
    return ctx.text("emergency_change_value", label=label, value=labels().value(name, value))


async def _confirmed(ctx: ActionContext, pending: dict[str, Any], ruleset: Ruleset, engine: Engine,
                     before: list[str], consultations: Consultations) -> bool:
    """The patient said yes: change the facts and triage again, or start a fresh intake. The kept emergency
    alert of the conversation follows (console7): still an emergency, or closed with the correction as its reason."""
    cid = ctx.conversation_id
    if pending.get("kind") == "restart":
        ctx.after_commit(lambda: consultations.alerts_follow(cid, "", [], "restarted"))
        return _fresh_intake(ctx, before)
    changes = dict(pending.get("changes") or {})
    said = "，".join(_said(ctx, engine, n, v) for n, v in changes.items())
    for name, value in changes.items():
        ctx.note_fact(name, value)
    after = decide(ruleset, ctx.slots)
    reasons = after.reasons(ctx.state.language)
    ctx.after_commit(lambda: consultations.alerts_follow(
        cid, after.level, reasons, "still" if after.level == "emergency" else "corrected", said))
    ctx.emit(CORRECTED_EVENT, {"changes": changes, "before": before, "after": after.level,
                               "text": ctx.message.text if ctx.message else ""}, actor="patient")
    if after.level == "emergency":
        # Corrected, and still an emergency from what else was said: never lowered silently.
        ctx.utter("utter_emergency_correction_still")
        send_decision(ctx, after)
        return True
    ctx.set_slot(EMERGENCY_RELEASED, True)
    ctx.utter("utter_emergency_corrected")
    # Triage again from the corrected facts: the intake asks what it still needs and ends with its decision.
    intake = engine.flows.triggered_by(REPORT_INTENT, ctx.slots)
    if intake is not None:
        turn = ctx._turn  # the screen continues this turn's dialogue
        engine.runner.start(turn, intake.id)
        await engine.runner.run(turn, ctx)
    return True


@lru_cache(maxsize=1)
def _words() -> dict[str, Any]:
    return load_yaml(_LANGUAGE_FILE.read_text(encoding="utf-8")) or {}


def _keeps() -> tuple[str, ...]:
    return tuple(_words().get("fresh_intake_keeps") or ("language",))


def _fresh_intake(ctx: ActionContext, before: list[str]) -> bool:
    """"重新开始" confirmed: the clinical slots cleared (who the account is stays), the emergency kept on record."""
    keeps = _keeps()
    cleared = [n for n in list(ctx.slots) if not n.startswith(keeps) and ctx.slots.get(n) is not None]
    for name in cleared:
        ctx.set_slot(name, None)
    ctx.set_slot(EMERGENCY_RELEASED, True)
    ctx.end_flows("restarted")
    ctx.emit(RESTART_EVENT, {"before": before, "cleared": cleared}, actor="patient")
    ctx.utter("utter_emergency_restarted")
    return True


@interceptor("red_flag_question", priority=11)
async def red_flag_question(ctx: ActionContext) -> bool:
    """A question naming a red flag that is not (yet) an emergency by the rules ("黑便要紧吗", "喘不过气要紧吗"):
    said plainly that it is a danger sign, 120 and a person offered, then the intake's red-flag questions (the engine
    made the question a report: bot/red_flag_questions.py). Never a home-care article. Session seven (talk7a)."""
    if ctx.parse is None or ctx.message is None or ctx.message.payload or _intent(ctx) != REPORT_INTENT:
        return False
    top = ctx.state.stack[-1] if ctx.state.stack else None
    if top is not None and top.waiting_for:
        return False
    text = ctx.message.text or ""
    if not is_red_flag_question(ctx.parse, text):
        return False
    codes = set(red_flags_named(ctx.parse))
    said = list(dict.fromkeys(e.text for e in ctx.parse.entities
                              if e.entity == "symptom" and str(e.value) in codes and not e.negated))
    ctx.utter("utter_red_flag_question", symptoms="、".join(said))
    return False
