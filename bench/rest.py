"""Benchmark: the REST channel under many concurrent conversations (greet / help / goodbye).

Starts a real `wenzhen serve` (one worker) for each backend — embedded SQLite, then PostgreSQL
+ Redis when reachable — and prints throughput and p50/p99 latency. Run: `make bench` or
`.venv/bin/python bench/rest.py --conversations 50 --turns 20`.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ["你好", "怎么用", "谢谢", "再见"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(env: dict[str, str], workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env, cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("server did not start")


async def drive(url: str, conversations: int, turns: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=conversations, max_keepalive_connections=conversations)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        async def one(c: int) -> None:
            sender = f"bench-{uuid.uuid4().hex[:8]}-{c}"
            for t in range(turns):
                started = time.perf_counter()
                r = await http.post("/webhooks/rest/webhook", json={"sender": sender, "message": TEXTS[t % len(TEXTS)]})
                latencies.append(time.perf_counter() - started)
                assert r.status_code == 200, r.text

        await asyncio.gather(*(one(c) for c in range(min(conversations, 4))))  # warm up
        latencies.clear()
        began = time.perf_counter()
        await asyncio.gather(*(one(c) for c in range(conversations)))
        return time.perf_counter() - began, latencies


def report(name: str, elapsed: float, latencies: list[float]) -> None:
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    print(f"{name:<22} {len(latencies):>6} msgs  {len(latencies) / elapsed:8.1f} msg/s  "
          f"p50 {p(0.50):6.1f} ms  p99 {p(0.99):6.1f} ms  mean {statistics.mean(latencies) * 1000:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--postgres", default=os.environ.get("WENZHEN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis", default=os.environ.get("WENZHEN_TEST_REDIS", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("WENZHEN_", "DATABASE_URL", "REDIS_URL"))}
    base_env["WENZHEN_SECRET_KEY"] = "bench-secret-" + "x" * 32
    base_env["WENZHEN_CONFIG"] = str(ROOT / "config.yml")
    print(f"{args.conversations} concurrent conversations x {args.turns} turns, one worker")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        setups = [("sqlite (embedded)", {"DATABASE_URL": f"sqlite:///{workdir}/bench.db", "WENZHEN_DATA_DIR": str(workdir)})]
        setups.append(("postgresql + redis", {"DATABASE_URL": args.postgres, "REDIS_URL": args.redis, "WENZHEN_DATA_DIR": str(workdir)}))
        for name, extra in setups:
            proc, url = start({**base_env, **extra}, workdir)
            try:
                elapsed, latencies = asyncio.run(drive(url, args.conversations, args.turns))
                report(name, elapsed, latencies)
            finally:
                proc.terminate()
                proc.wait(20)


if __name__ == "__main__":
    main()
