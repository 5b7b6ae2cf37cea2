"""Scoring the psychological screens of flows/psych.yml: PHQ-2 (depression) and GAD-2 (anxiety).

Each screen is two items scored 0–3 (完全不会 0 · 好几天 1 · 一半以上的天数 2 · 几乎每天 3);
the total, 0–6, goes into `phq2_score` / `gad2_score`, which the triage rules read
(a total of 3 or more is a positive screen: Kroenke et al. 2003; 2007).
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from nlu.yaml_files import load_yaml

from bot.action_api import ActionContext, action, interceptor
from bot.answers import fold

LOSS_FILE = Path(__file__).resolve().parents[1] / "flows" / "language" / "loss.yml"

SCREENS: dict[str, tuple[str, str]] = {
    "phq2_score": ("phq2_interest", "phq2_mood"),
    "gad2_score": ("gad2_nervous", "gad2_worry"),
}


def screen_scores(slots: dict[str, Any]) -> dict[str, int]:
    """The total of every screen whose items are all answered."""
    scores: dict[str, int] = {}
    for total, items in SCREENS.items():
        answers = [slots.get(item) for item in items]
        if all(isinstance(a, int) and not isinstance(a, bool) for a in answers):
            scores[total] = sum(answers)  # type: ignore[arg-type]
    return scores


@action("psych_screen_score")
async def psych_screen_score(ctx: ActionContext) -> None:
    """Set phq2_score and gad2_score from the answered items, and record them."""
    scores = screen_scores(ctx.slots)
    for name, value in scores.items():
        ctx.set_slot(name, value)
    if scores:
        ctx.emit("screen", scores)


@lru_cache(maxsize=1)
def _loss_patterns(path: Path = LOSS_FILE) -> tuple[tuple[str, re.Pattern[str]], ...]:
    raw = load_yaml(path.read_text(encoding="utf-8"))
    return tuple((kind, re.compile(pattern)) for kind, pattern in raw["kinds"].items())


@lru_cache(maxsize=1)
def _mourner_pattern(path: Path = LOSS_FILE) -> re.Pattern[str]:
    return re.compile(load_yaml(path.read_text(encoding="utf-8"))["mourner"])


def loss_in(text: str) -> str | None:
    """The kind of loss a message speaks of (person, pet, job: flows/language/loss.yml), or None."""
    folded = fold(text)
    return next((kind for kind, pattern in _loss_patterns() if pattern.search(folded)), None)


@interceptor("psych_loss", priority=6)
async def psych_loss(ctx: ActionContext) -> bool:
    """Remember a loss the patient speaks of ("老伴走了", "我家的狗死了", "被裁员了") in slot `loss`, so
    that the mood screen begins with a word of sympathy. Only adds; never handles the message."""
    message = ctx.message
    if message is None or not message.text or message.payload is not None or message.text.startswith("/"):
        return False
    kind = loss_in(message.text)
    if kind is None:
        return False
    if ctx.slot("loss") is None:
        ctx.set_slot("loss", kind)
    if kind == "person" and not _mourner_pattern().search(fold(message.text)):
        # "我妈老伴走了以后一直睡不好" (round 12): the mother, named as the one bereaved, is the patient
        _the_bereaved_is_the_patient(ctx, message.text)
    return False


@lru_cache(maxsize=1)
def _died_after(path: Path = LOSS_FILE) -> re.Pattern[str]:
    return re.compile(load_yaml(path.read_text(encoding="utf-8"))["died_after"])


def said_to_have_died(text: str, end: int) -> bool:
    """Whether the person named just before `end` in `text` is said to have died in that clause (loss.yml `died_after`:
    我爸去世了, 儿子前年出车祸没了) — never the patient, nor whose sex the patient's is."""
    return bool(_died_after().match(fold(text[end:])))


def _the_bereaved_is_the_patient(ctx: ActionContext, text: str) -> None:
    """"孩子没了，我心情很差": the one who died is not the patient. What the NLU filled this turn for them
    (who, age) is taken back; the patient is the speaker. Session seven (talk7a): a person with a death word after
    them (loss.yml `died_after`) is never the patient; a living relative named beside them is ("我爸去世了，我妈天天哭",
    "儿子前年车祸走了，我老公天天喝闷酒")."""
    people = [e for e in (ctx.parse.entities if ctx.parse is not None else ()) if e.entity == "subject" and e.value != "self"]
    living = [e for e in people if not said_to_have_died(text, e.end)]
    filled = {e.data.get("name") for e in ctx.events if e.type == "slot"}
    if living:
        if "subject" in filled and ctx.slot("subject") != living[0].value:
            ctx.set_slot("subject", living[0].value)
        return
    if "subject" in filled and ctx.slot("subject") not in (None, "self"):
        ctx.set_slot("subject", "self")
        for name in ("age", "age_months"):
            if name in filled:
                ctx.set_slot(name, None)


@action("psych_acknowledge_loss")
async def psych_acknowledge_loss(ctx: ActionContext) -> None:
    """Before the mood screen's questions, once: a short word of sympathy for the loss said (if any)."""
    kind = ctx.slot("loss")
    if kind and not ctx.slot("loss_acknowledged"):
        ctx.utter(f"utter_psych_loss_{kind}")
        ctx.set_slot("loss_acknowledged", True)
