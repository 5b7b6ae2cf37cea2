"""Medical-card (就诊卡) actions for flows/cards.yml: consent, checking each field, binding, choosing.

Identifying answers arrive sealed by the engine (their slots are marked `sensitive`), unless the
patient typed symptoms there instead; either way a slot only ever holds the sealed form, and the
card is written encrypted. What the patient is shown back is masked. Every read and write goes
through the turn's own transaction (`ctx.transaction()`): a card is bound together with the turn's
events, or not at all.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from nlu.yaml_files import load_yaml

from bot.action_api import ActionContext, action
from bot.config import PROJECT_ROOT
from bot.crypto import FieldCipher, open_answer, seal_answer
from bot.messages import BotMessage, Button
from bot.patients import (
    CONSENT_VERSION,
    RELATIONS,
    CardError,
    CardHolder,
    CardView,
    Patients,
    card_input,
    normalise_name,
    normalise_phone,
    valid_id_number,
)

CARD_SLOTS = ("card_name", "card_id_number", "card_phone", "card_relation", "card_whom", "card_retry")
CARDS_FLOW = PROJECT_ROOT / "flows" / "cards.yml"
CARD_WORDS = PROJECT_ROOT / "flows" / "language" / "cards.yml"
# A name said alone: Chinese characters (2–4), or a minority name with "·".
_PLAIN_NAME = re.compile(r"[\u3400-\u9fff]{2,4}|[\u3400-\u9fff]+[·•][\u3400-\u9fff·•]+")


@lru_cache(maxsize=1)
def _whom_words() -> tuple[tuple[tuple[str, str], ...], tuple[str, ...], frozenset[str]]:
    """((relation word, relation) longest first within family-first order, fillers longest first, words that are no name)."""
    choices = (load_yaml(CARDS_FLOW.read_text(encoding="utf-8"))["slots"]["card_relation"].get("choices") or {})
    words = load_yaml(CARD_WORDS.read_text(encoding="utf-8")) or {}
    table = tuple((str(w), str(code)) for code, ws in choices.items() for w in sorted(ws, key=len, reverse=True))
    return (table, tuple(sorted(map(str, words.get("fillers") or ()), key=len, reverse=True)),
            frozenset(map(str, words.get("not_names") or ())))


def read_whom(text: str) -> tuple[str | None, str | None]:
    """(relation, name) from the answer to "为谁绑定": "我妈 李秀英" → (parent, 李秀英), "李秀英" → (None, 李秀英),
    "给我自己" → (self, None). Session seven (fix11c)."""
    table, fillers, not_names = _whom_words()
    clean = "".join(text.split()).strip("，,。.！!？?：:；;")
    relation, rest = None, clean
    for word, code in table:
        if word in clean:
            relation, rest = code, clean.replace(word, "", 1)
            break
    for filler in fillers:
        rest = rest.replace(filler, "")
    rest = rest.strip("，,。.！!？?：:；; ")
    if relation is None:
        rest = clean  # a name alone is taken as said (its characters may be fillers: 是, 为)
    name = rest if rest and rest not in not_names and _PLAIN_NAME.fullmatch(rest) else None
    return relation, name


def _clear(ctx: ActionContext) -> None:
    for slot in CARD_SLOTS:
        ctx.set_slot(slot, None)


def _adopt(ctx: ActionContext, holder: CardHolder) -> None:
    """The current card decides whose consultation it is: subject, age and sex follow it."""
    ctx.set_slot("subject", holder.subject)
    ctx.set_slot("age", holder.age_years())
    ctx.set_slot("sex", holder.sex)


@action("card_begin")
async def card_begin(ctx: ActionContext, cipher: FieldCipher) -> None:
    """Start afresh; a patient who consented before is not asked again."""
    _clear(ctx)
    session = await ctx.transaction()
    patient = await Patients(session, cipher).account(ctx.channel, ctx.sender)
    consented = Patients.has_consented(patient)
    ctx.set_slot("card_consent", True if consented else None)


@action("card_record_consent")
async def card_record_consent(ctx: ActionContext, cipher: FieldCipher) -> None:
    session = await ctx.transaction()
    patients = Patients(session, cipher)
    patient = await patients.account(ctx.channel, ctx.sender)
    if not Patients.has_consented(patient):
        await patients.consent(patient)
        ctx.emit("consent", {"scope": "medical_cards", "version": CONSENT_VERSION}, actor="patient")


def _check(ctx: ActionContext, cipher: FieldCipher, slot: str, valid: Callable[[str], bool], error: str) -> None:
    """Open the answer, keep it (sealed) when valid; otherwise clear it so the question is asked again."""
    value = ctx.slot(slot)
    if value is None:
        return
    answer = open_answer(cipher, str(value)).strip()
    if valid(answer):
        ctx.set_slot(slot, seal_answer(cipher, answer))
    else:
        ctx.set_slot(slot, None)
        ctx.utter(error)


@action("card_read_whom")
async def card_read_whom(ctx: ActionContext, cipher: FieldCipher) -> None:
    """The answer to "为谁绑定": a button's relation, relation words, a name, or both; the name is kept sealed."""
    said = ctx.slot("card_whom")
    ctx.set_slot("card_whom", None)
    if said is None:
        return
    answer = str(said) if str(said) in RELATIONS else open_answer(cipher, str(said)).strip()
    if answer in RELATIONS:
        ctx.set_slot("card_relation", answer)
        return
    symptoms = ctx.parse is not None and any(e.entity in ("symptom", "medication") for e in ctx.parse.entities)
    relation, name = read_whom(answer)
    if relation is not None:
        ctx.set_slot("card_relation", relation)
    if name is not None and not symptoms and normalise_name(name) is not None:
        ctx.set_slot("card_name", seal_answer(cipher, name))


@action("card_check_name")
async def card_check_name(ctx: ActionContext, cipher: FieldCipher) -> None:
    _check(ctx, cipher, "card_name", lambda v: normalise_name(v) is not None, "utter_card_invalid_name")


@action("card_check_id_number")
async def card_check_id_number(ctx: ActionContext, cipher: FieldCipher) -> None:
    _check(ctx, cipher, "card_id_number", valid_id_number, "utter_card_invalid_id_number")


@action("card_check_phone")
async def card_check_phone(ctx: ActionContext, cipher: FieldCipher) -> None:
    _check(ctx, cipher, "card_phone", lambda v: normalise_phone(v) is not None, "utter_card_invalid_phone")


def _label(ctx: ActionContext, relation: str, masked_name: str) -> str:
    return ctx.text("card_label", name=masked_name, relation=ctx.text(f"card_relation_{relation}"))


@action("card_save")
async def card_save(ctx: ActionContext, cipher: FieldCipher) -> None:
    try:
        card = card_input(
            str(ctx.slot("card_relation", "")),
            open_answer(cipher, str(ctx.slot("card_name", ""))),
            open_answer(cipher, str(ctx.slot("card_id_number", ""))),
            open_answer(cipher, str(ctx.slot("card_phone", ""))),
        )
        session = await ctx.transaction()
        patients = Patients(session, cipher)
        patient = await patients.account(ctx.channel, ctx.sender)
        row = await patients.add_card(patient, card)
        holder = await patients.current_holder(patient)
        view = next(v for v in await patients.cards(patient) if v.id == row.id)
    except CardError as exc:
        if exc.code in ("relation", "self_exists"):
            # Session seven: the relation is asked again; the name, ID number and phone typed are kept.
            ctx.set_slot("card_relation", None)
            ctx.set_slot("card_retry", True)
            if exc.code == "self_exists":
                ctx.utter("utter_card_error_self_exists")
            ctx.utter("utter_card_retry_relation")
            return
        _clear(ctx)
        ctx.utter(f"utter_card_error_{exc.code}")
        return
    _clear(ctx)
    assert holder is not None
    _adopt(ctx, holder)
    ctx.emit("card_bound", {"card_id": row.id, "relation": card.relation}, actor="patient")
    ctx.utter("utter_card_bound", card=_label(ctx, view.relation, view.name), id_number=view.id_number, phone=view.phone)


async def _views(ctx: ActionContext, cipher: FieldCipher) -> list[CardView]:
    session = await ctx.transaction()
    patients = Patients(session, cipher)
    return await patients.cards(await patients.account(ctx.channel, ctx.sender))


def _card_buttons(ctx: ActionContext, views: list[CardView], intent: str) -> list[Button]:
    return [
        Button(
            (ctx.text("card_current_mark") if v.current else "") + _label(ctx, v.relation, v.name),
            f'/{intent}{{"card_choice": {v.id}}}',
        )
        for v in views
    ]


@action("card_list")
async def card_list(ctx: ActionContext, cipher: FieldCipher) -> None:
    """The patient's cards as buttons (masked); choosing one makes it current."""
    views = await _views(ctx, cipher)
    if not views:
        ctx.utter("utter_card_none")
        return
    buttons = _card_buttons(ctx, views, "choose_card")
    buttons.append(Button(ctx.text("card_add_button"), "/bind_card"))
    buttons.append(Button(ctx.text("card_remove_button"), "/remove_card_menu"))
    ctx.send(BotMessage(text=ctx.text("utter_card_list"), buttons=tuple(buttons)))


@action("card_list_for_removal")
async def card_list_for_removal(ctx: ActionContext, cipher: FieldCipher) -> None:
    views = await _views(ctx, cipher)
    if not views:
        ctx.utter("utter_card_none")
        return
    ctx.send(BotMessage(text=ctx.text("utter_card_remove_which"), buttons=tuple(_card_buttons(ctx, views, "remove_card"))))


@action("card_remove")
async def card_remove(ctx: ActionContext, cipher: FieldCipher) -> None:
    """The card is switched off (the row stays, encrypted, for the records); the next one becomes current."""
    choice = ctx.slot("card_choice")
    ctx.set_slot("card_choice", None)
    try:
        session = await ctx.transaction()
        patients = Patients(session, cipher)
        patient = await patients.account(ctx.channel, ctx.sender)
        removed = next((v for v in await patients.cards(patient) if v.id == choice), None)
        if removed is None:
            raise CardError("unknown_card")
        await patients.remove(patient, removed.id)
        holder = await patients.current_holder(patient)
    except CardError as exc:
        ctx.utter(f"utter_card_error_{exc.code}")
        return
    if holder is not None:
        _adopt(ctx, holder)
    ctx.emit("card_removed", {"card_id": removed.id}, actor="patient")
    ctx.utter("utter_card_removed", card=_label(ctx, removed.relation, removed.name))


@action("card_choose")
async def card_choose(ctx: ActionContext, cipher: FieldCipher) -> None:
    choice = ctx.slot("card_choice")
    try:
        session = await ctx.transaction()
        patients = Patients(session, cipher)
        patient = await patients.account(ctx.channel, ctx.sender)
        await patients.choose(patient, int(choice) if choice is not None else -1)
        holder = await patients.current_holder(patient)
        view = next(v for v in await patients.cards(patient) if v.current)
    except CardError as exc:
        ctx.utter(f"utter_card_error_{exc.code}")
        return
    finally:
        ctx.set_slot("card_choice", None)
    assert holder is not None
    _adopt(ctx, holder)
    ctx.emit("card_chosen", {"card_id": view.id}, actor="patient")
    ctx.utter("utter_card_chosen", card=_label(ctx, view.relation, view.name))
