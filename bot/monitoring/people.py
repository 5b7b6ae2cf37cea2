"""Whose series a reading belongs to: the person, not the conversation.

A monitored person is keyed by
- their medical card (就诊卡) when the account has bound one for them: `card:<keyed hash of the ID number>`,
  so the same person keeps one series from any account or channel that binds their card;
- else the family member of the account by relation (the `subject` slot: 本人, 父母, 孩子, …):
  `member:<hash of the conversation>:<relation>` — a mother following herself and her father from one
  WeChat account has two series, and a new conversation (重新开始) of the same account keeps them.
  A parent named by a word that says which ("我爸", "我妈", "老妈", "父亲") is keyed with their sex too
  (`member:<hash>:parent:male` / `:female`): both parents without cards are two people. "父母", "老人" (no
  sex said) stay `member:<hash>:parent`; such a row is taken over by the first parent named by sex
  (Monitoring.patient_for), so a series begun as 父母 (an intake's enrolment) is not split.

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


# Words of a parent that say which one ("我爸", "老妈", "父亲"); a word with both (父母) or neither says nothing.
_FATHER, _MOTHER = ("爸", "爹", "父", "dad", "father"), ("妈", "娘", "母", "mum", "mom", "mother")
SEXED_RELATIONS = frozenset({"parent"})  # relations of which an account may have two without cards


def sex_of_word(relation: str, word: str) -> str | None:
    """'male' / 'female' when the word naming a parent says which ("我爸" → male); else None."""
    if relation not in SEXED_RELATIONS:
        return None
    word = word.lower()
    father, mother = any(w in word for w in _FATHER), any(w in word for w in _MOTHER)
    return "male" if father and not mother else "female" if mother and not father else None


def sex_of_key(key: str) -> str | None:
    """The sex a member key was made with (`member:<hash>:parent:female`), else None."""
    parts = key.split(":")
    return parts[3] if key.startswith("member:") and len(parts) == 4 and parts[3] in ("male", "female") else None


def relation_of(subject: object) -> str:
    """The relation of a `subject` slot value; 'self' when nobody else was named."""
    return SUBJECT_RELATION.get(str(subject or ""), "self")


def member_key(conversation_id: str, relation: str, sex: str | None = None) -> str:
    key = f"member:{hashlib.sha256(conversation_id.encode('utf-8')).hexdigest()[:40]}:{relation}"
    return f"{key}:{sex}" if sex and relation in SEXED_RELATIONS else key


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
    sex: str | None = None  # a parent without a card named as 我爸 / 我妈 (see sex_of_word)


async def account_cards(session: AsyncSession, conversation_id: str, channel: str) -> tuple[list[MedicalCard], int | None]:
    """The account's bound cards (not removed) and its current card's id; none for an account never seen."""
    account = await session.scalar(select(Patient).where(
        Patient.channel == (channel or "rest"), Patient.external_id == sender_of(conversation_id, channel)))
    if account is None:
        return [], None
    cards = list(await session.scalars(select(MedicalCard).where(
        MedicalCard.patient_id == account.id, MedicalCard.removed_at.is_(None)).order_by(MedicalCard.id)))
    return cards, account.active_card_id


async def candidates(session: AsyncSession, conversation_id: str, channel: str, relation: str,
                     sex: str | None = None) -> list[Person]:
    """Who `relation` may be on this account: its cards of that relation (the current card first), else the
    family member of that relation without a card (a parent named by sex: that parent)."""
    relation = relation if relation in RELATIONS else "other"
    cards, active = await account_cards(session, conversation_id, channel)
    mine = sorted((c for c in cards if c.relation == relation), key=lambda c: c.id != active)
    if mine:
        return [Person(card_key(c.id_number_hash), relation, c.id, c.id == active) for c in mine]
    sex = sex if relation in SEXED_RELATIONS else None
    return [Person(member_key(conversation_id, relation, sex), relation, sex=sex)]


__all__ = ["Person", "account_cards", "candidates", "card_key", "member_key", "relation_of", "sender_of", "sex_of_key",
           "sex_of_word"]
