"""Where an ordinary turn's time goes: the engine alone (no HTTP), one turn after another, under cProfile.

Runs `--conversations` five-message conversations (你好, 怎么用, 谢谢, 再见, 你好) through
`Engine.handle` on embedded SQLite (or PostgreSQL + Redis with `--shared`), prints the CPU time
per turn without the profiler, then the functions with the most cumulative time under it.

    .venv/bin/python bench/profile_turn.py --conversations 200
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
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

TEXTS = ["你好", "怎么用", "谢谢", "再见", "你好"]


async def turns(runtime: Runtime, conversations: int) -> int:
    run = uuid.uuid4().hex[:6]
    for c in range(conversations):
        for text in TEXTS:
            await runtime.engine.handle(UserMessage(channel="rest", sender=f"p-{run}-{c}", text=text))
    return conversations * len(TEXTS)


async def main(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="wenzhen-profile-"))
    env = {"WENZHEN_DATA_DIR": str(tmp), "WENZHEN_SECRET_KEY": "profile-" + "k" * 40,
           "DATABASE_URL": f"sqlite:///{tmp}/profile.db", "WENZHEN_REDIS_PREFIX": f"profile-{uuid.uuid4().hex[:8]}:"}
    database = None
    if args.shared:
        database = await create_postgres_database()
        env.update(DATABASE_URL=database.replace("+asyncpg", ""), REDIS_URL=REDIS_URL)
    runtime = Runtime(load_config(ROOT / "config.yml", env=env))
    await runtime.start(run_jobs=False, upgrade=True)
    try:
        await turns(runtime, 10)  # warm: caches, first-use imports, prepared statements
        wall, cpu = time.perf_counter(), time.process_time()
        n = await turns(runtime, args.conversations)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(f"{n} turns one after another: {1e3 * wall / n:.2f} ms wall, {1e3 * cpu / n:.2f} ms CPU per turn")
        profile = cProfile.Profile()
        profile.enable()
        await turns(runtime, args.conversations)
        profile.disable()
        stats = pstats.Stats(profile)
        stats.sort_stats(args.sort).print_stats(args.pattern, args.top)
    finally:
        await runtime.stop()
        if database:
            await drop_postgres_database(database)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--shared", action="store_true", help="PostgreSQL + Redis instead of embedded SQLite")
    parser.add_argument("--top", type=int, default=45)
    parser.add_argument("--sort", default="cumulative", help="cumulative, or tottime for each function's own time")
    parser.add_argument("--pattern", default="wenzhen|bot/|nlu/|actions/|sqlalchemy/ext|aiosqlite|asyncpg|redis|spacy|jieba",
                        help="only functions whose file matches (a regular expression)")
    asyncio.run(main(parser.parse_args()))
