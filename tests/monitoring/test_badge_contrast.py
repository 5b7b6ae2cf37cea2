"""Every triage-level badge on the home-monitoring pages is readable: the text and background the
stylesheets give `<span class="level level-…">`, in the order the page links them, have a contrast
ratio of at least 4.5:1 (WCAG 2.1 AA for normal text)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from integrations.monitoring import console as monitoring_page

ROOT = Path(__file__).resolve().parents[2]
SHEETS = {"/console/static/console.css": ROOT / "integrations/console/static/console.css",
          "/console/monitoring/static/monitoring.css": ROOT / "integrations/monitoring/static/monitoring.css"}
LEVELS = ["emergency", "urgent", "consult", "selfcare", ""]
RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")


def _luminance(hex_colour: str) -> float:
    value = hex_colour.lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    channels = [int(value[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted([_luminance(a), _luminance(b)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def _page_sheets() -> list[Path]:
    source = Path(monitoring_page.__file__).read_text(encoding="utf-8")
    linked = re.findall(r'<link rel="stylesheet" href="([^"]+)"', source)
    assert linked, "the monitoring page links no stylesheet"
    return [SHEETS[href] for href in linked]


def badge_colours(level: str) -> dict[str, str]:
    """`color` and `background` for an element with classes `level level-<level>` (single-class rules,
    equal specificity: the last one wins, in the page's stylesheet order)."""
    classes = {"level", f"level-{level}"} if level else {"level"}
    found = {"color": "#000000", "background": "#ffffff"}  # the page's own text on white
    for sheet in _page_sheets():
        css = re.sub(r"/\*.*?\*/", "", sheet.read_text(encoding="utf-8"), flags=re.S)
        for selectors, body in RULE.findall(css):
            if not any(sel.strip().lstrip(".") in classes and sel.strip().startswith(".") and " " not in sel.strip()
                       for sel in selectors.split(",")):
                continue
            for prop, value in re.findall(r"(color|background(?:-color)?)\s*:\s*(#[0-9a-fA-F]{3,6})", body):
                found["color" if prop == "color" else "background"] = value
    return found


@pytest.mark.parametrize("level", LEVELS)
def test_a_level_badge_is_readable(level: str) -> None:
    colours = badge_colours(level)
    ratio = contrast(colours["color"], colours["background"])
    assert ratio >= 4.5, f"level {level or '(none)'}: {colours} has contrast {ratio:.2f}:1"


def test_the_contrast_check_can_fail() -> None:
    assert contrast("#c81e1e", "#c81e1e") == pytest.approx(1.0)
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
