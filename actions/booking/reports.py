"""Report lookup (查报告) for the current card: each result in plain Chinese, values outside the
laboratory's reference range marked ↑ or ↓, and never read as a diagnosis — the reply says what the
marks mean and leaves the meaning to a doctor (转人工医生 is a button)."""
from __future__ import annotations

import datetime as dt
import re

from actions.booking.booking import _ask, patient_for
from actions.booking.settings import BookingSettings
from actions.services.offers import HospitalOffers
from bot.action_api import ActionContext, action
from bot.crypto import FieldCipher
from bot.db import Database
from bot.hospital import HospitalSystem, Observation, Report, flag
from bot.messages import BotMessage, Button

MAX_REPORTS = 3
# Words a patient uses for one kind of report, matched against the report's title.
KINDS = {
    "核酸": ("核酸",), "血常规": ("血常规", "血细胞"), "尿常规": ("尿常规", "尿液"), "肝功能": ("肝功",),
    "肾功能": ("肾功",), "血糖": ("血糖", "糖化"), "血脂": ("血脂",), "CT": ("CT",), "B超": ("超声", "B超"),
}
# The laboratory's own flags for a result given in words (阳性) rather than a number (HL7 v3 ObservationInterpretation).
ABNORMAL_FLAGS = {"A", "AA", "POS", "DET", "H", "HH", "L", "LL"}


def _number(value: float) -> str:
    return f"{value:g}"


def reference(o: Observation) -> str:
    if o.low is not None and o.high is not None:
        return f"{_number(o.low)}–{_number(o.high)}"
    if o.high is not None:
        return f"≤{_number(o.high)}"
    if o.low is not None:
        return f"≥{_number(o.low)}"
    return o.reference_text


def line(o: Observation) -> str:
    """白细胞计数：12.6 ×10^9/L ↑（参考范围 3.5–9.5）."""
    if o.value is not None:
        result = f"{_number(o.value)} {o.unit}".rstrip()
        mark = flag(o)
    else:
        result = o.text or "—"
        differs = bool(o.reference_text) and o.text and o.text != o.reference_text
        mark = "※" if differs or o.interpretation.upper() in ABNORMAL_FLAGS else ""
    ref = reference(o)
    return f"{o.name}：{result}{' ' + mark if mark else ''}" + (f"（参考范围 {ref}）" if ref else "")


def render(report: Report, zone: dt.tzinfo) -> str:
    issued = report.issued.astimezone(zone)
    head = f"【{report.title}】{issued.year}年{issued.month}月{issued.day}日 {issued:%H:%M} 出具"
    if report.status not in ("final", "amended", "corrected"):
        head += "（结果未最终确认）"
    return "\n".join([head, *(line(o) for o in report.observations)])


def wanted(text: str, reports: list[Report]) -> tuple[str | None, list[Report]]:
    for kind, words in KINDS.items():
        if any(w in text for w in (kind, *words)):
            return kind, [r for r in reports if any(w in r.title for w in (kind, *words))]
    return None, reports


@action("report_lookup")
async def report_lookup(ctx: ActionContext, hospital: HospitalSystem, db: Database, cipher: FieldCipher,
                        offers: HospitalOffers, settings: BookingSettings) -> None:
    found = await patient_for(ctx, hospital, db, cipher, offers, "report")
    if found is None:
        return
    _, patient = found
    reports = await _ask(ctx, offers, "report", lambda: hospital.reports(patient))
    if reports is None:
        return
    text = ctx.message.text if ctx.message is not None and ctx.message.text else ""
    kind, chosen = wanted(re.sub(r"\s", "", text), sorted(reports, key=lambda r: r.issued, reverse=True))
    escape = (Button(ctx.text("booking_request_doctor_button"), "/request_doctor"),
              Button(ctx.text("booking_call_120_button"), "/call_120"))
    if not chosen:
        key = "utter_report_none_of_kind" if kind and reports else "utter_report_none"
        ctx.send(BotMessage(text=ctx.text(key, kind=kind or ""), buttons=escape))
        return
    shown = chosen[:MAX_REPORTS]
    marked = any(flag(o) for r in shown for o in r.observations)
    body = "\n\n".join(render(r, settings.timezone) for r in shown)
    note = ctx.text("utter_report_marks_note") if marked else ctx.text("utter_report_no_marks_note")
    more = ctx.text("utter_report_more", count=len(chosen) - len(shown)) if len(chosen) > len(shown) else ""
    ctx.emit("report_lookup", {"reports": [r.id for r in shown]}, actor="patient")
    ctx.send(BotMessage(text="\n\n".join(p for p in (ctx.text("utter_report_intro", count=len(shown)), body, more, note) if p),
                        buttons=escape))
