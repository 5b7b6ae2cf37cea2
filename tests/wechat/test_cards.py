"""Patients and medical cards: validation, masking, encryption at rest, and the bind_card flow over WeChat."""
from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from bot.crypto import DecryptionError, FieldCipher, field_cipher, open_answer
from bot.patients import (
    MedicalCard,
    id_number_birth_date,
    id_number_sex,
    mask_id_number,
    mask_name,
    mask_phone,
    normalise_name,
    normalise_phone,
    valid_id_number,
)
from tests.wechat.conftest import WeChatSetup

# Valid by the GB 11643-1999 check digit (the standard's own example, and a child born 2024).
ID_ADULT = "11010519491231002X"
ID_CHILD = "110105202403150010"


def with_check_digit(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


def test_the_check_digit_accepts_real_numbers_and_refuses_one_typo() -> None:
    assert valid_id_number(ID_ADULT) and valid_id_number(ID_ADULT.lower())
    assert valid_id_number(with_check_digit("11010520240315001")) and with_check_digit("11010520240315001") == ID_CHILD
    assert not valid_id_number("110105194912310021")
    assert not valid_id_number("11010519491231002")  # 17 characters
    assert not valid_id_number(with_check_digit("11010519491332002"))  # 13th month
    assert not valid_id_number(with_check_digit("11010530000101002"))  # born in the future


@given(st.from_regex(r"[1-9]\d{5}(19[5-9]\d|20[01]\d)(0[1-9]|1[0-2])(0[1-9]|1\d|2[0-8])\d{3}", fullmatch=True),
       st.integers(0, 16), st.integers(1, 9))
def test_changing_any_one_digit_breaks_the_check(first17: str, position: int, shift: int) -> None:
    number = with_check_digit(first17)
    assert valid_id_number(number)
    digit = str((int(number[position]) + shift) % 10)
    assert not valid_id_number(number[:position] + digit + number[position + 1:])


def test_birth_date_and_sex_come_from_the_number() -> None:
    assert id_number_birth_date(ID_ADULT) == dt.date(1949, 12, 31)
    assert id_number_sex(ID_ADULT) == "female" and id_number_sex(ID_CHILD) == "male"


def test_phones_and_names_are_normalised_or_refused() -> None:
    assert normalise_phone("+86 138-0013-8000") == "13800138000"
    assert normalise_phone("１３８００１３８０００") == "13800138000"
    assert normalise_phone("12800138000") is None and normalise_phone("010-12345678") is None
    assert normalise_name("  张三丰 ") == "张三丰" and normalise_name("阿卜杜拉·艾买提") == "阿卜杜拉·艾买提"
    assert normalise_name("张三1") is None and normalise_name("") is None and normalise_name("<b>") is None


def test_masks_keep_only_what_identifies_nobody() -> None:
    assert (mask_name("张三"), mask_name("张三丰"), mask_name("欧阳娜娜")) == ("张*", "张*丰", "欧**娜")
    assert mask_id_number(ID_ADULT) == "1101**********002X"
    assert mask_phone("13800138000") == "138****8000"


def test_encryption_round_trips_and_a_different_key_cannot_read_it() -> None:
    cipher = FieldCipher("k" * 48)
    token = cipher.encrypt("张三丰", "medical_cards.name")
    assert "张三丰" not in token and cipher.decrypt(token, "medical_cards.name") == "张三丰"
    assert cipher.encrypt("张三丰") != cipher.encrypt("张三丰")  # a fresh nonce every time
    with pytest.raises(DecryptionError):
        FieldCipher("z" * 48).decrypt(token, "medical_cards.name")
    with pytest.raises(DecryptionError):
        cipher.decrypt(token, "medical_cards.phone")  # bound to its column
    assert cipher.lookup_hash("11010519491231002x") == cipher.lookup_hash(ID_ADULT)
    assert FieldCipher("z" * 48).lookup_hash(ID_ADULT) != cipher.lookup_hash(ID_ADULT)


# ---- the flow over WeChat ---------------------------------------------------------------------------


class Patient:
    """One WeChat user typing into the official account."""

    def __init__(self, setup: WeChatSetup, openid: str) -> None:
        self.setup = setup
        self.openid = openid
        self.platform = setup.platform("safe")
        self._clicks = 0

    async def says(self, words: str) -> str:
        delivery = await self.platform.push(self.platform.text(self.openid, words))
        assert delivery.status == 200 and delivery.text is not None, delivery
        return delivery.text

    async def clicks(self, key: str) -> str:
        # Events are told apart by user and second (WeChat gives them no id): one tap per second.
        self._clicks += 1
        when = int(time.time()) + self._clicks
        delivery = await self.platform.push(self.platform.event(self.openid, "CLICK", create_time=when, EventKey=key))
        assert delivery.text is not None
        return delivery.text

    async def slots(self) -> dict[str, Any]:
        return (await self.setup.runtime.engine.state(f"wechat:{self.openid}")).slots


async def bind(patient: Patient, relation_number: str, name: str, id_number: str, phone: str, consent: bool = True) -> str:
    answer = await patient.clicks("BIND_CARD")
    if "隐私说明" in answer:
        answer = await patient.says("1" if consent else "2")
        if not consent:
            return answer
    assert "为谁绑定" in answer
    assert "姓名" in await patient.says(relation_number)
    assert "身份证" in await patient.says(name)
    assert "手机" in await patient.says(id_number)
    return await patient.says(phone)


async def test_binding_a_card_asks_consent_checks_each_field_and_stores_it_encrypted(wechat: WeChatSetup) -> None:
    patient = Patient(wechat, "o_card_owner")
    assert "隐私说明" in await patient.clicks("BIND_CARD")
    assert "为谁绑定" in await patient.says("1")
    assert "姓名" in await patient.says("1")
    assert "身份证" in await patient.says("张三丰")
    assert "校验未通过" in await patient.says("110105194912310021")
    assert "手机" in await patient.says(ID_ADULT)
    assert "格式不正确" in await patient.says("12345")
    done = await patient.says("13800138000")
    assert "绑定成功" in done and "张*丰（本人）" in done and "1101**********002X" in done and "138****8000" in done
    slots = await patient.slots()
    assert (slots["subject"], slots["sex"]) == ("self", "female") and slots["age"] > 70
    assert all(slots.get(s) is None for s in ("card_name", "card_id_number", "card_phone"))

    # Nothing identifying in clear: not in the event log, not in the cards table.
    events = json.dumps([e.to_dict() for e in await wechat.events("o_card_owner")], ensure_ascii=False)
    async with wechat.runtime.db.session() as session:
        rows = (await session.execute(text("SELECT * FROM medical_cards"))).all()
        card = await session.scalar(select(MedicalCard))
    stored = json.dumps([list(map(str, r)) for r in rows], ensure_ascii=False)
    for secret in ("张三丰", ID_ADULT, "13800138000", "194912"):
        assert secret not in events and secret not in stored
    assert card is not None and card.relation == "self"


async def test_declining_consent_stores_nothing(wechat: WeChatSetup) -> None:
    patient = Patient(wechat, "o_decliner")
    answer = await bind(patient, "1", "李四", ID_ADULT, "13800138000", consent=False)
    assert "不会保存" in answer
    async with wechat.runtime.db.session() as session:
        assert (await session.scalar(select(MedicalCard))) is None


async def test_family_cards_and_choosing_whose_consultation_it_is(wechat: WeChatSetup) -> None:
    patient = Patient(wechat, "o_parent")
    assert "绑定成功" in await bind(patient, "1", "王芳", ID_ADULT, "13800138000")
    # Consent was given once; the second card goes straight to the relation.
    child = await bind(patient, "3", "王小明", ID_CHILD, "13800138000")
    assert "王*明（子女）" in child
    slots = await patient.slots()
    assert (slots["subject"], slots["sex"]) == ("child", "male") and slots["age"] < 10
    listing = await patient.clicks("MY_CARDS")
    assert "王*（本人）" in listing and "【当前】王*明（子女）" in listing
    chosen = await patient.says("1")
    assert "本次问诊的就诊人是：王*（本人）" in chosen
    assert (await patient.slots())["subject"] == "self"
    assert "无需重复绑定" in await bind(patient, "2", "王芳", ID_ADULT, "13800138000")


async def test_a_red_flag_typed_where_a_name_was_asked_still_reaches_the_safety_screen(wechat: WeChatSetup) -> None:
    patient = Patient(wechat, "o_red_flag")
    await patient.clicks("BIND_CARD")
    await patient.says("1")
    assert "姓名" in await patient.says("1")
    answer = await patient.says("喘不上气，嘴唇发紫")
    assert "120" in answer
    # The answer to the name question is stored sealed all the same (sealing follows the question).
    [last] = (await wechat.events("o_red_flag", "user"))[-1:]
    assert last.data["text"] != "喘不上气，嘴唇发紫"
    assert open_answer(field_cipher(wechat.runtime.config), last.data["text"]) == "喘不上气，嘴唇发紫"


async def test_removing_a_card_makes_the_next_one_current(wechat: WeChatSetup) -> None:
    patient = Patient(wechat, "o_remover")
    await bind(patient, "1", "赵敏", ID_ADULT, "13800138000")
    await bind(patient, "3", "赵小宝", ID_CHILD, "13800138000")
    listing = await patient.clicks("MY_CARDS")
    assert "4 删除就诊人" in listing
    assert "请选择要删除的就诊人" in await patient.says("4")
    assert "已删除就诊人：赵*宝（子女）" in await patient.says("2")
    assert (await patient.slots())["subject"] == "self"
    listing = await patient.clicks("MY_CARDS")
    assert "赵*宝" not in listing and "【当前】赵*（本人）" in listing


async def test_two_first_messages_at_once_make_one_patient_account(postgres_url: str, make_runtime: Any) -> None:
    from bot.crypto import field_cipher
    from bot.patients import Patient as PatientRow
    from bot.patients import Patients

    runtime = await make_runtime(database_url=postgres_url)
    cipher = field_cipher(runtime.config)

    async def first_sight() -> int:
        async with runtime.db.transaction() as session:
            return (await Patients(session, cipher).account("wechat", "o_twice_at_once")).id

    ids = await asyncio.gather(*(first_sight() for _ in range(8)))
    assert len(set(ids)) == 1
    async with runtime.db.session() as session:
        rows = (await session.scalars(select(PatientRow).where(PatientRow.external_id == "o_twice_at_once"))).all()
    assert len(rows) == 1
