"""Telling the patient a triage decision, the same way from the action and from the safety screen.

An emergency is said first, in one short message with the 120 button, then what to do while
waiting; then comes the one message carrying `custom.triage`, and the `triage` event. An
emergency also records a `red_flag` event: in a live session the relay (actions/handoff.py)
alerts the session's doctors; outside one, the on-duty doctors of the patient's department are.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from nlu.yaml_files import load_yaml

from bot.action_api import ActionContext
from bot.consultations import Consultations
from bot.consultations.lifecycle import ACTIVE
from bot.engine import EMERGENCY_RELEASED
from bot.messages import BotMessage

from actions.triage.decision import Decision

ADVICE_PREFIX = "utter_emergency_wait_"
# The first emergency message: `utter_emergency_call` (120, "do not drive yourself") unless a fired
# emergency rule names its own `banner` (rules.yml): suicidal ideation and self-harm get the crisis
# lines, 120/110 and "do not stay alone" instead (shared/spec/triage-criteria.md).
GENERAL_BANNER = "utter_emergency_call"
BANNER_PREFIX = GENERAL_BANNER + "_"
# Which waiting advice, by the rules that fired and by who the patient is: actions/triage/waiting_advice.yml.
ADVICE_FILE = Path(__file__).with_name("waiting_advice.yml")
CHILD_SUBJECTS = ("child", "infant")
CHILD_UNDER_YEARS = 14
ELDERLY_FROM_YEARS = 65
# Said once ("我一个人住", "家里没人", "就我一个"): the lines that assume someone is with the patient get their
# `<key>_alone` variant (actions/handoff.py sets the slot from flows/language/emergency.yml `situations.alone`).
ALONE_SLOT = "home_alone"
ALONE_SUFFIX = "_alone"


@lru_cache(maxsize=1)
def _advice_table(path: Path = ADVICE_FILE) -> tuple[tuple[str, ...], dict[str, dict[str, str]]]:
    raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    positioning = tuple(str(k) for k in raw.get("positioning") or ())
    for_patient = {str(who): {str(k): str(v) for k, v in (table or {}).items()}
                   for who, table in (raw.get("for_patient") or {}).items()}
    return positioning, for_patient


POSITIONING = _advice_table()[0]


def patient_kinds(slots: dict[str, Any]) -> list[str]:
    """Who the patient is, for the advice: child, pregnant, elderly (none, one or more)."""
    kinds: list[str] = []
    raw_age = slots.get("age")
    age = float(raw_age) if isinstance(raw_age, (int, float)) and not isinstance(raw_age, bool) else None
    if slots.get("subject") in CHILD_SUBJECTS or (age is not None and age < CHILD_UNDER_YEARS):
        kinds.append("child")
    if slots.get("pregnant") is True or (slots.get("conditions.pregnancy") is True and slots.get("pregnant") is not False):
        kinds.append("pregnant")
    if age is not None and age >= ELDERLY_FROM_YEARS:
        kinds.append("elderly")
    return kinds
# A banner that outranks the others (session seven, fix11b): a cardiac arrest comes with the collapse and the
# unresponsiveness of other rules, and its own words (compressions now, never "drive to the hospital") must win.
DOMINANT_BANNERS = ("cardiac_arrest",)
# The level's name in the decision message for such a banner (response `triage_level_emergency_<banner>`).
LEVEL_NAME_BANNERS = ("cardiac_arrest",)


def banner(decision: Decision) -> str:
    """The response key of the first emergency message: the banner the fired emergency rules name,
    when all of them name the same one; else the general text (an overdose with suicidal thoughts,
    chest pain with self-harm: 120 first, as for any emergency; the crisis advice still follows)."""
    named = {r.banner for r in decision.fired if r.level == "emergency"}
    for dominant in DOMINANT_BANNERS:
        if dominant in named:
            return f"{BANNER_PREFIX}{dominant}"
    return f"{BANNER_PREFIX}{named.pop()}" if len(named) == 1 and None not in named else GENERAL_BANNER


def waiting_advice(advices: list[str], child: bool = False, slots: dict[str, Any] | None = None) -> list[str]:
    """The advice to give while waiting for 120: each kind fitted to the patient (a child's, a pregnant
    woman's version), then at most one that places the patient, plus all the others."""
    positioning, for_patient = _advice_table()
    who = patient_kinds(slots or {})
    if child and "child" not in who:
        who.insert(0, "child")
    for kind in who:
        table = for_patient.get(kind) or {}
        advices = [table.get(a, a) for a in advices]
    placing = [a for a in positioning if a in advices][:1]
    return [a for a in dict.fromkeys(advices) if a not in positioning or a in placing]


def advice_for(ctx: ActionContext, decision: Decision) -> list[str]:
    """The waiting advice of a decision for this patient."""
    return waiting_advice([r.advice for r in decision.fired if r.level == "emergency" and r.advice],
                          child=is_child(ctx), slots=dict(ctx.slots))


def alone(ctx: ActionContext) -> bool:
    """The patient said they are alone (independent of the level), and is the one talking (not a carer)."""
    return ctx.slots.get(ALONE_SLOT) is True and ctx.slots.get("subject") in (None, "self", "unknown")


def alone_key(ctx: ActionContext, key: str) -> str:
    """`key`, or its variant for someone alone when they said so and the variant exists."""
    return key + ALONE_SUFFIX if alone(ctx) and ctx.has_response(key + ALONE_SUFFIX) else key


RED_FLAG_EVENT = "red_flag"  # {level, rules, reasons, text, in_session}
# Suicidal thoughts whose plan was not said: the emergency rests on a question not yet asked
# (triage-criteria.md: "when a red-flag question is unanswered, the bot asks it"). After the crisis
# lines the plan question is put once; actions/handoff.py `crisis_followup` reads the answer.
PLAN_RULE, PLAN_SLOT, PLAN_QUESTION = "psych.suicide_risk", "suicide_plan", "utter_ask_suicide_plan"
PLAN_ASKED = "crisis_plan_asked"  # slot: True while the plan question waits for its answer


def announce(ctx: ActionContext, decision: Decision, consultations: Consultations) -> None:
    """Emergency first (if it is one), then the decision; set `triage_level`; record it all."""
    emergency = decision.level == "emergency"
    if emergency:
        ctx.utter(alone_key(ctx, banner(decision)))
        for advice in advice_for(ctx, decision):
            ctx.utter(alone_key(ctx, f"{ADVICE_PREFIX}{advice}"))
    send_decision(ctx, decision)
    if not emergency and ctx.slot(EMERGENCY_RELEASED):
        # Triaged again after a confirmed correction or a fresh start: the kept alert takes this decision (console7).
        service, cid, level, reasons = consultations, ctx.conversation_id, decision.level, decision.reasons(ctx.state.language)
        ctx.after_commit(lambda: service.alerts_follow(cid, level, reasons, "retriaged"))
    if emergency and {r.id for r in decision.fired if r.level == "emergency"} == {PLAN_RULE} \
            and ctx.slots.get(PLAN_SLOT) is None and ctx.slots.get(PLAN_ASKED) is None:
        ctx.utter(PLAN_QUESTION)
        ctx.set_slot(PLAN_ASKED, True)
    if emergency:
        message = ctx.message
        alert = {
            "level": decision.level,
            "rules": decision.rule_ids,
            "reasons": decision.reasons("zh"),
            "text": message.text if message else "",
            "in_session": in_session(ctx),
        }
        ctx.emit(RED_FLAG_EVENT, alert)
        if not alert["in_session"]:
            # Outside a session nobody is watching this conversation: the doctors on duty for the
            # patient's department are alerted (in a session the relay alerts the session's doctors).
            service, cid, slots = consultations, ctx.conversation_id, dict(ctx.slots)
            ctx.after_commit(lambda: service.alert_department(cid, slots, alert))


def is_child(ctx: ActionContext) -> bool:
    """The patient is a child or a baby (the intake's `subject`)."""
    return ctx.slots.get("subject") in CHILD_SUBJECTS


def in_session(ctx: ActionContext) -> bool:
    """A doctor is talking with the patient: the relay interceptor (priority 20) carries the messages."""
    return (ctx.state.handoff or {}).get("status") == ACTIVE


def send_decision(ctx: ActionContext, decision: Decision) -> None:
    """Set `triage_level`, send exactly one message carrying custom.triage, record the `triage` event."""
    language = ctx.state.language
    reasons = decision.reasons(language) or [ctx.text("triage_no_reason")]
    ctx.set_slot("triage_level", decision.level)
    # Rendered through the response (for its text and, for emergencies, the 120 button), then
    # given the decision as its custom object.
    key = "triage_decision_emergency" if decision.level == "emergency" else "triage_decision"
    level_name = f"triage_level_{decision.level}"
    named = banner(decision).removeprefix(BANNER_PREFIX) if decision.level == "emergency" else ""
    if named in LEVEL_NAME_BANNERS:
        level_name = f"{level_name}_{named}"
    template = ctx.render(key, level_name=ctx.text(level_name), reasons="\n".join(reasons))[0]
    contract = {**decision.to_contract(language), "reasons": reasons}
    ctx.send(BotMessage(text=template.text, buttons=template.buttons, custom={"triage": contract}))
    ctx.emit("triage", {**decision.to_event(language), "reasons": reasons})
