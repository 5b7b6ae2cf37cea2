"""Whose series a reading belongs to: the person, not the conversation.

A monitored person is keyed by
- their medical card (就诊卡) when the account has bound one for them: `card:<keyed hash of the ID number>`,
  so the same person keeps one series from any account or channel that binds their card;
- else the family member of the account by relation (the `subject` slot: 本人, 父母, 孩子, …):
  `member:<hash of the conversation>:<relation>` — a mother following herself and her father from one
  WeChat account has two series, and a new conversation (重新开始) of the same account keeps them.

A conversation is one channel identity (bot/messages.py: `conversation_id_for(channel, sender)`), so it
is the account's key too. A person's row also keeps the conversation last heard from: reminders and a
device's alerts go there. Migration 0030_monitor2_person_key fills these keys for the rows stored before.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.patients import RELATIONS, MedicalCard, Patient

# The `subject` slot's values onto the card relations (an infant is a child of the account holder).
SUBJECT_RELATION = {"self": "self", "parent": "parent", "child": "child", "infant": "child", "spouse": "spouse",
                    "other": "other"}


def relation_of(subject: object) -> str:
    """The relation of a `subject` slot value; 'self' when nobody else was named."""
    return SUBJECT_RELATION.get(str(subject or ""), "self")


def member_key(conversation_id: str, relation: str) -> str:
    return f"member:{hashlib.sha256(conversation_id.encode('utf-8')).hexdigest()[:40]}:{relation}"


def card_key(id_number_hash: str) -> str:
    return f"card:{id_number_hash}"


def sender_of(conversation_id: str, channel: str) -> str:
    """The channel's id for the person (the inverse of bot.messages.conversation_id_for)."""
    if channel and channel != "rest" and conversation_id.startswith(f"{channel}:"):
        return conversation_id[len(channel) + 1:]
    return conversation_id


@dataclass(frozen=True)
class Person:
    """Someone the account may send readings for."""

    key: str
    relation: str
    card_id: int | None = None
    active: bool = False  # the account's current card


async def account_cards(session: AsyncSession, conversation_id: str, channel: str) -> tuple[list[MedicalCard], int | None]:
    """The account's bound cards (not removed) and its current card's id; none for an account never seen."""
    account = await session.scalar(select(Patient).where(
        Patient.channel == (channel or "rest"), Patient.external_id == sender_of(conversation_id, channel)))
    if account is None:
        return [], None
    cards = list(await session.scalars(select(MedicalCard).where(
        MedicalCard.patient_id == account.id, MedicalCard.removed_at.is_(None)).order_by(MedicalCard.id)))
    return cards, account.active_card_id


async def candidates(session: AsyncSession, conversation_id: str, channel: str, relation: str) -> list[Person]:
    """Who `relation` may be on this account: its cards of that relation (the current card first), else the
    family member of that relation without a card."""
    relation = relation if relation in RELATIONS else "other"
    cards, active = await account_cards(session, conversation_id, channel)
    mine = sorted((c for c in cards if c.relation == relation), key=lambda c: c.id != active)
    if mine:
        return [Person(card_key(c.id_number_hash), relation, c.id, c.id == active) for c in mine]
    return [Person(member_key(conversation_id, relation), relation)]


__all__ = ["Person", "account_cards", "candidates", "card_key", "member_key", "relation_of", "sender_of"]
