"""Turn latency on the embedded runtime (SQLite) with and without the jobs loop writing meanwhile.

One in-process runtime on a fresh SQLite file, the REST channel through its ASGI app (no network):
`--conversations` patients each send `--turns` messages in a closed loop, first alone, then while due
jobs keep arriving (scheduled every few milliseconds, the jobs loop claiming and finishing them, its
stale check on every poll). Prints p50/p99/max per phase, the 5xx count and the jobs done — numbers
only, no assertions (docs/deploy.md "Embedded SQLite").

    PYTHONPATH=. python bench/sqlite_jobs.py --conversations 20 --turns 6
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.app import create_app  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.db import JobRow  # noqa: E402
from bot.jobs import job  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from tests.conftest import write_config  # noqa: E402

TEXTS = ["你好", "我发烧了两天", "38.5度", "咳嗽有痰", "退订", "头疼得厉害"]


@dataclass(frozen=True)
class Tick:
    n: int = 0


@job("bench_tick")
async def tick(payload: Tick) -> None:
    return None


def percentiles(samples: list[float]) -> str:
    if not samples:
        return "no samples"
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return (f"n {len(ordered):4d}  p50 {statistics.median(ordered) * 1000:7.1f} ms  p99 {p99 * 1000:7.1f} ms  "
            f"max {ordered[-1] * 1000:7.1f} ms")


async def phase(http: httpx.AsyncClient, name: str, conversations: int, turns: int) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0

    async def patient(i: int) -> None:
        nonlocal errors
        for t in range(turns):
            started = time.perf_counter()
            response = await http.post("/webhooks/rest/webhook",
                                       json={"sender": f"{name}-{i}", "message": TEXTS[t % len(TEXTS)]})
            latencies.append(time.perf_counter() - started)
            errors += response.status_code >= 500

    await asyncio.gather(*(patient(i) for i in range(conversations)))
    return latencies, errors


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        config = write_config(Path(tmp) / "config.yml", jobs={"poll_seconds": 0.05})
        env = {"DATABASE_URL": f"sqlite:///{tmp}/wenzhen.db", "WENZHEN_DATA_DIR": f"{tmp}/data",
               "WENZHEN_SECRET_KEY": "bench-secret-key-" + "x" * 32}
        runtime = Runtime(load_config(config, env=env))
        await runtime.start(upgrade=True)
        runtime.jobs._stale_check_every = dt.timedelta(0)  # the stale check's UPDATE on every poll
        try:
            transport = httpx.ASGITransport(app=create_app(runtime=runtime))
            async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=300) as http:
                await phase(http, "warm", 2, 2)
                quiet, quiet_errors = await phase(http, "quiet", args.conversations, args.turns)
                stop = asyncio.Event()

                async def feed() -> int:
                    n = 0
                    while not stop.is_set():
                        await runtime.jobs.schedule("bench_tick", Tick(n))
                        n += 1
                        await asyncio.sleep(args.job_every)
                    return n

                feeding = asyncio.create_task(feed())
                busy, busy_errors = await phase(http, "jobs", args.conversations, args.turns)
                stop.set()
                scheduled = await feeding
                await asyncio.sleep(1)
            async with runtime.db.session() as session:
                done = len(list(await session.scalars(
                    JobRow.__table__.select().where(JobRow.kind == "bench_tick", JobRow.status == "done"))))
        finally:
            await runtime.stop()
    print(f"conversations {args.conversations} × turns {args.turns}, embedded SQLite")
    print(f"  turns alone      {percentiles(quiet)}  5xx {quiet_errors}")
    print(f"  turns with jobs  {percentiles(busy)}  5xx {busy_errors}  (jobs scheduled {scheduled}, done {done})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--turns", type=int, default=6)
    parser.add_argument("--job-every", type=float, default=0.005, help="seconds between two scheduled jobs")
    asyncio.run(main(parser.parse_args()))
