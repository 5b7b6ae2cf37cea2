"""CPU cost of ordinary turns, load-independent: a fixed typed script through the real runtime, in-process.

Each conversation is the same typed script (a greeting, a symptom that opens the fever intake, the
intake's answers) sent through `Engine.handle` one turn after another on embedded SQLite, or
PostgreSQL + Redis with `--shared`. Prints the process CPU per turn; `--profile` adds a cProfile
listing. The number to compare between trees on a shared machine is an instruction count, which
the load does not move:

    valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=/tmp/cg.out \\
        .venv/bin/python bench/turn_cost.py --conversations 10 --callgrind
    callgrind_annotate /tmp/cg.out | head -20   # PROGRAM TOTALS / turns = instructions per turn

(`--callgrind` switches callgrind's instrumentation on after the warm-up and off after the measured
turns, with `callgrind_control`, so start-up and warm-up are not counted; all threads are, SQLite's too.)

`--show` prints the replies of one conversation (to check the script still walks the intake).
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import load_config  # noqa: E402
from bot.messages import UserMessage  # noqa: E402
from bot.runtime import Runtime  # noqa: E402
from tests.services import REDIS_URL, create_postgres_database, drop_postgres_database  # noqa: E402

# A greeting; a symptom typed in words (opens the fever intake); the intake's typed answers.
SCRIPTS = {
    "intake": ["你好", "我发烧了", "是我自己", "38.6度", "两天了", "吃了药还是烧", "不喘", "没有血氧仪"],
    # bench/wrk/conversations.lua's five messages (the throughput benchmark's conversation).
    "wrk": ["你好", "怎么用", "谢谢", "再见", "你好"],
}
SCRIPT = SCRIPTS["intake"]


async def conversation(runtime: Runtime, sender: str, show: bool = False) -> int:
    for text in SCRIPT:
        replies = await runtime.engine.handle(UserMessage(channel="rest", sender=sender, text=text))
        if show:
            print(f"> {text}")
            for r in replies:
                print("   ", (r.text or "")[:90].replace("\n", " "), [b.payload for b in (r.buttons or [])][:4])
    return len(SCRIPT)


async def measured_turns(runtime: Runtime, conversations: int) -> int:
    run = uuid.uuid4().hex[:6]
    n = 0
    for c in range(conversations):
        n += await conversation(runtime, f"cost-{run}-{c}")
    return n


async def main(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="wenzhen-cost-"))
    env = {"WENZHEN_DATA_DIR": str(tmp), "WENZHEN_SECRET_KEY": "profile-" + "k" * 40,
           "DATABASE_URL": f"sqlite:///{tmp}/cost.db", "WENZHEN_REDIS_PREFIX": f"cost-{uuid.uuid4().hex[:8]}:"}
    database = None
    if args.shared:
        database = await create_postgres_database()
        env.update(DATABASE_URL=database.replace("+asyncpg", ""), REDIS_URL=REDIS_URL)
    runtime = Runtime(load_config(ROOT / "config.yml", env=env))
    await runtime.start(run_jobs=False, upgrade=True)
    try:
        if args.show:
            await conversation(runtime, "show-" + uuid.uuid4().hex[:6], show=True)
            return
        await measured_turns(runtime, 3)  # warm: caches, first-use imports, prepared statements
        if args.callgrind:
            subprocess.run(["callgrind_control", "-i", "on", str(os.getpid())], check=True, stdout=subprocess.DEVNULL)
        if args.profile:
            profile = cProfile.Profile(time.thread_time) if args.cpu else cProfile.Profile()
            profile.enable()
        wall, cpu = time.perf_counter(), time.process_time()
        n = await measured_turns(runtime, args.conversations)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if args.profile:
            profile.disable()
        if args.callgrind:
            subprocess.run(["callgrind_control", "-i", "off", str(os.getpid())], check=True, stdout=subprocess.DEVNULL)
        print(f"{n} turns: {1e3 * wall / n:.3f} ms wall, {1e3 * cpu / n:.3f} ms CPU per turn"
              + (" (under cProfile)" if args.profile else ""))
        if args.profile:
            pstats.Stats(profile).sort_stats(args.sort).print_stats(args.pattern, args.top)
    finally:
        await runtime.stop()
        if database:
            await drop_postgres_database(database)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--shared", action="store_true", help="PostgreSQL + Redis instead of embedded SQLite")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--show", action="store_true")
    parser.add_argument("--script", choices=sorted(SCRIPTS), default="intake")
    parser.add_argument("--cpu", action="store_true", help="profile by the main thread's CPU clock, not wall time")
    parser.add_argument("--callgrind", action="store_true", help="under valgrind --tool=callgrind --instr-atstart=no")
    parser.add_argument("--top", type=int, default=60)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--pattern", default="")
    arguments = parser.parse_args()
    SCRIPT[:] = SCRIPTS[arguments.script]
    asyncio.run(main(arguments))
