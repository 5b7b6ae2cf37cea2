"""NLU benchmark: training time, model size, parse latency (p50/p95/p99) and process memory.

Run: .venv/bin/python bench/nlu.py [--model PATH] [--rounds N]
Prints numbers only; the targets of issue 3 are p50 ≤ 2 ms, p99 ≤ 10 ms, training ≤ 60 s, memory ≤ 300 MB.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlu.classifier import IntentModel  # noqa: E402
from nlu.interpreter import DEFAULT_DATA, DEFAULT_TEST_DATA, MedicalInterpreter, shared_pipeline, train  # noqa: E402
from nlu.training_data import load_examples  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=None, help="use this model instead of training one")
    parser.add_argument("--rounds", type=int, default=20, help="passes over the message set")
    args = parser.parse_args()

    began = time.perf_counter()
    shared_pipeline()
    print(f"pipeline load (spaCy zh + jieba + lexicon): {time.perf_counter() - began:.2f} s")
    if args.model is None:
        path = Path(tempfile.mkdtemp()) / "bench.model"
        run = train([DEFAULT_DATA], path)
        print(f"training: {run.examples} examples, {run.intents} intents, {run.seconds:.2f} s wall")
    else:
        path = args.model
    print(f"model file: {path.stat().st_size / 1024:.0f} KiB")
    interpreter = MedicalInterpreter(IntentModel.load(path), threshold=0.45)

    messages = [e.text for e in load_examples([DEFAULT_DATA, DEFAULT_TEST_DATA])]
    messages += ["我妈65岁，发烧三天了，最高39度，没有咳嗽，血氧92", "發燒兩天半了，體溫三十九度二", "😀" * 20]
    for text in messages[:50]:
        interpreter.parse(text)  # warm caches (jieba's, the regexes')
    timings: list[float] = []
    cpu: list[float] = []
    for _ in range(args.rounds):
        for text in messages:
            start, start_cpu = time.perf_counter(), time.thread_time()
            interpreter.parse(text)
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.thread_time() - start_cpu) * 1000)

    def report(name: str, values: list[float]) -> None:
        values = sorted(values)

        def pct(p: float) -> float:
            return values[min(len(values) - 1, int(p / 100 * len(values)))]

        print(f"parse {name} over {len(values)} parses of {len(messages)} messages: "
              f"p50 {pct(50):.3f} ms, p95 {pct(95):.3f} ms, p99 {pct(99):.3f} ms, "
              f"max {values[-1]:.3f} ms, mean {statistics.fmean(values):.3f} ms")

    report("latency (wall clock)", timings)
    # CPU time of the parsing thread: what the parse costs when the machine is not shared.
    report("CPU time", cpu)
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    long_text = "我发烧三天了，" * 1400
    start = time.perf_counter()
    interpreter.parse(long_text)
    print(f"one {len(long_text)}-character message: {(time.perf_counter() - start) * 1000:.1f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak memory (max RSS, includes training when it ran here): {peak:.0f} MB")


if __name__ == "__main__":
    main()
