"""What the flows in flows/prescriptions.yml call: order an approved prescription, renew a chronic one."""
from __future__ import annotations

from actions.prescriptions.cards import patient_prescriptions
from actions.services.offers import HospitalOffers, contact_variables
from bot.action_api import ActionContext, action
from bot.consultations import Consultations
from bot.crypto import FieldCipher, open_answer
from bot.db import Database
from bot.engine import Engine
from bot.messages import BotMessage, Button
from bot.prescriptions.service import APPROVED, FULFILMENTS, Prescription, PrescriptionError, Prescriptions, yuan

MAX_CHOICES = 5  # buttons a patient is shown at once


@action("prescription_order")
async def prescription_order(ctx: ActionContext, prescriptions: Prescriptions, cipher: FieldCipher) -> None:
    """The patient chose delivery or pick-up: the order is opened in this turn and waits for payment."""
    fulfilment = str(ctx.slot("rx_fulfilment") or "")
    address = open_answer(cipher, str(ctx.slot("rx_address") or "")).strip() or None
    ctx.set_slot("rx_address", None)  # sealed in the log; kept only encrypted on the order
    rx_id = ctx.slot("rx_id")
    if not rx_id:
        waiting = [p for p in await prescriptions.for_conversation(ctx.conversation_id) if p.status == APPROVED
                   and await prescriptions.order_for(p.id) is None]
        rx_id = waiting[0].id if waiting else None
    if not rx_id:
        ctx.utter("utter_rx_nothing_to_order")
        return
    try:
        order, instructions = await prescriptions.open_order(ctx, ctx.conversation_id, str(rx_id), fulfilment, address)
    except PrescriptionError as exc:
        ctx.utter("utter_rx_order_refused", reason=exc.message)
        return
    ctx.emit("prescription_order", {"order_id": order.id, "prescription_id": order.prescription_id,
                                    "fulfilment": order.fulfilment, "amount_fen": order.amount_fen})
    ctx.set_slot("rx_id", None)
    ctx.set_slot("rx_fulfilment", None)
    ctx.utter("utter_rx_order_created", order_id=order.id, fulfilment_name=FULFILMENTS[fulfilment],
              amount=yuan(order.amount_fen), instructions=instructions)


@action("renewal_candidates")
async def renewal_candidates(ctx: ActionContext, prescriptions: Prescriptions, offers: HospitalOffers, db: Database,
                             engine: Engine) -> None:
    """The previous chronic prescriptions of this person (the bound card's across conversations, or this
    conversation's). One: it is the one renewed (named to the patient); several: the patient picks one (a button
    restarts the renewal with `rx_id`)."""
    found = await prescriptions.renewable(ctx.conversation_id, await patient_prescriptions(ctx, prescriptions, db, engine))
    chosen = next((p for p in found if p.id == ctx.slot("rx_id")), None)
    if not found:
        ctx.set_slot("renewal_count", 0)
        ctx.utter("utter_rx_no_previous", **contact_variables(ctx, offers))
        return
    named = prescriptions.formulary.kinds_in(ctx.message.text or "") if ctx.message is not None else frozenset()
    if chosen is None and named:
        # "想续开二甲双胍": only the prescriptions holding what the patient named; none → said, never another medicine.
        matching = [p for p in found if any(named & m.kinds for x in p.lines if (m := prescriptions.formulary.get(x.code)))]
        if not matching:
            ctx.set_slot("renewal_count", 0)
            shown = found[:MAX_CHOICES]
            lines = [f"{n}. {prescriptions.chronic_names(p)}（{_day(prescriptions, p)}，处方号 {p.id}）"
                     for n, p in enumerate(shown, 1)]
            ctx.send(BotMessage(
                text=ctx.text("utter_rx_renewal_not_named", **contact_variables(ctx, offers)) + "\n" + "\n".join(lines),
                buttons=(*(Button(f"续第{n}张", f'/renew_prescription{{"rx_id": "{p.id}"}}') for n, p in enumerate(shown, 1)),
                         Button("转人工医生", "/request_doctor"))))
            return
        found = matching
    if chosen is None and len(found) > 1:
        ctx.set_slot("renewal_count", 0)  # the flow ends here; the patient's choice starts it again
        shown = found[:MAX_CHOICES]
        lines = [f"{n}. {prescriptions.chronic_names(p)}（{_day(prescriptions, p)}，处方号 {p.id}）"
                 for n, p in enumerate(shown, 1)]
        ctx.send(BotMessage(text=ctx.text("utter_rx_renewal_choose") + "\n" + "\n".join(lines), buttons=tuple(
            Button(f"续第{n}张", f'/renew_prescription{{"rx_id": "{p.id}"}}') for n, p in enumerate(shown, 1))))
        return
    chosen = chosen or found[0]
    ctx.set_slot("renewal_count", len(found))
    ctx.set_slot("rx_id", chosen.id)
    local = prescriptions.consultations.roster.local(chosen.signed_at)
    ctx.utter("utter_rx_renewal_found", names=prescriptions.chronic_names(chosen), rx_id=chosen.id,
              month=local.month, day=local.day)


def _day(prescriptions: Prescriptions, p: Prescription) -> str:
    local = prescriptions.consultations.roster.local(p.signed_at)
    return f"{local.month}月{local.day}日"


@action("renewal_request")
async def renewal_request(ctx: ActionContext, prescriptions: Prescriptions, consultations: Consultations, db: Database,
                          engine: Engine) -> None:
    """Queue the renewal for a doctor of the prescription's department (a doctor reissues or declines)."""
    rx_id = str(ctx.slot("rx_id") or "")
    theirs = frozenset(p.id for p in await patient_prescriptions(ctx, prescriptions, db, engine))
    try:
        renewal = await prescriptions.request_renewal(ctx, ctx.conversation_id, rx_id, theirs)
    except PrescriptionError as exc:
        ctx.utter("utter_rx_order_refused", reason=exc.message)
        return
    ctx.emit("prescription_renewal", {"renewal_id": renewal.id, "previous_id": rx_id, "department": renewal.department})
    ctx.set_slot("rx_id", None)
    try:
        department = consultations.departments.get(renewal.department).name
    except KeyError:
        department = renewal.department
    ctx.utter("utter_rx_renewal_queued", renewal_id=renewal.id, department=department)

