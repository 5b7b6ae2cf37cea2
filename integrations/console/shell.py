"""The one head every console page shares (integrations/console/static/_head.html), filled in on the server.

Each page file keeps its own <title> and page script and puts `<!--#head-->` where the shared block goes:
charset, viewport, the hospital's time zone (config `consultations.timezone`, read by common.js to show
every time in 24-hour form in that zone, not the browser's), the favicon, the console's stylesheet and
common.js. The monitoring pages, drawn on the server, call `head()` the same way."""
from __future__ import annotations

from functools import lru_cache
from html import escape
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi.responses import HTMLResponse

from bot.consultations.roster import DEFAULT_TIMEZONE
from bot.consultations.service import Settings
from bot.runtime import Runtime

STATIC = Path(__file__).with_name("static")
HEAD_FILE = STATIC / "_head.html"
MARKER = "<!--#head-->"


def hospital_timezone(runtime: Runtime) -> str:
    """The hospital's time zone (config `consultations.timezone`); an unknown name falls back to the default."""
    name = Settings.from_section(runtime.config.section("consultations")).timezone
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return DEFAULT_TIMEZONE
    return name


@lru_cache(maxsize=1)
def _head_template() -> str:
    return HEAD_FILE.read_text(encoding="utf-8").rstrip("\n")


def head(timezone: str) -> str:
    """The shared head block for a page of the hospital in `timezone`."""
    return _head_template().replace("{timezone}", escape(timezone, quote=True))


@lru_cache(maxsize=32)
def _page_file(name: str) -> str:
    text = (STATIC / name).read_text(encoding="utf-8")
    if MARKER not in text:
        raise RuntimeError(f"console page {name} has no {MARKER}")
    return text


def page(name: str, timezone: str, headers: dict[str, str]) -> HTMLResponse:
    """A console page file (static/<name>) with the shared head filled in."""
    return HTMLResponse(_page_file(name).replace("  " + MARKER, head(timezone), 1), headers=headers)


__all__ = ["head", "hospital_timezone", "page"]
