"""How long one triage decision takes (the safety screen makes one on every patient message).

Run: .venv/bin/python bench/triage_decide.py
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from actions.triage.decision import decide  # noqa: E402
from actions.triage.ruleset import load_ruleset  # noqa: E402
from bot.flow_loader import load_flows  # noqa: E402
from tests.triage.vignettes import load_vignettes  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("slots.yml", "triage_slots.yml"):
            (Path(tmp) / name).write_bytes((Path("flows") / name).read_bytes())
        slots = load_flows(Path(tmp), actions=(), responses=()).slots
    started = time.perf_counter()
    ruleset = load_ruleset(slots)
    print(f"load and validate {len(ruleset.rules)} rules + {len(ruleset.modifiers)} modifiers: "
          f"{(time.perf_counter() - started) * 1000:.1f} ms")
    cases = [v.slots() for v in load_vignettes()]
    timings = []
    for _ in range(20):
        for slots_ in cases:
            t = time.perf_counter()
            decide(ruleset, slots_)
            timings.append(time.perf_counter() - t)
    timings.sort()
    print(f"decide over {len(timings)} vignette fact sets: median {statistics.median(timings) * 1e6:.0f} µs, "
          f"p99 {timings[int(len(timings) * 0.99)] * 1e6:.0f} µs")


if __name__ == "__main__":
    main()
