"""Whose prescriptions: the bound card's, across the patient's conversations (docs/prescriptions.md, "Cards").

A card (就诊卡, bot/patients.py) is a person: the same ID number with the same phone (both keyed hashes), bound
from WeChat and from the web, is one person (an ID number alone, which others may know, is not enough), the cards of one account are different people (本人, 父母, 子女…). A prescription belongs to the card
that was active in its conversation when it was signed (the last `card_bound` / `card_chosen` event before it).
With an active card, the patient's prescriptions are those of that person in every conversation where the card
is bound, plus this conversation's prescriptions written before any card was chosen; never another family
member's. Without a card: this conversation's, as before.
"""
from __future__ import annotations

from sqlalchemy import select

from bot.action_api import ActionContext
from bot.db import Database
from bot.engine import Engine
from bot.messages import conversation_id_for
from bot.patients import MedicalCard, Patient
from bot.prescriptions.service import Prescription, Prescriptions

CARD_EVENTS = ("card_bound", "card_chosen")


async def patient_prescriptions(ctx: ActionContext, prescriptions: Prescriptions, db: Database,
                                engine: Engine) -> list[Prescription]:
    """The prescriptions of the person this conversation is about, newest first."""
    async with db.session() as s:
        patient = await s.scalar(select(Patient).where(Patient.channel == ctx.channel, Patient.external_id == ctx.sender))
        card = await s.get(MedicalCard, patient.active_card_id) if patient and patient.active_card_id else None
        if card is None or card.removed_at is not None:
            return await prescriptions.for_conversation(ctx.conversation_id)
        same_person = (await s.execute(
            select(MedicalCard.id, Patient.channel, Patient.external_id).join(Patient, Patient.id == MedicalCard.patient_id)
            .where(MedicalCard.id_number_hash == card.id_number_hash, MedicalCard.phone_hash == card.phone_hash,
                   MedicalCard.removed_at.is_(None)))).all()
    cards = {row.id for row in same_person}
    conversations = sorted({conversation_id_for(row.channel, row.external_id) for row in same_person}
                           | {ctx.conversation_id})
    found: list[Prescription] = []
    cache: dict[str, list[tuple[float, int]]] = {}
    for p in await prescriptions.for_conversations(conversations):
        holder = await _card_at(engine, p, cache)
        if holder in cards or (holder is None and p.conversation_id == ctx.conversation_id):
            found.append(p)
    return found


async def _card_at(engine: Engine, p: Prescription, cache: dict[str, list[tuple[float, int]]]) -> int | None:
    """The card active in the prescription's conversation when it was signed (None: no card chosen yet)."""
    if p.conversation_id not in cache:
        cache[p.conversation_id] = [(e.timestamp, int(e.data["card_id"])) for e in await engine.events(p.conversation_id)
                                    if e.type in CARD_EVENTS and isinstance(e.data.get("card_id"), int)]
    signed = p.signed_at.timestamp()
    chosen = [card for at, card in cache[p.conversation_id] if at <= signed]
    return chosen[-1] if chosen else None
