"""The patient's "我的处方审核好了吗 / 药什么时候到 / 快递到哪了": their prescriptions and orders, in plain Chinese.

An interceptor after the safety screen (10) and the live-session relay (20) — a red flag is answered first,
and a patient in a live session talks to the doctor, not to this — and before the free-question
answering (60): the question is recognised by the reviewed phrases of `status_questions.yml` (or the payload
`/ask_prescription_status`), answered from the patient's own prescriptions (the bound card's across
conversations: `cards.py`), orders and this conversation's waiting renewal requests (`Prescriptions`), and the dialogue that was running goes on afterwards. No prescription: an
honest answer with 转人工. No new NLU intent: the wording is matched here, where it is reviewed.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path

from nlu.yaml_files import load_yaml

from actions.prescriptions.cards import patient_prescriptions
from actions.services.offers import HospitalOffers, contact_variables
from bot.action_api import ActionContext, interceptor
from bot.db import Database
from bot.engine import Engine
from bot.messages import BotMessage, Button
from bot.prescriptions.service import APPROVED, CANCELLED, PENDING, REJECTED, Order, Prescription, Prescriptions, yuan

PHRASES_FILE = Path(__file__).with_name("status_questions.yml")
INTENT = "ask_prescription_status"
STATUS_PRIORITY = 42  # after the safety screen (10), the relay (20) and attachments (30); before answering (50+)
SHOWN = 5  # the newest this many prescriptions are described


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], ...]:
    data = load_yaml(PHRASES_FILE.read_text(encoding="utf-8"))
    return tuple(re.compile(p) for p in data["patterns"])


def asks_about_prescription(text: str) -> bool:
    compact = "".join(text.split())
    return any(p.search(compact) for p in _patterns())


@interceptor("prescription_status", STATUS_PRIORITY)
async def prescription_status(ctx: ActionContext, prescriptions: Prescriptions, offers: HospitalOffers, db: Database,
                              engine: Engine) -> bool:
    asked = ctx.parse is not None and ctx.parse.intent.name == INTENT
    if not asked and not (ctx.message is not None and asks_about_prescription(ctx.message.text or "")):
        return False
    found = await patient_prescriptions(ctx, prescriptions, db, engine)  # the bound card's, across conversations
    renewals = await prescriptions.waiting_renewals([ctx.conversation_id])
    if not found and not renewals:
        ctx.utter("utter_rx_status_none", **contact_variables(ctx, offers))
        return True
    shown = found[:SHOWN]
    orders = await prescriptions.orders_of([p.id for p in shown])
    lines: list[str] = []
    buttons: list[Button] = []
    for p in shown:
        order = orders.get(p.id)
        lines.append(_describe(ctx, prescriptions, p, order))
        if p.status == APPROVED and order is None and not buttons and p.conversation_id == ctx.conversation_id:
            # The newest one of this conversation waiting for a choice (an order is opened where it was written).
            buttons = [Button("送药到家", f'/prescription_fulfil{{"rx_id": "{p.id}", "rx_fulfilment": "delivery"}}'),
                       Button("到院自取", f'/prescription_fulfil{{"rx_id": "{p.id}", "rx_fulfilment": "pickup"}}')]
    for r in renewals:
        lines.append(ctx.text("rx_status_renewal", renewal_id=r.id, department=prescriptions.department_name(r.department),
                              day=_day(prescriptions, r.requested_at)))
    text = "\n".join([ctx.text("rx_status_head"), *lines, ctx.text("rx_status_foot")])
    ctx.send(BotMessage(text=text, buttons=(*buttons, Button(ctx.text("rx_status_human_button"), "/request_doctor"))))
    return True


def _names(prescriptions: Prescriptions, p: Prescription) -> str:
    return "、".join(m.name for x in p.lines if (m := prescriptions.formulary.get(x.code)) is not None) or "药品"


def _day(prescriptions: Prescriptions, at: dt.datetime) -> str:
    local = prescriptions.consultations.roster.local(at)
    return f"{local.month}月{local.day}日"


def _describe(ctx: ActionContext, prescriptions: Prescriptions, p: Prescription, order: Order | None) -> str:
    """One line: which prescription, where it is, and what happens next."""
    head = ctx.text("rx_status_item", day=_day(prescriptions, p.signed_at), names=_names(prescriptions, p), rx_id=p.id)
    if p.status == PENDING:
        return head + ctx.text("rx_status_pending_review")
    if p.status == REJECTED:
        return head + ctx.text("rx_status_rejected")
    if p.status == CANCELLED:
        return head + ctx.text("rx_status_cancelled")
    # The e-prescription (diagnosis included) is linked in the conversation it was written in, not elsewhere.
    link = prescriptions.page_link(p) if p.conversation_id == ctx.conversation_id else ""
    tail = ctx.text("rx_status_link", link=link) if link else ""
    if order is None:
        here = p.conversation_id == ctx.conversation_id
        return head + ctx.text("rx_status_approved" if here else "rx_status_approved_elsewhere") + tail
    pickup = order.fulfilment == "pickup"
    variables = {"order_id": order.id, "amount": yuan(order.amount_fen), "tracking": order.tracking or "",
                 "instructions": prescriptions.payments_instructions(),
                 "next": ctx.text("rx_status_next_pickup" if pickup else "rx_status_next_delivery")}
    key = f"rx_status_order_{order.status}"
    if order.status == "shipped":
        key += "_pickup" if pickup else ("_tracked" if order.tracking else "_untracked")
    return head + ctx.text(key, **variables) + tail
