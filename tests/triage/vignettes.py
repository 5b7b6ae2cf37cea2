"""The vignette suite's data and scoring: loading `vignettes.yml`, the confusion matrix, the targets."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.state import put_slot

from actions.triage.ruleset import LEVELS

VIGNETTES = Path(__file__).with_name("vignettes.yml")
NO_DECISION = "none"  # the conversation ended without a triage decision
# PHQ-2 / GAD-2: two items scored 0–3 each; the total is what the rules read.
SCREEN_ITEMS = {"phq2_score": ("phq2_interest", "phq2_mood"), "gad2_score": ("gad2_nervous", "gad2_worry")}


@dataclass(frozen=True)
class Vignette:
    id: str
    opening: str
    expected: str
    facts: dict[str, Any]  # slot name (dotted for map keys) -> value
    tags: tuple[str, ...] = ()

    def slots(self) -> dict[str, Any]:
        """The facts as conversation slots, with the screening totals the psych flow computes."""
        slots: dict[str, Any] = {}
        for name, value in self.facts.items():
            put_slot(slots, name, value)
        for total, items in SCREEN_ITEMS.items():
            if all(item in self.facts for item in items):
                slots[total] = sum(int(self.facts[item]) for item in items)
        return slots


def load_vignettes(path: Path = VIGNETTES) -> list[Vignette]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["vignettes"]
    return [
        Vignette(id=v["id"], opening=v["opening"], expected=v["expected"], facts=dict(v["facts"]),
                 tags=tuple(v.get("tags") or ()))
        for v in raw
    ]


@dataclass
class Score:
    """Expected level × decided level, with the targets of issue 4."""

    results: list[tuple[Vignette, str]] = field(default_factory=list)

    def add(self, vignette: Vignette, decided: str) -> None:
        self.results.append((vignette, decided))

    @property
    def accuracy(self) -> float:
        return sum(v.expected == got for v, got in self.results) / len(self.results)

    def accuracy_of(self, level: str) -> float:
        rows = [(v, got) for v, got in self.results if v.expected == level]
        return sum(v.expected == got for v, got in rows) / len(rows)

    @property
    def under_triaged_emergencies(self) -> list[str]:
        return [v.id for v, got in self.results if v.expected == "emergency" and got != "emergency"]

    @property
    def misses(self) -> list[str]:
        return [f"{v.id} expected {v.expected}, got {got}: {v.opening}" for v, got in self.results if v.expected != got]

    def matrix(self) -> str:
        """The confusion matrix as text: rows are the expected level, columns the decision."""
        columns = [*LEVELS, NO_DECISION]
        counts = Counter((v.expected, got) for v, got in self.results)
        lines = ["expected \\ decided " + " ".join(f"{c:>9}" for c in columns) + "   accuracy"]
        for level in LEVELS:
            cells = " ".join(f"{counts[(level, c)]:>9}" for c in columns)
            lines.append(f"{level:<19}{cells}   {self.accuracy_of(level):.0%}")
        lines.append(f"overall accuracy {self.accuracy:.1%} over {len(self.results)} vignettes")
        return "\n".join(lines)

    def report(self, title: str) -> str:
        return "\n".join([title, self.matrix(), *(["misses:", *self.misses] if self.misses else [])])
