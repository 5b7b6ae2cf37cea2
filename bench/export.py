"""Export benchmark: the regulator's export of a month with 1,000,000 events (target ≥ 20,000 events/s, flat memory).

Run: .venv/bin/python bench/export.py [--events N] [--per-consultation N] [--database URL]
Seeds consultations (N / per-consultation of them, spread over November) straight into SQL, each
with a conversation as the engine stores it: the patient's lines, the bot's, slots, a triage,
the handoff events (waiting, active, closed) and the doctor's lines. Then exports the month to
JSON lines (written to a temporary file, hashed for the manifest) in a fresh process per size —
a tenth of the month, then all of it — and prints events/s (wall clock, and per CPU second of
the process, which a busy machine does not change) and each process's peak RSS, so that flat
memory shows as equal peaks. Prints numbers only.
"""
from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert

from bot.config import load_config
from bot.consultations.models import ConsultationRow, StaffRow
from bot.db import ConversationRow, Database, EventRow
from bot.supervision.export import Exporter

MONTH = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)


def conversation(i: int, per: int, start: float) -> list[dict]:
    cid, consultation = f"wechat:o{i}", f"c{i:08d}"
    handoff = {"consultation_id": consultation, "department": "fever", "department_name": "发热门诊", "participants": []}
    head = [
        ("user", "patient", {"text": "我发烧三天了，最高39度，咳嗽", "intent": {"name": "report_symptoms", "confidence": 0.97},
                             "entities": [], "attachments": [], "metadata": {}}),
        ("slot", "patient", {"name": "age", "value": 20 + i % 70}),
        ("slot", "patient", {"name": "sex", "value": "female" if i % 2 else "male"}),
        ("slot", "patient", {"name": "symptoms.fever", "value": True}),
        ("triage", "bot", {"level": "consult", "reasons": ["发热超过3天"], "rules": ["covid.persistent_fever"], "ruleset": "v1"}),
        ("bot", "bot", {"text": "建议转在线医生问诊。"}),
        ("handoff", "patient", {**handoff, "status": "waiting"}),
        ("handoff", "doctor:1", {**handoff, "status": "active", "participants": [1]}),
    ]
    tail = [("handoff", "doctor:1", {**handoff, "status": "closed", "summary": "上呼吸道感染"}),
            ("bot", "doctor:1", {"text": "医生已结束本次问诊：上呼吸道感染"})]
    middle = [("user", "patient", {"text": f"医生，我现在还是有点咳嗽，第{k}条", "attachments": []}) if k % 2 == 0
              else ("bot", "doctor:1", {"text": "多喝水，注意休息，如有气促及时就医。"})
              for k in range(max(0, per - len(head) - len(tail)))]
    return [{"conversation_id": cid, "seq": seq, "type": t, "actor": a, "timestamp": start + seq, "message_id": None, "data": d}
            for seq, (t, a, d) in enumerate(head + middle + tail, 1)]


async def seed(url: str, events: int, per: int) -> int:
    db = Database(url)
    await db.upgrade()
    count = events // per
    async with db.transaction() as session:
        session.add(StaffRow(id=1, username="dr.bench", display_name="李医生", title="主治医师", role="doctor", password_hash="x"))
    step = dt.timedelta(seconds=30 * 24 * 3600 / count)
    for first in range(0, count, 500):
        ids = range(first, min(count, first + 500))
        async with db.transaction() as session:
            at = {i: MONTH + step * i for i in ids}
            await session.execute(insert(ConversationRow), [
                {"id": f"wechat:o{i}", "channel": "wechat", "sender": f"o{i}", "created_at": at[i]} for i in ids])
            await session.execute(insert(EventRow), [row for i in ids for row in conversation(i, per, at[i].timestamp())])
            await session.execute(insert(ConsultationRow), [{
                "id": f"c{i:08d}", "conversation_id": f"wechat:o{i}", "department": "fever", "status": "closed",
                "level": "consult", "priority": 2, "fee_fen": 0, "requested_at": at[i], "accepted_at": at[i],
                "ended_at": at[i] + dt.timedelta(minutes=10), "doctor_id": 1, "participants": [1],
                "closing": {"summary": "上呼吸道感染", "advice": "", "level": None, "followup": ""}} for i in ids])
    await db.close()
    return count


async def export(url: str, days: float) -> dict:
    config = load_config(env={**os.environ, "DATABASE_URL": url})
    db = Database(config.database_url)
    job = Exporter(config, db, MONTH, MONTH + dt.timedelta(days=days), "jsonl")
    started, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryFile() as out:
        async for chunk in job.chunks():
            out.write(chunk)
        size = out.tell()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    manifest = job.manifest(complete=True)
    await db.close()
    return {"records": manifest.records, "events": manifest.events, "seconds": round(seconds, 2),
            "events_per_second": round(manifest.events / seconds), "cpu_seconds": round(cpu, 2),
            "events_per_cpu_second": round(manifest.events / cpu), "bytes": size,
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--per-consultation", type=int, default=50)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--export-days", type=float, default=None, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    os.environ.setdefault("WENZHEN_SECRET_KEY", "bench-secret-" + "x" * 32)
    if args.export_days is not None:
        print(json.dumps(asyncio.run(export(args.database, args.export_days))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite+aiosqlite:///{tmp}/export-bench.db"
        started = time.perf_counter()
        count = asyncio.run(seed(url, args.events, args.per_consultation))
        print(f"seeded {count} consultations, {count * args.per_consultation} events in {time.perf_counter() - started:.1f}s")
        for days in (3, 30):
            child = subprocess.run([sys.executable, __file__, "--database", url, "--export-days", str(days)],
                                   capture_output=True, text=True, env=os.environ)
            if child.returncode != 0:
                sys.exit(child.stderr[-2000:])
            result = json.loads(child.stdout.strip().splitlines()[-1])
            print(f"export of {days:>2} days: {result['records']} records, {result['events']} events in {result['seconds']}s "
                  f"= {result['events_per_second']} events/s ({result['events_per_cpu_second']} per CPU second), "
                  f"{result['bytes'] / 1e6:.0f} MB, peak RSS {result['peak_rss_mib']} MiB")
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
