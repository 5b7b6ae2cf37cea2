"""How the doctors' chat words things: patient tags, triage levels, the intake summary as text."""
from __future__ import annotations

from typing import Any, Callable

from telegram.error import TelegramError

from bot.consultations.labels import labels
from bot.consultations.summary import IntakeSummary
from bot.responses import display_value

TRIAGE_LEVELS = ("emergency", "urgent", "consult", "selfcare")  # shared/spec/vocabulary.yml


def patient_tag(consultation_id: str) -> str:
    """A short name for a patient in the doctor's chat: tells sessions apart, identifies nobody."""
    return consultation_id[-4:].lower()


def level_name(level: Any, text: Callable[..., str]) -> str:
    """A triage level as doctors read it (telegram.yml), "not triaged" for anything else."""
    return text(f"telegram_level_{level if level in TRIAGE_LEVELS else 'unknown'}")


def render_summary(summary: IntakeSummary, text: Callable[..., str], reasons: list[str] | None = None) -> str:
    """Plain-text intake summary; `text(key, **vars)` renders a response of telegram.yml. Every value in the words the
    console shows (bot/consultations/labels.py: 配偶, 7个月, 2天, 是), never a code or a stored number (newcomer trial 9:
    "spouse", an age "0.58"); `reasons` the triage's in the doctor's words (presenters.doctor_reasons)."""
    words = labels()
    lines: list[str] = []
    if summary.patient:
        items = "；".join(f"{words.slot_label(name, v['label'])} {words.value(name, v['value'])}"
                         for name, v in summary.patient.items())
        lines.append(text("telegram_summary_patient", items=items))
    if summary.said:
        # console8: 体重 and 居住情况 as the patient said them (9 kg（患者原话：十八斤）, 独居).
        lines.append(text("telegram_summary_said", items="；".join(f"{f['label']} {f['text']}" for f in summary.said)))
    for key, group in (("telegram_summary_present", summary.symptoms_present),
                       ("telegram_summary_absent", summary.symptoms_absent)):
        if group:
            lines.append(text(key, items="、".join(words.code(i.code, i.label) for i in group)))
    if summary.vitals:
        items = "；".join(f"{'⚠️' if v.abnormal else ''}{v.label} {v.text or f'{v.worst}{display_value(v.value)}'}{v.unit}"
                         + (f"（{v.others}）" if v.others else "") for v in summary.vitals)
        lines.append(text("telegram_summary_vitals", items=items))
    for key, group in (("telegram_summary_risks", summary.risk_factors),
                       ("telegram_summary_medications", summary.medications)):
        if group:
            lines.append(text(key, items="、".join(words.code(i.code, i.label) for i in group)))
    if summary.no_medicine and not summary.medications:
        lines.append(text("telegram_summary_medications", items=summary.no_medicine))
    if summary.background:
        # console7: each history question with whether it was asked (未询问 / 无 / 不清楚), never a silent gap or "无".
        lines.append(text("telegram_summary_background",
                          items="；".join(f"{b['label']} {b['text']}" for b in summary.background)))
    if summary.triage:
        said = reasons if reasons is not None else list(summary.triage.get("reasons") or [])
        lines.append(text("telegram_summary_triage", level=level_name(summary.triage.get("level"), text),
                          reasons="；".join(said) or "—"))
    if summary.attachments:
        lines.append(text("telegram_summary_attachments", count=len(summary.attachments)))
    return "\n".join(lines) if lines else text("telegram_summary_empty")


async def answer_callback(query: Any, text: str | None = None, alert: bool = False) -> None:
    try:
        await query.answer(text=text, show_alert=alert)
    except TelegramError:
        pass  # the tap is older than Telegram keeps callbacks for: nothing to stop spinning
