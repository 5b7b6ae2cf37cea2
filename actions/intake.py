"""Small actions of the intake flows that are not guidance, scoring or follow-up."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlu.yaml_files import load_yaml, words_beside

from bot.action_api import ActionContext, action, interceptor
from bot.answers import AGE_QUESTIONS, fold
from bot.flow_loader import UNKNOWN

from actions.intake_facts import read_facts, slots_known_by_facts
from actions.psych_screen import said_to_have_died


@action("end_intake")
async def end_intake(ctx: ActionContext) -> None:
    """An emergency was announced: end every running flow, so that no question follows."""
    ctx.end_flows("emergency")


# "红的地方一天比一天大" says the redness grows, not that someone is one day old: an age in days
# filled from such a comparison this turn is taken back (the NLU's age-in-days reading sees "1天大"
# in it). Only an age of under a month filled by this very message is undone.
_WORDS: dict[str, Any] = words_beside(__file__)
_COMPARISON_AGE = re.compile(_WORDS["patterns"]["comparison_age"])


def _forget_comparison_age(ctx: ActionContext, text: str) -> None:
    if not _COMPARISON_AGE.search(fold(text)):
        return
    for event in ctx.events:
        name = event.data.get("name") if event.type == "slot" else None
        if name in ("age", "age_months") and isinstance(event.data.get("value"), int | float):
            months = event.data["value"] * (12 if name == "age" else 1)
            if months < 1:
                ctx.set_slot("age", None)
                ctx.set_slot("age_months", None)
                return


# Round 9 (tri11): "天天发烧，一天比一天高" says the fever climbs day by day, not that it began a day ago: a
# one-day duration filled by this very message from nothing but such a comparison is taken back (left open,
# how long is read from the rest of the message — "这个礼拜" — or asked).
_COMPARISON_DAY = re.compile(_WORDS["patterns"]["comparison_day"])
_ONE_DAY = re.compile(_WORDS["patterns"]["one_day"])


def _forget_comparison_duration(ctx: ActionContext, text: str) -> None:
    folded = fold(text)
    if not _COMPARISON_DAY.search(folded) or _ONE_DAY.search(_COMPARISON_DAY.sub("", folded)):
        return
    for event in ctx.events:
        if event.type == "slot" and event.data.get("name") == "duration_hours" and event.data.get("value") == 24:
            ctx.set_slot("duration_hours", None)
            return


# Bleeding needs a bleeding word (round 2 of issue 10): "血压失控，吃药也压不住" was read by the NLU
# as uncontrolled bleeding (an emergency: its grammar pairs "血" … "压不住"). A bleeding the NLU filled
# from a message with no 血 other than 血压 / 血糖 / 血氧 … (出血, 流血, 鼻血, 便血 are blood) is taken
# back; the answer to the bleeding question itself is read by the flow.
# 血 in these words is not blood coming out ("血压一直压不住" read "血…压不住" as bleeding).
_NOT_BLEEDING_WORDS = re.compile(_WORDS["patterns"]["not_bleeding_words"])


def _forget_wordless_bleeding(ctx: ActionContext, text: str) -> None:
    if "血" in _NOT_BLEEDING_WORDS.sub("", fold(text)):
        return
    for event in ctx.events:
        if event.type != "slot":
            continue
        name, value = event.data.get("name"), event.data.get("value")
        if name == "symptoms.bleeding" and value is True:
            ctx.set_slot("symptoms.bleeding", None)
            return
        if name == "symptoms" and isinstance(value, dict) and value.get("bleeding") is True:
            ctx.set_slot("symptoms", {k: v for k, v in value.items() if k != "bleeding"})
            return


# A mother after birth talking about herself is the patient, not the baby (round 3 of issue 10):
# "生完宝宝两个月了，我最近老是想哭" was read as a two-month-old (subject infant, age 2 months) and went
# down the child-fever path, so a positive PHQ-2 ended at selfcare. When the message says she gave
# birth and speaks of her own feelings, what the NLU filled this turn for the baby (who, age) is
# taken back and the patient is herself (flows/psych.yml: a positive screen → consult).
_AFTER_BIRTH = re.compile(_WORDS["patterns"]["after_birth"])
# Within one clause (round 6 of issue 10): "宝宝14个月，一直拍打自己的耳朵，晚上哭闹" is the baby's ear and
# the baby's crying, not the mother's feelings.
_HER_FEELINGS = re.compile(_WORDS["patterns"]["her_feelings"])
_LOW_MOOD = re.compile(_WORDS["patterns"]["low_mood"])


def _mother_is_the_patient(ctx: ActionContext, text: str) -> None:
    clean = fold(text)
    if not (_AFTER_BIRTH.search(clean) and _HER_FEELINGS.search(clean)):
        return
    for event in ctx.events:
        name = event.data.get("name") if event.type == "slot" else None
        if name in ("age", "age_months"):
            ctx.set_slot("age", None)
            ctx.set_slot("age_months", None)
            break
    if ctx.slot("subject") in ("child", "infant"):
        ctx.set_slot("subject", "self")
    if _LOW_MOOD.search(clean):
        ctx.note_fact("symptoms.low_mood", True)


@interceptor("intake_facts", priority=5)
async def intake_facts(ctx: ActionContext) -> bool:
    """Fill what a typed message says that the NLU did not read (actions/intake_facts.yml).

    Runs before the safety screen (priority 10), so an overdose by count or a fever after a trip
    to a malaria area is screened at once. It only adds: a known fact stays, except a symptom
    turning from denied to present. It never handles the message itself.
    """
    message = ctx.message
    if message is None or not message.text or message.payload is not None or message.text.startswith("/"):
        return False
    _forget_comparison_age(ctx, message.text)
    _forget_comparison_duration(ctx, message.text)
    _mother_is_the_patient(ctx, message.text)
    stack = ctx.state.stack
    if not (stack and stack[-1].waiting_for == "symptoms.bleeding"):
        _forget_wordless_bleeding(ctx, message.text)
    asked = stack[-1].waiting_for if stack else None
    known = [name for name in slots_known_by_facts() if ctx.slot(name) is True]
    for slot, value in read_facts(message.text, known).items():
        if slot == "duration_hours" and asked in AGE_QUESTIONS:
            continue  # "一个半月，刚满42天" to "宝宝多大？": the baby's age, not how long the illness has lasted
        previous = ctx.slot(slot)
        # Round 7 of issue 10: the lowest of several oxygen readings ("血氧95，有时候掉到92") replaces the
        # NLU's first number — a worse reading only, as bot/flow_runner.py accepts_change does.
        lower = slot == "spo2" and isinstance(previous, int | float) and isinstance(value, int | float) and value < previous
        # Round 9 (tri11): flaring or in-drawing said in words makes a breathing said milder before severe.
        worse = slot == "breathing_severity" and value == "severe" and previous in ("none", "mild")
        if previous is None or previous == UNKNOWN or (previous is False and value is True) or lower or worse:
            ctx.note_fact(slot, value)
    return False


# Round 12: the kinship word naming the patient says the sex when nothing else has (我老公 / 我爸 → male, 我妈 / 我老婆
# → female), so a man is never asked whether he is pregnant. The words are the doctor's summary's (bot/consultations/
# summary.yml `sex_words`); the characters of the sex question's choices (flows/slots.yml) veto a word of both
# (姨夫, 姑父), and a word of neither (老伴, 孩子, 爱人) says nothing.
_SUMMARY_FILE = Path(__file__).resolve().parents[1] / "bot" / "consultations" / "summary.yml"
_SLOTS_FILE = Path(__file__).resolve().parents[1] / "flows" / "slots.yml"


@lru_cache(maxsize=1)
def _sex_words() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    words = load_yaml(_SUMMARY_FILE.read_text(encoding="utf-8"))["sex_words"]
    choices = load_yaml(_SLOTS_FILE.read_text(encoding="utf-8"))["slots"]["sex"]["choices"]
    return words, choices


def sex_of_kin(word: str) -> str | None:
    """'male' / 'female' for a kinship word that says one sex only ("老公", "外婆", "儿子"), else None."""
    words, choices = _sex_words()
    found = {sex for sex, kin in words.items() if any(k in word for k in kin)}
    if len(found) != 1:
        return None
    sex = found.pop()
    if any(str(c) in word for other, chars in choices.items() if other != sex for c in chars):
        return None
    return sex


@interceptor("subject_sex", priority=7)
async def subject_sex(ctx: ActionContext) -> bool:
    """Set `sex` from the word naming the patient this turn when the sex is not known. Runs after psych_loss
    (priority 6), which may give the patient back to the speaker. Only adds; never handles the message."""
    parse = ctx.parse
    subject = ctx.slot("subject")
    if parse is None or subject in (None, "self", UNKNOWN) or ctx.slot("sex") not in (None, UNKNOWN):
        return False
    for entity in parse.entities:
        if entity.entity == "subject" and entity.value == subject and (sex := sex_of_kin(entity.text)) \
                and not (ctx.message is not None and said_to_have_died(ctx.message.text or "", entity.end)):
            # (session seven: "爷爷前阵子病逝了，奶奶…" — the grandmother's sex, not the late grandfather's)
            ctx.set_slot("sex", sex)
            ctx.set_slot("sex_by_kin", sex)
            return False
    return False


@interceptor("pregnant_speaker", priority=8)
async def pregnant_speaker(ctx: ActionContext) -> bool:
    """Newcomer trial 11: "怀孕五个月了 头疼能吃布洛芬吗" was asked "请问是谁不舒服？". A pregnancy said with nobody
    named (no 我老婆 / 我女儿 in the message) and no patient known yet is the speaker's own: the patient is the
    speaker, a woman. Only adds; never handles the message."""
    parse = ctx.parse
    if parse is None or ctx.slot("subject") not in (None, UNKNOWN):
        return False
    if any(e.entity == "subject" for e in parse.entities):
        return False
    if any(e.entity == "pregnancy" and not getattr(e, "negated", False) for e in parse.entities):
        ctx.set_slot("subject", "self")
        if ctx.slot("sex") in (None, UNKNOWN):
            ctx.set_slot("sex", "female")
    return False
