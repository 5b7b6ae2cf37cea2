"""Patients and their medical cards (就诊卡): who an openid is, and whose consultation it is.

A patient account belongs to one channel identity (a WeChat openid). It holds cards for the
patient and family members; the active card decides whose consultation it is. Names, ID-card
numbers and phones are encrypted at rest (`bot.crypto`) with keyed hashes for lookups, and
shown masked everywhere except where a doctor needs them.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.crypto import FieldCipher, normalise
from bot.db import Base

# Relations a card can have to the account holder; they map onto the `subject` slot's values.
RELATIONS = ("self", "parent", "child", "spouse", "other")
MAX_CARDS = 5
CONSENT_VERSION = "2026-11"

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_MOBILE = re.compile(r"1[3-9]\d{9}")
# Han names, and minority names written with the middle dot (阿卜杜拉·艾买提), or Latin names.
_NAME = re.compile(r"[\u3400-\u9fff·•A-Za-z][\u3400-\u9fff·• A-Za-z]{0,29}")


class CardError(ValueError):
    """A card cannot be added or chosen; `code` names a response the patient is shown."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


# -- validation ------------------------------------------------------------------------------------


def id_number_birth_date(value: str) -> dt.date | None:
    """The birth date of a valid 18-digit resident ID number (GB 11643-1999), or None when invalid."""
    number = normalise(value)
    if not re.fullmatch(r"[1-9]\d{16}[\dX]", number):
        return None
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    if _ID_CHECK[total % 11] != number[17]:
        return None
    try:
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    if born > dt.date.today() or born.year < 1890:
        return None
    return born


def valid_id_number(value: str) -> bool:
    return id_number_birth_date(value) is not None


def id_number_sex(value: str) -> str:
    """The 17th digit is odd for men and even for women."""
    return "male" if int(normalise(value)[16]) % 2 else "female"


def normalise_phone(value: str) -> str | None:
    """A mainland mobile number without +86, spaces or dashes; None when it is not one."""
    digits = re.sub(r"[\s\-()（）]", "", normalise(value))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    return digits if _MOBILE.fullmatch(digits) else None


def normalise_name(value: str) -> str | None:
    """Full-width folded and runs of spaces collapsed (Latin names keep one space between parts)."""
    name = " ".join(unicodedata.normalize("NFKC", value).split())
    return name if _NAME.fullmatch(name) else None


# -- masking (logs, the console, messages to the patient) -------------------------------------------


def mask_name(name: str) -> str:
    """张三 → 张*, 张三丰 → 张*丰, 欧阳娜娜 → 欧**娜."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(value: str) -> str:
    """Region and check digits stay, the birth date and sequence go: 110105********002X → 1101**********002X."""
    number = normalise(value)
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(value: str) -> str:
    digits = normalise(value)
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


# -- storage ------------------------------------------------------------------------------------------


class Patient(Base):
    """One channel identity (e.g. a WeChat openid) and what it agreed to."""

    __tablename__ = "patients"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_patients_identity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    consent_version: Mapped[str | None] = mapped_column(String(32), nullable=True)
    consented_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    active_card_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class MedicalCard(Base):
    """A 就诊卡: a person the account may consult for. Identifying fields are ciphertext."""

    __tablename__ = "medical_cards"
    __table_args__ = (UniqueConstraint("patient_id", "id_number_hash", name="uq_medical_cards_person"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id", ondelete="CASCADE"), index=True)
    relation: Mapped[str] = mapped_column(String(16))
    name_enc: Mapped[str] = mapped_column(String(512))
    id_number_enc: Mapped[str] = mapped_column(String(512))
    id_number_hash: Mapped[str] = mapped_column(String(64), index=True)
    phone_enc: Mapped[str] = mapped_column(String(512))
    phone_hash: Mapped[str] = mapped_column(String(64), index=True)
    # Set when the patient removes the person; the row stays (encrypted) for the records.
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


@dataclass(frozen=True)
class CardInput:
    """What the patient typed, already validated by `card_input`."""

    relation: str
    name: str
    id_number: str
    phone: str


@dataclass(frozen=True)
class CardView:
    """A card as the patient and the logs see it: masked."""

    id: int
    relation: str
    name: str
    id_number: str
    phone: str
    current: bool


@dataclass(frozen=True)
class CardHolder:
    """A card decrypted, for the doctor who treats this person (and for filling triage slots)."""

    id: int
    relation: str
    name: str
    id_number: str
    phone: str
    birth_date: dt.date
    sex: str

    def age_years(self, today: dt.date | None = None) -> float:
        today = today or dt.date.today()
        return round((today - self.birth_date).days / 365.25, 2)

    @property
    def subject(self) -> str:
        """The `subject` slot value: a child under one year is an infant."""
        if self.relation == "child" and self.age_years() < 1:
            return "infant"
        return self.relation


def card_input(relation: str, name: str, id_number: str, phone: str) -> CardInput:
    """Validate and normalise what the patient typed; CardError names the first bad field."""
    if relation not in RELATIONS:
        raise CardError("relation")
    clean_name = normalise_name(name)
    if clean_name is None:
        raise CardError("name")
    if not valid_id_number(id_number):
        raise CardError("id_number")
    clean_phone = normalise_phone(phone)
    if clean_phone is None:
        raise CardError("phone")
    return CardInput(relation, clean_name, normalise(id_number), clean_phone)


class Patients:
    """The patient accounts and cards, in one session's transaction."""

    def __init__(self, session: AsyncSession, cipher: FieldCipher) -> None:
        self.session = session
        self.cipher = cipher

    async def account(self, channel: str, external_id: str) -> Patient:
        """The account for a channel identity, created on first sight."""
        found = await self.session.scalar(
            select(Patient).where(Patient.channel == channel, Patient.external_id == external_id)
        )
        if found is not None:
            return found
        patient = Patient(channel=channel, external_id=external_id)
        # A savepoint, so that two first messages from the same person racing here end with one row.
        try:
            async with self.session.begin_nested():
                self.session.add(patient)
        except IntegrityError:  # the other request created it
            found = await self.session.scalar(
                select(Patient).where(Patient.channel == channel, Patient.external_id == external_id)
            )
            if found is None:
                raise
            return found
        return patient

    async def consent(self, patient: Patient, version: str = CONSENT_VERSION) -> None:
        patient.consent_version = version
        patient.consented_at = _utcnow()
        await self.session.flush()

    @staticmethod
    def has_consented(patient: Patient) -> bool:
        return patient.consented_at is not None

    async def _cards(self, patient: Patient) -> list[MedicalCard]:
        rows = await self.session.scalars(
            select(MedicalCard).where(MedicalCard.patient_id == patient.id, MedicalCard.removed_at.is_(None)).order_by(MedicalCard.id)
        )
        return list(rows)

    async def add_card(self, patient: Patient, card: CardInput) -> MedicalCard:
        """Bind a card and make it the current one; consent must come first."""
        if not self.has_consented(patient):
            raise CardError("consent")
        cards = await self._cards(patient)
        id_hash = self.cipher.lookup_hash(card.id_number)
        if any(c.id_number_hash == id_hash for c in cards):
            raise CardError("duplicate")
        if len(cards) >= MAX_CARDS:
            raise CardError("too_many")
        if card.relation == "self" and any(c.relation == "self" for c in cards):
            raise CardError("self_exists")
        # A removed card for the same person is brought back rather than duplicated.
        row = await self.session.scalar(
            select(MedicalCard).where(MedicalCard.patient_id == patient.id, MedicalCard.id_number_hash == id_hash)
        )
        if row is None:
            row = MedicalCard(patient_id=patient.id)
            self.session.add(row)
        row.relation = card.relation
        row.name_enc = self.cipher.encrypt(card.name, "medical_cards.name")
        row.id_number_enc = self.cipher.encrypt(card.id_number, "medical_cards.id_number")
        row.id_number_hash = id_hash
        row.phone_enc = self.cipher.encrypt(card.phone, "medical_cards.phone")
        row.phone_hash = self.cipher.lookup_hash(card.phone)
        row.removed_at = None
        await self.session.flush()
        patient.active_card_id = row.id
        await self.session.flush()
        return row

    async def choose(self, patient: Patient, card_id: int) -> None:
        if not any(c.id == card_id for c in await self._cards(patient)):
            raise CardError("unknown_card")
        patient.active_card_id = card_id
        await self.session.flush()

    async def remove(self, patient: Patient, card_id: int) -> None:
        result = await self.session.execute(
            update(MedicalCard)
            .where(MedicalCard.id == card_id, MedicalCard.patient_id == patient.id, MedicalCard.removed_at.is_(None))
            .values(removed_at=_utcnow())
        )
        if result.rowcount != 1:
            raise CardError("unknown_card")
        if patient.active_card_id == card_id:
            remaining = await self._cards(patient)
            patient.active_card_id = remaining[0].id if remaining else None
        await self.session.flush()

    def _holder(self, row: MedicalCard) -> CardHolder:
        id_number = self.cipher.decrypt(row.id_number_enc, "medical_cards.id_number")
        born = id_number_birth_date(id_number)
        assert born is not None  # only validated numbers are stored
        return CardHolder(
            id=row.id,
            relation=row.relation,
            name=self.cipher.decrypt(row.name_enc, "medical_cards.name"),
            id_number=id_number,
            phone=self.cipher.decrypt(row.phone_enc, "medical_cards.phone"),
            birth_date=born,
            sex=id_number_sex(id_number),
        )

    async def cards(self, patient: Patient) -> list[CardView]:
        """The patient's cards, masked."""
        views = []
        for row in await self._cards(patient):
            holder = self._holder(row)
            views.append(CardView(
                id=row.id,
                relation=row.relation,
                name=mask_name(holder.name),
                id_number=mask_id_number(holder.id_number),
                phone=mask_phone(holder.phone),
                current=row.id == patient.active_card_id,
            ))
        return views

    async def current_holder(self, patient: Patient) -> CardHolder | None:
        """The person the current consultation is for, decrypted (doctor's view and triage slots)."""
        if patient.active_card_id is None:
            return None
        row = await self.session.get(MedicalCard, patient.active_card_id)
        return None if row is None or row.removed_at is not None else self._holder(row)
