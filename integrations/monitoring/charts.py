"""Trend charts drawn on the server as SVG: one measure's readings over time, with its thresholds as dashed lines.

No script and no chart library: the console's pages keep their strict Content-Security-Policy, and a
chart is readable in any browser, printed, or saved with the page. Colours are SVG attributes (not
inline styles, which that policy forbids).
"""
from __future__ import annotations

import datetime as dt
from html import escape
from typing import Sequence
from zoneinfo import ZoneInfo

from bot.monitoring import MEASURES
from bot.monitoring.thresholds import Limit

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 24, 34
LINE = "#1a73e8"
THRESHOLD = "#d93025"


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def chart(measure: str, points: Sequence[tuple[dt.datetime, float]], limits: Sequence[Limit], zone: ZoneInfo) -> str:
    """The SVG of one measure: its readings (oldest to newest) and each threshold of the patient."""
    m = MEASURES[measure]
    pts = sorted((_aware(t), v) for t, v in points)
    values = [v for _, v in pts] + [limit.value for limit in limits]
    low, high = (min(values), max(values)) if values else (m.low, m.high)
    pad = max((high - low) * 0.15, 1.0 if m.digits == 0 else 0.3)
    low, high = low - pad, high + pad
    start = pts[0][0] if pts else dt.datetime.now(dt.timezone.utc)
    end = pts[-1][0] if pts else start
    span = max((end - start).total_seconds(), 1.0)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(at: dt.datetime) -> float:
        return round(LEFT + (at - start).total_seconds() / span * plot_w, 1) if len(pts) > 1 else LEFT + plot_w / 2

    def y(value: float) -> float:
        return round(TOP + (high - value) / (high - low) * plot_h, 1)

    title = f"{m.name}（{m.unit}）"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" data-measure="{measure}" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(title)}趋势图">',
        f'<title>{escape(title)}趋势图</title>',
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#ffffff" stroke="#dadce0"/>',
        f'<text x="{LEFT}" y="16" font-size="13" fill="#202124">{escape(title)}</text>',
    ]
    for tick in (high - pad, (high + low) / 2, low + pad):
        parts.append(f'<text x="{LEFT - 6}" y="{y(tick) + 4}" font-size="11" text-anchor="end" fill="#5f6368">{m.show(tick)}</text>')
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick)}" y2="{y(tick)}" stroke="#f1f3f4"/>')
    for limit in limits:
        word = "下限" if limit.side == "low" else "上限"
        by = "医生设定" if limit.source == "doctor" else "默认"
        parts.append(
            f'<line class="threshold-line" data-side="{limit.side}" data-value="{m.show(limit.value)}" '
            f'x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(limit.value)}" y2="{y(limit.value)}" '
            f'stroke="{THRESHOLD}" stroke-width="1.5" stroke-dasharray="6 4"/>')
        parts.append(f'<text x="{WIDTH - RIGHT - 4}" y="{y(limit.value) - 4}" font-size="11" text-anchor="end" '
                     f'fill="{THRESHOLD}">警戒{word} {m.show(limit.value)}（{by}）</text>')
    if pts:
        path = " ".join(f"{x(t)},{y(v)}" for t, v in pts)
        parts.append(f'<polyline class="series" points="{path}" fill="none" stroke="{LINE}" stroke-width="2"/>')
        for t, v in pts:
            past = any(limit.breached_by(v) for limit in limits)
            parts.append(f'<circle cx="{x(t)}" cy="{y(v)}" r="3.5" fill="{THRESHOLD if past else LINE}">'
                         f'<title>{t.astimezone(zone).strftime("%m-%d %H:%M")} {m.show(v)}{escape(m.unit)}</title></circle>')
        ends = [(start, "start"), (end, "end")]
        if start.astimezone(zone).strftime("%m-%d %H:%M") == end.astimezone(zone).strftime("%m-%d %H:%M"):
            ends = ends[:1]
        for at, anchor in ends:
            parts.append(f'<text x="{x(at) if len(pts) > 1 else LEFT + plot_w / 2}" y="{HEIGHT - 12}" font-size="11" '
                         f'text-anchor="{anchor if len(pts) > 1 else "middle"}" fill="#5f6368">'
                         f'{at.astimezone(zone).strftime("%m-%d %H:%M")}</text>')
    else:
        parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" font-size="13" text-anchor="middle" fill="#5f6368">暂无读数</text>')
    parts.append("</svg>")
    return "".join(parts)
