"""No dead ends, checked at start: every way in leads to a flow or to an engine pattern.

The ways in are the WeChat menu's keys (config.yml `wechat.menu` → `wechat.click`), the QR-code
scene payloads (`wechat.scenes`) and every intent the NLU is trained on (`nlu/data/*.yml`). One
that leads nowhere would answer a patient with the fallback ("抱歉，我没太明白"), so the runtime
refuses to start instead, naming the file and line to fix.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import yaml

from actions.triage.screen import EMERGENCY_INTENT
from bot.config import Config, ConfigError
from bot.engine import parse_payload
from bot.flow_loader import FlowSet
from bot.flow_runner import ANSWER_INTENTS, ESCAPE_INTENTS

# Intents the engine answers itself, without a flow: answers to a question, 取消, 帮助, 重新开始,
# and the emergency cry the safety screen (actions/triage/screen.py) answers with 120.
ENGINE_INTENTS = frozenset(ANSWER_INTENTS | ESCAPE_INTENTS | {"restart", EMERGENCY_INTENT})
_INTENT_LINE = re.compile(r"^-\s*intent:\s*(\S+)")


class DeadEnd(ConfigError):
    """A way in that leads nowhere; the message names the file and line."""


@dataclass(frozen=True)
class EntryPoint:
    what: str  # "menu key BOOK", "scene fever_clinic", "intent feedback"
    intent: str
    where: str  # file:line


def handled_intents(flows: FlowSet) -> set[str]:
    return set(ENGINE_INTENTS).union(*(f.trigger_intents for f in flows.flows.values()))


def trained_intents(data_dir: Path) -> list[EntryPoint]:
    """Every intent of the NLU's training files (not the test or blind sets in sub-folders)."""
    found = []
    for path in sorted(data_dir.glob("*.yml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            match = _INTENT_LINE.match(line.strip())
            if match:
                found.append(EntryPoint(f"intent {match.group(1)}", match.group(1), f"{path}:{number}"))
    return found


def wechat_entry_points(config: Config) -> list[EntryPoint]:
    """The menu's keys (through `wechat.click`) and the scenes' payloads, with their config.yml lines."""
    lines = _config_lines(config.path)

    def where(*keys: str) -> str:
        return f"{config.path or 'config.yml'}:{lines.get(keys, '?')}"

    click = config.get("wechat.click") or {}
    found = []
    for key in _menu_keys(config.get("wechat.menu") or []):
        if click.get(key) is None:
            raise DeadEnd(f"{where('wechat', 'menu')}: menu key {key} has no payload under wechat.click")
    for key, payload in click.items():
        found.append(EntryPoint(f"menu key {key}", parse_payload(str(payload))[0], where("wechat", "click", key)))
    for scene, payload in (config.get("wechat.scenes") or {}).items():
        found.append(EntryPoint(f"scene {scene}", parse_payload(str(payload))[0], where("wechat", "scenes", scene)))
    return found


def check_entry_points(points: Iterable[EntryPoint], flows: FlowSet) -> None:
    """DeadEnd for the first way in whose intent no flow (and no engine pattern) answers."""
    handled = handled_intents(flows)
    for point in points:
        if point.intent not in handled:
            raise DeadEnd(f"{point.where}: {point.what} (/{point.intent}) leads to no flow; add a flow "
                          f"triggered by {point.intent}, or an honest reply (flows/services.yml)")


def _menu_keys(menu: list[Any]) -> list[str]:
    keys = []
    for top in menu:
        for button in (top.get("sub_button") or [top]) if isinstance(top, dict) else []:
            if isinstance(button, dict) and button.get("key") and button.get("type") != "view":
                keys.append(str(button["key"]))
    return keys


def _config_lines(path: Path | None) -> dict[tuple[str, ...], int]:
    """The line of every mapping key of the config file, by its key path (for the error message)."""
    if path is None or not path.exists():
        return {}
    lines: dict[tuple[str, ...], int] = {}

    def walk(node: yaml.Node, prefix: tuple[str, ...]) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                here = (*prefix, str(key.value))
                lines[here] = key.start_mark.line + 1
                walk(value, here)

    root = yaml.compose(path.read_text(encoding="utf-8"))
    if root is not None:
        walk(root, ())
    return lines
