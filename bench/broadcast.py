"""Broadcast benchmark: one campaign to 100,000 WeChat followers through the local WeChat simulator.

Run: .venv/bin/python bench/broadcast.py [--recipients N] [--batch-size N] [--database URL]
Seeds N known followers straight into SQL (conversations, a slot event and a message each, and
the WeChat contacts table), then measures:
  - enqueue: resolving the audience and writing one delivery row per recipient plus the send jobs;
  - delivery: the job queue sending every batch by WeChat mass send (tagging + sendall), recipients/s;
  - how much the process's peak RSS grew during enqueue, and the peak RSS overall.
Prints numbers only. The simulator runs in this process (a thread), so it shares the CPU.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402

from bot import broadcasts as bc  # noqa: E402
from bot.config import load_config  # noqa: E402
from bot.db import ConversationRow, EventRow, utcnow  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from integrations.wechat.contacts import WeChatContact  # noqa: E402
from tests.broadcasts.mass_wechat import MassWeChat  # noqa: E402
from tests.conftest import write_config  # noqa: E402

APP_ID, SECRET = "wx_bench_app", "bench-secret"


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def seed(runtime: Runtime, n: int) -> None:
    """N followers as the engine would have stored them: conversation, user event, age slot, contact."""
    now, stamp = utcnow(), time.time()
    rng = random.Random(7)
    for start in range(0, n, 5000):
        ids = range(start, min(n, start + 5000))
        async with runtime.db.transaction() as session:
            await session.execute(insert(ConversationRow), [
                {"id": f"wechat:o{i}", "channel": "wechat", "sender": f"o{i}", "created_at": now} for i in ids])
            await session.execute(insert(EventRow), [
                row for i in ids for row in (
                    {"conversation_id": f"wechat:o{i}", "seq": 1, "type": "user", "actor": "patient",
                     "timestamp": stamp, "message_id": None, "data": {"text": "你好"}},
                    {"conversation_id": f"wechat:o{i}", "seq": 2, "type": "slot", "actor": "patient",
                     "timestamp": stamp, "message_id": None, "data": {"name": "age", "value": rng.randint(18, 95)}},
                )])
            await session.execute(insert(WeChatContact), [
                {"openid": f"o{i}", "subscribed": True, "changed_at": now, "last_inbound_at": now,
                 "sent_since_inbound": 0} for i in ids])


async def run(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="wz-bench-broadcast-"))
    with MassWeChat(APP_ID, SECRET) as wechat:
        os.environ.update({
            "WENZHEN_WECHAT_TOKEN": "bench", "WENZHEN_WECHAT_APPID": APP_ID, "WENZHEN_WECHAT_SECRET": SECRET,
            "WENZHEN_WECHAT_API_BASE": wechat.base_url, "WENZHEN_WECHAT_AES_KEY": "a" * 43,
        })
        config_path = write_config(
            workdir / "config.yml",
            jobs={"poll_seconds": 0.05},
            broadcasts={"batch_size": args.batch_size, "rate_limits": {"wechat_mass": args.mass_rate}},
        )
        env = {**os.environ, "DATABASE_URL": args.database or f"sqlite:///{workdir}/bench.db",
               "WENZHEN_DATA_DIR": str(workdir), "WENZHEN_SECRET_KEY": "bench-" + "x" * 40}
        runtime = Runtime(load_config(config_path, env=env))
        await runtime.start(run_jobs=False, upgrade=True)
        try:
            began = time.perf_counter()
            await seed(runtime, args.recipients)
            print(f"seed: {args.recipients} followers in {time.perf_counter() - began:.1f} s (not part of the numbers)")

            content = bc.Content(title="居家康复", text="转阴后循序渐进恢复活动。回复“退订”不再接收推送。")
            campaign_id = await bc.create_campaign(runtime, "bench", content, bc.Audience(), ["wechat_mass"], "admin:bench")
            await bc.schedule_campaign(runtime, campaign_id)
            rss_before = peak_rss_mib()
            began = time.perf_counter()
            await bc.start_campaign(runtime, campaign_id)
            enqueue = time.perf_counter() - began
            jobs = len(await runtime.jobs.pending("broadcast:"))
            print(f"enqueue: {enqueue:.2f} s for {args.recipients} delivery rows and {jobs} send jobs "
                  f"({args.recipients / enqueue:,.0f} recipients/s); peak RSS grew by "
                  f"{peak_rss_mib() - rss_before:.0f} MiB (to {peak_rss_mib():.0f} MiB)")

            began = time.perf_counter()
            runtime.jobs.start()
            while (await bc.get_campaign(runtime, campaign_id)).status == "running":
                await asyncio.sleep(0.2)
            delivery = time.perf_counter() - began
            report = await bc.report(runtime, campaign_id)
            delivered = sum(len(v) for v in wechat.inbox.values())
            duplicates = sum(1 for v in wechat.inbox.values() if len(v) > 1)
            calls = sum(len(v) for v in wechat.call_times.values())
            print(f"delivery: {delivery:.1f} s, {args.recipients / delivery:,.0f} recipients/s; "
                  f"{calls} WeChat API calls ({len(wechat.call_times['/cgi-bin/message/mass/sendall'])} mass sends)")
            print(f"report: {report.counts}; simulator inbox: {delivered} messages, {duplicates} duplicates")
            print(f"peak RSS of the process: {peak_rss_mib():.0f} MiB")
        finally:
            await runtime.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--mass-rate", type=float, default=0, help="mass-send calls per second (0: unlimited)")
    parser.add_argument("--database", help="SQLAlchemy URL (default: a fresh SQLite file)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
