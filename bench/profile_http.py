"""Where a REST turn's time goes in the server, HTTP included: one worker in this process, cProfile
switched on after start-up, `wrk` (a separate process) driving it with bench/wrk/conversations.lua.

Prints wrk's rate (slowed by the profiler: compare shares, not rates) and the functions with the most
time of their own, then the most cumulative time (`--sort`). Embedded SQLite by default; `--shared` serves
on PostgreSQL + Redis (a fresh database and key prefix on WENZHEN_TEST_POSTGRES / WENZHEN_TEST_REDIS).

    .venv/bin/python bench/profile_http.py --duration 10 --port 8632
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRIPT = ROOT / "bench" / "wrk" / "conversations.lua"


async def run(args: argparse.Namespace) -> None:
    import uvicorn

    from bot.app import create_app
    from bot.config import load_config
    from bot.runtime import Runtime
    from integrations.web.rest_auth import RestAuth

    tmp = Path(tempfile.mkdtemp(prefix="wenzhen-profile-http-"))
    env = {"WENZHEN_DATA_DIR": str(tmp), "WENZHEN_SECRET_KEY": "profile-" + "k" * 40,
           "DATABASE_URL": f"sqlite:///{tmp}/profile.db"}
    database = None
    if args.shared:
        from tests.services import REDIS_URL, create_postgres_database

        database = await create_postgres_database()
        env.update(DATABASE_URL=database.replace("+asyncpg", ""), REDIS_URL=REDIS_URL,
                   WENZHEN_REDIS_PREFIX=f"profile-{uuid.uuid4().hex[:8]}:")
    config = load_config(ROOT / "config.yml", env=env)
    runtime = Runtime(config)
    await runtime.start(run_jobs=False, upgrade=True)
    token = RestAuth(config).deployment_token
    server = uvicorn.Server(uvicorn.Config(create_app(runtime=runtime), host="127.0.0.1", port=args.port,
                                           log_level="warning", access_log=False))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)

    async def wrk(seconds: float, run_id: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            "wrk", "-t", str(args.connections), "-c", str(args.connections), "-d", f"{seconds:.0f}s", "--latency",
            "-s", str(SCRIPT), f"http://127.0.0.1:{args.port}", stdout=asyncio.subprocess.PIPE,
            env={**os.environ, "WENZHEN_BENCH_RUN": run_id, "WENZHEN_BENCH_TOKEN": token})
        out, _ = await proc.communicate()
        return out.decode()

    try:
        await wrk(3, "warm")
        # --cpu: the main thread's CPU time (what a worker spends), not wall time (which counts the
        # moments the process was preempted, e.g. in a socket send that wakes its peer on a busy machine).
        profile = cProfile.Profile(time.thread_time) if args.cpu else cProfile.Profile()
        profile.enable()
        out = await wrk(args.duration, "run")
        profile.disable()
        print(" ".join(re.findall(r"Requests/sec:\s+\S+|Non-2xx.*", out)))
        if args.dump:
            profile.dump_stats(args.dump)
        stats = pstats.Stats(profile)
        stats.sort_stats(args.sort).print_stats(args.top)
    finally:
        server.should_exit = True
        await serving
        await runtime.stop()
        if database:
            from tests.services import drop_postgres_database

            await drop_postgres_database(database)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--connections", type=int, default=40)
    parser.add_argument("--port", type=int, default=8632)
    parser.add_argument("--top", type=int, default=50)
    parser.add_argument("--sort", default="tottime")
    parser.add_argument("--cpu", action="store_true", help="time by the main thread's CPU time, not wall time")
    parser.add_argument("--dump", help="also write the profile to this file (pstats)")
    parser.add_argument("--shared", action="store_true", help="PostgreSQL + Redis instead of embedded SQLite")
    asyncio.run(run(parser.parse_args()))
