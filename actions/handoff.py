"""Handing a patient to a live doctor: the `handoff` actions flows call, and the live-session relay.

During an active consultation every patient message goes to the doctors (through `runtime.pubsub`),
not to the dialogue. The safety screen (priority 10) still sees each message first; a red flag it
raises is forwarded to the doctors as an alert, and when no doctor is connected the patient is told
at once to call 120.
"""
from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlu.yaml_files import load_yaml

from bot import events as ev
from bot.action_api import ActionContext, action, interceptor
from bot.answers import normal, words
from bot.db import utcnow
from bot.consultations import ACTIVE, QUEUED, ConsultationError, Consultations, IntakeUpdated, RequestOutcome, topics
from bot.consultations.summary import CRISIS_PLAN_EVENT
from bot.pubsub import PubSub
from bot.messages import BotMessage, Button
from bot.session_facts import OBSERVATION
from bot.situations import says_alone, situation_said, situations
from nlu.text import normalise

from actions.services.offers import HospitalOffers, contact_variables
from actions.triage.announce import PLAN_ASKED, PLAN_SLOT, alone_key, send_decision
from actions.triage.decision import decide
from actions.triage.ruleset import LEVELS, Ruleset

WAIT_QUESTIONS = Path(__file__).with_name("wait_questions.yml")
# Payloads the patient may still send to the bot during a live session.
SESSION_CONTROL_INTENTS = {"cancel_consultation", "prescription_fulfil"}
# Questions the dialogue asks during a live session (choosing how to get an approved prescription, the
# delivery address): their answers go to the flow, not to the doctors.
SESSION_QUESTIONS = {"rx_fulfilment", "rx_address"}
ALERT_EVENTS = {"red_flag", ev.TRIAGE}
# The slot of the intake's "需要转在线医生吗？" (flows/intake_outcomes.yml): a request for a doctor answers it.
OFFER_SLOT = "wants_doctor"
# The `advice` of the triage rules for suicidal thoughts and self-harm (actions/triage/rules.yml).
CRISIS_ADVICE = "suicide"
# Messages that still go to the dialogue after a crisis answer: a person, 120 ("算了" or "再见" gets the reply).
CRISIS_PASS_THROUGH = frozenset({"request_doctor", "call_120"})
# How many crisis follow-ups were said: the first is the full one, later ones listen (not the same text).
CRISIS_REPLIES = "crisis_replies"
# Session seven (fix11b): a refusal said once already (the second gets other words), and the urgent rule of thoughts
# without a plan, after which the crisis situations are still answered.
CRISIS_REFUSED = "crisis_refused"
CRISIS_THOUGHTS_RULE = "psych.suicidal_thoughts"
# The words read after the crisis answer: bare yes/no starts of the plan answer, the means a plan names.
CRISIS_WORDS = Path(__file__).resolve().parents[1] / "flows" / "language" / "crisis.yml"
# Below this age (years) a patient is a child for the departments offered (Chinese pediatrics: under 14).
CHILD_AGE = 14


def _variables(service: Consultations, outcome: RequestOutcome) -> dict[str, object]:
    values: dict[str, object] = {"department": outcome.department.name}
    if outcome.position is not None:
        values.update(position=outcome.position, wait_minutes=outcome.wait_minutes)
    if outcome.next_session is not None:
        values.update(service.when(outcome.next_session.start))
    if outcome.consultation is not None:
        values.update(fee_yuan=f"{outcome.consultation.fee_fen / 100:.2f}", order_no=outcome.consultation.order_no or "",
                      status=outcome.consultation.status)
    return values


@action("handoff")
async def handoff(ctx: ActionContext, service: Consultations, ruleset: Ruleset | None,
                  offers: HospitalOffers | None) -> None:
    """Ask for a doctor: queue now, ask to pay, say when the department opens, or that it is closed.

    Closed (nobody rostered): what exists instead — another department with a doctor on duty now (for a
    child only one that may see children), the hospital's phone and booking channel, 120 — never the
    offer of a doctor again (a typed "好，转在线医生" to that offer answers it, see `_answer_the_offer`).
    """
    _answer_the_offer(ctx)
    department = service.department_for(ctx.slots)
    queue_off_hours = bool(ctx.slot("consult_queue_off_hours"))
    if queue_off_hours:
        ctx.set_slot("consult_queue_off_hours", None)
    outcome = await service.request(
        ctx.conversation_id,
        department.code,
        level=_queue_level(ctx, ruleset),
        queue_off_hours=queue_off_hours,
        turn=ctx,
    )
    if outcome.transition is not None:
        ctx.emit(ev.HANDOFF, outcome.transition.event, actor=outcome.transition.actor)
    if outcome.kind == "no_session":
        await _nobody_on_duty(ctx, service, offers, outcome)
        return
    ctx.utter(f"utter_consultation_{outcome.kind}", **_variables(service, outcome))


def _is_child(slots: dict[str, object]) -> bool:
    age = slots.get("age")
    return slots.get("subject") in ("child", "infant") or (isinstance(age, (int, float)) and not isinstance(age, bool)
                                                           and age < CHILD_AGE)


async def _nobody_on_duty(ctx: ActionContext, service: Consultations, offers: HospitalOffers | None,
                          outcome: RequestOutcome) -> None:
    """The department has nobody rostered: offer the departments on duty now, the hospital, 120."""
    child = _is_child(ctx.slots)
    elsewhere = await service.on_duty_elsewhere(outcome.department.code, child)
    if _in_crisis(ctx.slots) or outcome.department.code == PSYCHOLOGY:
        # Session seven (fix11b): someone with suicidal thoughts (or asking for 心理科) is offered the crisis lines,
        # a general doctor on duty if any (crisis.yml `fallback_departments`) and 120/110 — never 转发热门诊.
        allowed = _crisis_words()["fallback_departments"]
        elsewhere = [d for d in elsewhere if d.code in allowed]
        names = "、".join(d.name for d in elsewhere)
        alternatives = ctx.text("utter_consultation_alternatives_crisis", departments=names) if elsewhere else ""
        buttons = tuple(Button(ctx.text("utter_consultation_alternative_button", department=d.name),
                               '/request_doctor{"consult_department": "%s"}' % d.code) for d in elsewhere)
        for message in ctx.render("utter_consultation_no_session_crisis", department=outcome.department.name,
                                  alternatives=alternatives):
            ctx.send(replace(message, buttons=buttons + message.buttons) if buttons else message)
        return
    names = "、".join(d.name for d in elsewhere)
    if elsewhere:
        alternatives = ctx.text("utter_consultation_alternatives_child" if child else "utter_consultation_alternatives",
                                departments=names)
    else:
        alternatives = ctx.text("utter_consultation_no_alternative")
    contact = contact_variables(ctx, offers) if offers is not None else contact_variables(ctx, HospitalOffers("", "", ""))
    buttons = tuple(Button(ctx.text("utter_consultation_alternative_button", department=d.name),
                           '/request_doctor{"consult_department": "%s"}' % d.code) for d in elsewhere)
    for message in ctx.render("utter_consultation_no_session", department=outcome.department.name,
                              alternatives=alternatives, **contact):
        ctx.send(replace(message, buttons=buttons + message.buttons) if buttons else message)


PSYCHOLOGY = "psychology"


def _in_crisis(slots: dict[str, object]) -> bool:
    """Suicidal thoughts or self-harm said in this conversation."""
    symptoms = slots.get("symptoms")
    return isinstance(symptoms, dict) and (symptoms.get("suicidal_ideation") is True or symptoms.get("self_harm") is True)


def _answer_the_offer(ctx: ActionContext) -> None:
    """A patient who asks for a doctor while the bot asks "需要转在线医生吗？" has answered it: yes.

    Typed words ("好，转在线医生") reach this action as an interruption over the pending question, which
    the dialogue would put again once the hand-off is done — a loop when nobody is on duty. The button
    links the flow to the hand-off instead; this does the same: the offer's flow ends here, answered.
    """
    stack = ctx.state.stack
    for frame in list(stack[:-1]):
        if frame.waiting_for == OFFER_SLOT:
            stack.remove(frame)
            ctx.set_slot(OFFER_SLOT, True)
            ctx.emit(ev.FLOW_ENDED, {"flow": frame.flow, "reason": "answered_by_request"})


def _queue_level(ctx: ActionContext, ruleset: Ruleset | None) -> str:
    """The level the patient queues at: the announced triage, else what the rules make of what is known.

    A patient who asks for a doctor before the intake is done has no announced level; queueing
    them without one put an urgent patient behind a self-care one. Not yet triaged is never
    ranked below `consult`: not knowing is not a reason to wait longer.
    """
    announced = (ctx.state.latest_triage or {}).get("level")
    if announced in LEVELS:
        return str(announced)
    if ruleset is None:  # a deployment without the triage plugin: a doctor's judgement is needed
        return "consult"
    decided = decide(ruleset, ctx.slots).level
    return min(decided, "consult", key=LEVELS.index)


@action("handoff_departments")
async def handoff_departments(ctx: ActionContext, service: Consultations) -> None:
    """Offer every department as a button (the names come from config.yml)."""
    buttons = tuple(Button(d.name, '/request_doctor{"consult_department": "%s"}' % d.code)
                    for d in service.departments.items)
    ctx.send(BotMessage(text=ctx.text("utter_consultation_choose_department"), buttons=buttons))


@action("handoff_cancel")
async def handoff_cancel(ctx: ActionContext, service: Consultations) -> None:
    """The patient withdraws from the queue or leaves the session."""
    current = await service.open_for(ctx.conversation_id)
    if current is None:
        ctx.utter("utter_consultation_nothing_to_cancel")
        return
    transition = await service.cancel(current.id, turn=ctx)
    ctx.emit(ev.HANDOFF, transition.event, actor=transition.actor)
    ctx.utter("utter_consultation_cancelled")


@interceptor("crisis_followup", priority=9)
async def crisis_followup(ctx: ActionContext, ruleset: Ruleset | None, service: Consultations) -> bool:
    """After the emergency answer for suicidal thoughts or self-harm, the next words get a person, not a loop.

    "我没有计划啦 只是想想 不想打120" used to get "请先拨打120" again and nothing else. Instead: a gentle
    reply that keeps the person talking, the crisis hotlines (12356; 希望24热线 400-161-9995) every time,
    a human to talk to (a psychological consultation online), and 120/110 for danger. The triage level
    stays as announced: nothing here decides or changes it. Runs just before the safety screen
    (priority 10) and leaves it any new emergency, a live session, and a request for a person or for 120.
    """
    previous = ctx.state.latest_triage or {}
    if ruleset is None or (ctx.state.handoff or {}).get("status") == ACTIVE:
        return False
    if ctx.parse is not None and ctx.parse.intent.name in CRISIS_PASS_THROUGH:
        return False
    said = ctx.slot(CRISIS_REPLIES)
    said = said if isinstance(said, int) and not isinstance(said, bool) else 0
    if previous.get("level") != "emergency":
        # Session seven (fix11b): thoughts without a plan (urgent, psych.suicidal_thoughts) after the crisis answer:
        # "我一个人住 没人可以叫" and "别劝我了" get a reply that fits them, not the dialogue's (it unsubscribed the
        # patient from the health articles); everything else goes on to the dialogue as before.
        if said and CRISIS_THOUGHTS_RULE in (previous.get("rules") or ()):
            return await _crisis_situation(ctx, service, said)
        return False
    by_id = {r.id: r for r in ruleset.rules}
    announced = set(previous.get("rules") or ())
    if not any(getattr(by_id.get(str(i)), "advice", None) == CRISIS_ADVICE for i in announced):
        return False
    if {r.id for r in decide(ruleset, ctx.slots).fired if r.level == "emergency"} - announced:
        return False  # a new emergency (an overdose, chest pain): the safety screen announces it
    if ctx.slot(PLAN_ASKED) is True:
        # The answer to the plan question asked once after the crisis lines (announce.py).
        ctx.set_slot(PLAN_ASKED, False)
        plan = ctx.slot(PLAN_SLOT)
        plan = plan if isinstance(plan, bool) else _plan_said(ctx.message.text if ctx.message else "")
        if plan is False:
            # A clear no: the urgent rule (psych.suicidal_thoughts), with the gentle reply and the lines.
            ctx.set_slot(PLAN_SLOT, False)
            send_decision(ctx, decide(ruleset, ctx.slots))
            ctx.utter("utter_crisis_followup")
            ctx.set_slot(CRISIS_REPLIES, said + 1)
            return True
        if plan is True:
            # A plan said ("攒了一瓶安眠药"): what to do with that means now, 120 and the lines, and the
            # doctors on duty see the plan in the patient's words (the emergency alert again, with them).
            ctx.set_slot(PLAN_SLOT, True)
            text = ctx.message.text if ctx.message else ""
            means = plan_means(text)
            department = service.department_for(ctx.slots).code
            on_duty = await service.roster.current_session(department, utcnow()) is not None \
                or bool(await service.on_duty_elsewhere(department, child=False))
            ctx.utter(alone_key(ctx, f"utter_crisis_plan_{means}" if means else "utter_crisis_plan"),
                      doctor=ctx.text("utter_crisis_doctor_on_duty" if on_duty else "utter_crisis_doctor_off_duty"))
            ctx.set_slot(CRISIS_REPLIES, said + 1)
            # The doctor reads the plan under the risks, in the patient's words; medicines named in it
            # ("安眠药") are its means, not medicines taken (bot/consultations/summary.py).
            ctx.emit(CRISIS_PLAN_EVENT, {"text": text, "means": means})
            alert = {"level": "emergency", "rules": sorted(announced), "reasons": list(previous.get("reasons") or ()),
                     "text": text, "in_session": False}
            cid, slots = ctx.conversation_id, dict(ctx.slots)
            ctx.after_commit(lambda: service.alert_department(cid, slots, alert))
            return True
    if await _crisis_situation(ctx, service, said):
        return True
    # A plan, or no answer, or not asked: the emergency stands; "就算没有计划" only to a clear no.
    no_plan = ctx.slot(PLAN_SLOT) is False
    ctx.utter("utter_crisis_followup" if no_plan and not said else "utter_crisis_listening")
    ctx.set_slot(CRISIS_REPLIES, said + 1)
    return True


async def _crisis_situation(ctx: ActionContext, service: Consultations, said: int) -> bool:
    """Alone with nobody to call, or "stop persuading me" (flows/language/crisis.yml `refuses`): a reply that fits.

    Alone: the crisis lines as the person to talk to now, the doctors on duty told, 120/110 with the address. A
    refusal: no more persuading, an open door to talk, the lines and 120/110 in one line. Never the same canned text.
    """
    text = ctx.message.text if ctx.message else ""
    if situation_said(text) == "alone" or says_alone(text):
        ctx.set_slot(ALONE_SLOT, True)
        department = service.department_for(ctx.slots).code
        on_duty = await service.roster.current_session(department, utcnow()) is not None \
            or bool(await service.on_duty_elsewhere(department, child=False))
        ctx.utter("utter_crisis_alone",
                  doctor=ctx.text("utter_crisis_doctor_on_duty" if on_duty else "utter_crisis_doctor_off_duty"))
    elif any(w in normal(text) for w in _crisis_words()["refuses"]):
        ctx.utter("utter_crisis_refuses_again" if ctx.slot(CRISIS_REFUSED) is True else "utter_crisis_refuses")
        ctx.set_slot(CRISIS_REFUSED, True)
    else:
        return False
    ctx.set_slot(CRISIS_REPLIES, said + 1)
    return True


def _plan_said(text: str) -> bool | None:
    """The answer to "有没有想好具体怎么做": True (a plan or intent), False (a clear no), None (no answer)."""
    clean = normal(text)
    table = words().slot_words.get(PLAN_SLOT) or {}
    # A plan said beside a no ("想过，但是药都攒好了") is a plan: the no phrases are set aside first.
    rest = clean
    for phrase in table.get("no") or ():
        rest = rest.replace(phrase, "，")
    if any(w in rest for w in table.get("yes") or ()):
        return True
    if rest != clean:
        return False
    # A bare answer: "没有" / "不会" is a no, "有" / "是的" a yes; "我不想说" or "不知道" is no answer (never a no).
    if clean.startswith(_crisis_words()["plan_no_starts"]):
        return False
    return True if clean.startswith(_crisis_words()["plan_yes_starts"]) else None


def plan_means(text: str) -> str | None:
    """The means a plan names ("攒了一瓶安眠药": pills; flows/language/crisis.yml `means`), or None."""
    clean = normal(text)
    return next((kind for kind, said in _crisis_words()["means"].items() if any(w in clean for w in said)), None)


@lru_cache(maxsize=1)
def _crisis_words(path: Path = CRISIS_WORDS) -> dict[str, Any]:
    raw = load_yaml(path.read_text(encoding="utf-8")) or {}
    return {
        "plan_no_starts": tuple(str(w) for w in raw.get("plan_no_starts") or ()),
        "plan_yes_starts": tuple(str(w) for w in raw.get("plan_yes_starts") or ()),
        "refuses": tuple(normal(str(w)) for w in raw.get("refuses") or ()),
        "fallback_departments": tuple(str(w) for w in raw.get("fallback_departments") or ()),
        "means": {str(k): tuple(normal(str(w)) for w in v or ()) for k, v in (raw.get("means") or {}).items()},
    }


# A situation tapped rather than typed (the button "我打不了电话" of utter_emergency_alone).
SITUATION_SLOT = "emergency_situation"
# Said once in the conversation, "一个人在家" stays known: "怎么办" later gets the advice for one alone.
ALONE_SLOT = "home_alone"
SCREEN_PASS_THROUGH = frozenset({"request_doctor", "call_120", "cancel", "goodbye", "thanks"})


@interceptor("emergency_followup", priority=9)
async def emergency_followup(ctx: ActionContext, ruleset: Ruleset | None, service: Consultations) -> bool:
    """After an emergency answer, the next words get help with the situation they describe, not "call 120" again.

    An 80-year-old, confused and alone at home, got only the 120 reminder to "家里就我一个人", "我打不了电话",
    "怎么办". Alone: 120 now, the dispatcher, the door unlocked, a neighbour or family called. Cannot call:
    someone else calls 120, and the doctors on duty are alerted with the patient's words. What now: 120
    first, the waiting advice already given, and "tell me if you are alone or cannot call". 120 stays on
    every reply. Anything else (a new red flag, "打了120", "他不肯去", a person, 120 itself, a live
    session, the crisis answer of crisis_followup) is left to the safety screen and the dialogue.
    """
    text = ctx.message.text if ctx.message else ""
    situation = situation_said(text)
    if situation == "alone" or (situation == "cannot_call" and says_alone(text)):
        ctx.set_slot(ALONE_SLOT, True)  # remembered, whatever the level (the first message may say it)
    tapped = ctx.slot(SITUATION_SLOT)
    if tapped is not None:
        ctx.set_slot(SITUATION_SLOT, None)
        situation = str(tapped) if tapped in situations() else situation
    previous = ctx.state.latest_triage or {}
    if ruleset is None or previous.get("level") != "emergency" or (ctx.state.handoff or {}).get("status") == ACTIVE:
        return False
    announced = set(previous.get("rules") or ())
    by_id = {r.id: r for r in ruleset.rules}
    if any(getattr(by_id.get(str(i)), "advice", None) == CRISIS_ADVICE for i in announced):
        return False  # crisis_followup answers
    if ctx.parse is not None and ctx.parse.intent.name in SCREEN_PASS_THROUGH:
        return False
    if ctx.held or ctx.slot("emergency_pending") is not None or ctx.slot("emergency_released"):
        return False  # a correction of the emergency's facts, or its confirmation: the safety screen asks and reads
    if {r.id for r in decide(ruleset, ctx.slots).fired if r.level == "emergency"} - announced:
        return False  # a new emergency: the safety screen announces it
    if situation is None:
        return False
    if situation == "cannot_call":
        department = service.department_for(ctx.slots).code
        on_duty = await service.roster.current_session(department, utcnow()) is not None or bool(
            await service.on_duty_elsewhere(department, child=False))
        ctx.utter("utter_emergency_cannot_call",
                  doctor=ctx.text("utter_emergency_doctor_on_duty" if on_duty else "utter_emergency_doctor_off_duty"))
        alert = {"level": "emergency", "rules": sorted(announced), "reasons": list(previous.get("reasons") or ()),
                 "text": text or ctx.text("utter_emergency_cannot_call_alert"), "in_session": False}
        cid, slots = ctx.conversation_id, dict(ctx.slots)
        ctx.after_commit(lambda: service.alert_department(cid, slots, alert))
    elif situation == "alone" or ctx.slot(ALONE_SLOT) is True:
        ctx.utter("utter_emergency_alone" if ctx.slot("subject") in (None, "self", "unknown") else "utter_emergency_alone_carer")
    else:
        ctx.utter("utter_emergency_what_now")
    return True


@interceptor("queue_wait_question", priority=15)
async def queue_wait_question(ctx: ActionContext, service: Consultations) -> bool:
    """A patient in the queue asking how long: their place and the estimate, from the queue itself.

    Not a knowledge article (a wait question reads like a question about COVID to the NLU), and no
    offer of a doctor: they are already waiting for one. After the safety screen (priority 10).
    """
    handoff_state = ctx.state.handoff
    if not handoff_state or handoff_state.get("status") not in QUEUED or not _asks_about_wait(ctx):
        return False
    try:
        current = await service.get(str(handoff_state.get("consultation_id")))
    except ConsultationError:
        return False
    position = await service.position(current)
    if not position:
        return False
    ctx.utter("utter_consultation_wait_status", department=current.department_name, position=position,
              wait_minutes=await service.wait_minutes(current.department, position))
    return True


def _asks_about_wait(ctx: ActionContext) -> bool:
    text = normalise(ctx.message.text).text if ctx.message and ctx.message.text else ""
    return any(phrase in text for phrase in _wait_phrases())


@lru_cache(maxsize=1)
def _wait_phrases() -> tuple[str, ...]:
    data = load_yaml(WAIT_QUESTIONS.read_text(encoding="utf-8")) or {}
    return tuple(str(p) for p in data.get("phrases") or ())


@interceptor("live_session_relay", priority=20)
async def live_session_relay(ctx: ActionContext, service: Consultations, pubsub: PubSub) -> bool:
    """In an active session, hand the message to the doctors instead of the dialogue."""
    handoff_state = ctx.state.handoff
    if not handoff_state or handoff_state.get("status") != ACTIVE:
        return False  # the common case costs no query
    if ctx.parse is not None and ctx.parse.intent.name in SESSION_CONTROL_INTENTS:
        return False
    if ctx.state.stack and ctx.state.stack[-1].waiting_for in SESSION_QUESTIONS:
        return False
    alert = next((e.data for e in ctx.events if e.type in ALERT_EVENTS and e.data.get("level") == "emergency"), None)
    message = ctx.message
    text = message.text if message else ""
    attachments = [a.to_dict() for a in message.attachments] if message else []
    # The conversation's handoff state names the session and its doctors: no query per message.
    # The doctors see the message once it is stored, never one that a failed turn rolled back.
    ctx.after_commit(lambda: service.relay_from_patient(handoff_state, text, attachments, alert=alert))
    observed = [e.data for e in ctx.events if e.type == OBSERVATION]
    if observed or alert is not None:
        # The doctors' open intake panels update at once: new facts (marked new), new level.
        update = IntakeUpdated(str(handoff_state["consultation_id"]), tuple(observed), ctx.state.latest_triage)
        ctx.after_commit(lambda: _publish_to_session(pubsub, handoff_state, update))
    participants = [int(i) for i in handoff_state.get("participants") or ()]
    if alert is not None and not await service.anyone_present(participants) and not any(e.type == ev.BOT for e in ctx.events):
        # Nobody is watching the screen: the patient must not wait for a doctor who cannot see this.
        ctx.utter("utter_consultation_emergency_no_doctor")
    return True


async def _publish_to_session(pubsub: PubSub, handoff_state: dict[str, object], update: IntakeUpdated) -> None:
    participants = handoff_state.get("participants") or []
    for staff_id in participants if isinstance(participants, list) else []:
        await pubsub.publish(topics.staff(int(staff_id)), update)
