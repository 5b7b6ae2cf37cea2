"""What the flows in flows/prescriptions.yml call: order an approved prescription, renew a chronic one."""
from __future__ import annotations

from actions.services.offers import HospitalOffers, contact_variables
from bot.action_api import ActionContext, action
from bot.consultations import Consultations
from bot.crypto import FieldCipher, open_answer
from bot.prescriptions.service import FULFILMENTS, APPROVED, PrescriptionError, Prescriptions, yuan


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
async def renewal_candidates(ctx: ActionContext, prescriptions: Prescriptions, offers: HospitalOffers) -> None:
    """The conversation's previous chronic prescriptions: the newest is the one renewed (named to the patient)."""
    found = await prescriptions.renewable(ctx.conversation_id)
    ctx.set_slot("renewal_count", len(found))
    if not found:
        ctx.utter("utter_rx_no_previous", **contact_variables(ctx, offers))
        return
    newest = found[0]
    ctx.set_slot("rx_id", newest.id)
    local = prescriptions.consultations.roster.local(newest.signed_at)
    ctx.utter("utter_rx_renewal_found", names=prescriptions.chronic_names(newest), rx_id=newest.id,
              month=local.month, day=local.day)


@action("renewal_request")
async def renewal_request(ctx: ActionContext, prescriptions: Prescriptions, consultations: Consultations) -> None:
    """Queue the renewal for a doctor of the prescription's department (a doctor reissues or declines)."""
    rx_id = str(ctx.slot("rx_id") or "")
    try:
        renewal = await prescriptions.request_renewal(ctx, ctx.conversation_id, rx_id)
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

