"""Handing a patient to a live doctor: the `handoff` actions flows call, and the live-session relay.

During an active consultation every patient message goes to the doctors (through `runtime.pubsub`),
not to the dialogue. The safety screen (priority 10) still sees each message first; a red flag it
raises is forwarded to the doctors as an alert, and when no doctor is connected the patient is told
at once to call 120.
"""
from __future__ import annotations

from bot import events as ev
from bot.action_api import ActionContext, action, interceptor
from bot.consultations import ACTIVE, Consultations, RequestOutcome
from bot.messages import BotMessage, Button

# Payloads the patient may still send to the bot during a live session.
SESSION_CONTROL_INTENTS = {"cancel_consultation"}
ALERT_EVENTS = {"red_flag", ev.TRIAGE}


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
async def handoff(ctx: ActionContext, service: Consultations) -> None:
    """Ask for a doctor: queue now, ask to pay, say when the department opens, or that it is closed."""
    department = service.department_for(ctx.slots)
    queue_off_hours = bool(ctx.slot("consult_queue_off_hours"))
    if queue_off_hours:
        ctx.set_slot("consult_queue_off_hours", None)
    outcome = await service.request(
        ctx.conversation_id,
        department.code,
        level=(ctx.state.latest_triage or {}).get("level"),
        queue_off_hours=queue_off_hours,
        turn=ctx,
    )
    if outcome.transition is not None:
        ctx.emit(ev.HANDOFF, outcome.transition.event, actor=outcome.transition.actor)
    ctx.utter(f"utter_consultation_{outcome.kind}", **_variables(service, outcome))


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


@interceptor("live_session_relay", priority=20)
async def live_session_relay(ctx: ActionContext, service: Consultations) -> bool:
    """In an active session, hand the message to the doctors instead of the dialogue."""
    handoff_state = ctx.state.handoff
    if not handoff_state or handoff_state.get("status") != ACTIVE:
        return False  # the common case costs no query
    if ctx.parse is not None and ctx.parse.intent.name in SESSION_CONTROL_INTENTS:
        return False
    alert = next((e.data for e in ctx.events if e.type in ALERT_EVENTS and e.data.get("level") == "emergency"), None)
    message = ctx.message
    text = message.text if message else ""
    attachments = [a.to_dict() for a in message.attachments] if message else []
    # The conversation's handoff state names the session and its doctors: no query per message.
    # The doctors see the message once it is stored, never one that a failed turn rolled back.
    ctx.after_commit(lambda: service.relay_from_patient(handoff_state, text, attachments, alert=alert))
    participants = [int(i) for i in handoff_state.get("participants") or ()]
    if alert is not None and not await service.anyone_present(participants) and not any(e.type == ev.BOT for e in ctx.events):
        # Nobody is watching the screen: the patient must not wait for a doctor who cannot see this.
        ctx.utter("utter_consultation_emergency_no_doctor")
    return True
