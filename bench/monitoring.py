"""Home-monitoring benchmark: 10,000 monitored patients × 2 readings a day, ingested and checked.

Run: .venv/bin/python bench/monitoring.py [--patients N] [--days D] [--batch N] [--database URL] [--http N]
Seeds N enrolled patients straight into SQL, then feeds each patient's morning and evening readings
(SpO2 and temperature, one "reading" being one value) for D days through `Monitoring.record_many` in
batches — what POST /api/readings does with one device request — so every reading is stored and
checked against the patient's thresholds and trend. Some patients' SpO2 falls day after day (the
trend), a few reach 92 (a threshold): the alerts written are counted and must equal what the
generated data implies. Prints readings/s (target ≥ 2,000/s). With --http N, N single-reading device
posts also go through the real route (in-process ASGI), one request per reading, for comparison.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

from bot.config import load_config  # noqa: E402
from bot.db import utcnow  # noqa: E402
from bot.monitoring import Monitoring, Reading  # noqa: E402
from bot.monitoring.models import AlertRow, MonitoredPatient, ReadingRow  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from tests.conftest import write_config  # noqa: E402


def spo2_for(i: int, day: int, evening: int) -> float:
    """Patient i's SpO2: most are steady (97/98); every 10th falls one point a reading; every 500th reaches 92."""
    if i % 500 == 0:
        return 92.0 if (day, evening) == (0, 1) else 97.0
    if i % 10 == 0:
        return 98.0 - (day * 2 + evening)  # falls at every reading
    return 97.0 + (i + day + evening) % 2


async def seed(runtime: Runtime, n: int) -> list[int]:
    now = utcnow()
    async with runtime.db.transaction() as session:
        for start in range(0, n, 5000):
            await session.execute(insert(MonitoredPatient), [
                {"patient_key": f"member:bench-{i}:self", "conversation_id": f"rest:bench-{i}", "channel": "rest", "department": "general", "enrolled": True,
                 "reason": "consult", "enrolled_at": now, "schedule": {}, "thresholds": {}, "latest": {}, "recent": {},
                 "flags": {}, "level": "", "created_at": now} for i in range(start, min(n, start + 5000))])
    async with runtime.db.session() as session:
        return list((await session.execute(select(MonitoredPatient.id).order_by(MonitoredPatient.id))).scalars())


async def ingest(runtime: Runtime, ids: list[int], days: int, batch: int) -> tuple[int, float]:
    monitoring = runtime.services.get(Monitoring)
    start_day = dt.datetime(2026, 12, 1, 0, 0, tzinfo=dt.timezone.utc)
    total, started = 0, time.perf_counter()
    for day in range(days):
        for evening in (0, 1):
            at = start_day + dt.timedelta(days=day, hours=12 * evening)
            for first in range(0, len(ids), batch):
                chunk = list(enumerate(ids))[first:first + batch]
                async with runtime.db.transaction() as session:
                    rows = {r.id: r for r in (await session.execute(
                        select(MonitoredPatient).where(MonitoredPatient.id.in_([pid for _, pid in chunk])))).scalars()}
                    work = [(rows[pid], [Reading("spo2", spo2_for(i, day, evening), "device", at),
                                         Reading("temperature", 36.6, "device", at)]) for i, pid in chunk]
                    await monitoring.record_many(session, work, now=at)
                total += 2 * len(chunk)
    return total, time.perf_counter() - started


async def over_http(runtime: Runtime, ids: list[int], n: int) -> float:
    import httpx

    from bot.app import create_app

    monitoring = runtime.services.get(Monitoring)
    tokens = [(await monitoring.add_device(pid, "bench"))[1] for pid in ids[:100]]
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
        started = time.perf_counter()
        for k in range(n):
            answer = await http.post("/api/readings", headers={"Authorization": f"Bearer {tokens[k % len(tokens)]}"},
                                     json={"readings": [{"id": f"h{k}", "measure": "heart_rate", "value": 80}]})
            assert answer.status_code == 200, answer.text
        return n / (time.perf_counter() - started)


async def main(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="wz-bench-monitoring-"))
    env = {"DATABASE_URL": args.database or f"sqlite:///{tmp}/bench.db", "WENZHEN_DATA_DIR": str(tmp / "data"),
           "WENZHEN_SECRET_KEY": "bench-secret-key-" + "x" * 32}
    runtime = Runtime(load_config(write_config(tmp / "config.yml"), env=env))
    await runtime.start(run_jobs=False, upgrade=True)
    try:
        ids = await seed(runtime, args.patients)
        readings, seconds = await ingest(runtime, ids, args.days, args.batch)
        async with runtime.db.session() as session:
            stored = await session.scalar(select(func.count()).select_from(ReadingRow))
            kinds = dict((await session.execute(select(AlertRow.kind, func.count()).group_by(AlertRow.kind))).all())
        n = args.patients
        falling = len([i for i in range(n) if i % 10 == 0 and i % 500])
        # A falling patient flags the trend at every reading from the third on; 92 is one threshold alert each.
        expected_trend = falling * max(0, 2 * args.days - 2)
        expected_threshold = len(range(0, n, 500)) + falling * len(
            [1 for d in range(args.days) for e in (0, 1) if 98 - (d * 2 + e) <= 93])
        assert stored == readings, (stored, readings)
        assert kinds.get("trend", 0) == expected_trend, (kinds, expected_trend)
        assert kinds.get("threshold", 0) == expected_threshold, (kinds, expected_threshold)
        print(f"patients: {n}  days: {args.days}  readings: {readings}  batch: {args.batch} patients")
        print(f"ingested and checked: {readings / seconds:,.0f} readings/s ({seconds:.1f} s)")
        print(f"alerts: {kinds.get('threshold', 0)} threshold, {kinds.get('trend', 0)} trend (as expected)")
        if args.http:
            print(f"POST /api/readings, one reading per request (in-process): {await over_http(runtime, ids, args.http):,.0f} readings/s")
    finally:
        await runtime.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--batch", type=int, default=250, help="patients per transaction (a device request carries up to 500 readings)")
    parser.add_argument("--database", help="DATABASE_URL (default: a fresh SQLite file)")
    parser.add_argument("--http", type=int, default=0, help="also time this many single-reading device posts")
    asyncio.run(main(parser.parse_args()))
