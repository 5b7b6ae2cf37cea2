"""The safety screen: on every patient message, a red flag gets the emergency answer before anything else.

It runs before the dialogue (and before a live doctor session's relay) over the conversation's
slots, which the engine has already filled from this message's entities and payload — so
"没有胸痛" (a denied symptom) never triggers it, and a red flag completed across messages
("我怀孕了" … "见红了") does.
"""
from __future__ import annotations

from bot.action_api import ActionContext, interceptor
from bot.answers import pattern
from bot.consultations import Consultations

from actions.triage.announce import ADVICE_PREFIX, announce, in_session, is_child, waiting_advice
from actions.triage.decision import decide
from actions.triage.ruleset import Ruleset

# "救命 / 快不行了 / 怎么叫救护车": a cry for help, answered with 120 at once, but not a triage decision
# (nothing is known yet, and "累死了" can read the same): the patient is asked what happened.
EMERGENCY_INTENT = "emergency_help"
# What a patient in an emergency may still do through the dialogue: reach a person, call 120, leave.
PASS_THROUGH_INTENTS = frozenset({"request_doctor", "call_120", "cancel", "goodbye", "thanks"})
# After the emergency answer: the family says 120 is called or on its way, or asks what to do meanwhile —
# they get the waiting advice again, not "call 120" again (a newcomer's trial met exactly that); or
# that the patient will not go: said plainly what is at stake, and that 120's crew can judge on the
# spot. The phrases are data: flows/language/answers.yml `patterns` (emergency_called, emergency_refuses).


@interceptor("safety_screen", priority=10)
async def safety_screen(ctx: ActionContext, ruleset: Ruleset, consultations: Consultations) -> bool:
    """True when this message was answered as an emergency (the dialogue must not run).

    In a live doctor session the emergency is announced all the same, then False lets the relay
    (priority 20) carry the message to the doctor with the `red_flag` event as its alert.
    """
    decision = decide(ruleset, ctx.slots)
    if decision.level != "emergency":
        return _cry_for_help(ctx)
    emergency_rules = {r.id for r in decision.fired if r.level == "emergency"}
    previous = ctx.state.latest_triage or {}
    announced = set(previous.get("rules") or ()) if previous.get("level") == "emergency" else set()
    if emergency_rules - announced:
        announce(ctx, decision, consultations)
        ctx.end_flows("emergency")
        return not in_session(ctx)
    # Already told: no more questions, but a way to a person or to 120, and the live session goes on.
    if in_session(ctx) or _intent(ctx) in PASS_THROUGH_INTENTS:
        return False
    text = ctx.message.text if ctx.message else ""
    if pattern("emergency_refuses").search(text):
        ctx.utter("utter_emergency_refuses")
    elif pattern("emergency_called").search(text):
        for advice in waiting_advice([r.advice for r in decision.fired if r.level == "emergency" and r.advice],
                                     child=is_child(ctx)):
            ctx.utter(f"{ADVICE_PREFIX}{advice}")
        ctx.utter("utter_emergency_while_waiting")
    else:
        ctx.utter("utter_emergency_reminder")
    return True


def _cry_for_help(ctx: ActionContext) -> bool:
    """120 first and "what happened?"; the next message is screened and triaged as usual."""
    if _intent(ctx) != EMERGENCY_INTENT:
        return False
    ctx.utter("utter_emergency_check")
    ctx.end_flows("emergency")
    return not in_session(ctx)


def _intent(ctx: ActionContext) -> str | None:
    return ctx.parse.intent.name if ctx.parse else None
