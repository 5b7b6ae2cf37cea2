"""Scoring the psychological screens of flows/psych.yml: PHQ-2 (depression) and GAD-2 (anxiety).

Each screen is two items scored 0–3 (完全不会 0 · 好几天 1 · 一半以上的天数 2 · 几乎每天 3);
the total, 0–6, goes into `phq2_score` / `gad2_score`, which the triage rules read
(a total of 3 or more is a positive screen: Kroenke et al. 2003; 2007).
"""
from __future__ import annotations

from typing import Any

from bot.action_api import ActionContext, action

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
