"""No two buttons of one question share a payload: the console shows a tapped button by its payload,
so two buttons with one payload showed the doctor the other answer (a newcomer tapped "吃药后能退下来"
and the console said "没吃退烧药"). Scans every YAML file under flows/ (flows and responses)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import yaml

FLOWS = Path(__file__).resolve().parents[2] / "flows"


def _button_lists(node: Any, where: str) -> Iterator[tuple[str, list[Any]]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "buttons" and isinstance(value, list):
                yield where, value
            else:
                yield from _button_lists(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _button_lists(item, f"{where}[{i}]")


def test_the_buttons_of_one_question_have_distinct_payloads() -> None:
    files = sorted(FLOWS.rglob("*.yml"))
    assert len(files) > 10
    clashes = []
    seen = 0
    for path in files:
        for where, buttons in _button_lists(yaml.safe_load(path.read_text(encoding="utf-8")), path.relative_to(FLOWS).as_posix()):
            payloads = [str(b["payload"]) for b in buttons if isinstance(b, dict) and b.get("payload")]
            seen += len(payloads)
            clashes += [f"{where}: {p}" for p in set(payloads) if payloads.count(p) > 1]
    assert seen > 100
    assert not clashes, "\n".join(sorted(clashes))
