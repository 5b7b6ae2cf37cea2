"""Benchmark: the REST channel under many concurrent conversations (greet / help / thanks / goodbye).

Starts a real `wenzhen serve` (one worker) for each backend — embedded SQLite, then PostgreSQL
+ Redis (a fresh database) — and prints, for each, the throughput and p50/p99 latency of a closed
loop (each conversation sends as soon as it is answered: the most the worker can do) and of an
open loop paced at `--rate` messages per second (the latency patients see at that load). Run: `make bench` or
`.venv/bin/python bench/rest.py --conversations 50 --turns 20`.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.loadgen import Request, closed_loop, paced, percentiles  # noqa: E402
from tests.services import REDIS_URL, create_postgres_database, drop_postgres_database  # noqa: E402
TEXTS = ["你好", "怎么用", "谢谢", "再见"]
WEBHOOK = "/webhooks/rest/webhook"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(env: dict[str, str], workdir: Path, port: int | None = None) -> tuple[subprocess.Popen[bytes], str]:
    port = port or free_port()
    log = (workdir / f"server-{port}.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--log-level", "ERROR", "serve", "--port", str(port), "--workers", "1"],
        env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT,
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


def conversations_of(prefix: str, count: int, turns: int) -> list[list[Request]]:
    """`count` new conversations of `turns` messages each: greet, help, thanks, goodbye, …"""
    senders = [f"{prefix}-{uuid.uuid4().hex[:8]}-{c}" for c in range(count)]
    return [
        [(WEBHOOK, json.dumps({"sender": sender, "message": TEXTS[t % len(TEXTS)]}, ensure_ascii=False).encode(),
          "application/json") for t in range(turns)]
        for sender in senders
    ]


async def drive(url: str, conversations: int, turns: int) -> tuple[float, list[float]]:
    """Closed loop: every conversation sends its next message as soon as the last is answered."""
    host, port = url.removeprefix("http://").split(":")
    await closed_loop(host, int(port), conversations_of("warm", 4, 4))
    elapsed, latencies, _ = await closed_loop(host, int(port), conversations_of("bench", conversations, turns))
    return elapsed, latencies


async def paced_run(url: str, conversations: int, rate: float, seconds: float) -> tuple[float, list[float]]:
    """Open loop at `rate` messages per second for `seconds`."""
    host, port = url.removeprefix("http://").split(":")
    turns = max(1, int(rate * seconds) // conversations)
    elapsed, latencies, _ = await paced(host, int(port), conversations_of("paced", conversations, turns), rate)
    return elapsed, latencies


def report(name: str, elapsed: float, latencies: list[float]) -> None:
    p = percentiles(latencies)
    print(f"{name:<44} {len(latencies):>6} msgs  {len(latencies) / elapsed:8.1f} msg/s  "
          f"p50 {p['p50']:6.1f} ms  p99 {p['p99']:6.1f} ms  mean {p['mean']:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--turns", type=int, default=20, help="messages per conversation, closed loop")
    parser.add_argument("--rate", type=float, default=300, help="messages per second, open loop")
    parser.add_argument("--seconds", type=float, default=10, help="how long the open loop runs")
    args = parser.parse_args()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("WENZHEN_", "DATABASE_URL", "REDIS_URL"))}
    base_env["WENZHEN_SECRET_KEY"] = "bench-secret-" + "x" * 32
    base_env["WENZHEN_CONFIG"] = str(ROOT / "config.yml")
    base_env["WENZHEN_REDIS_PREFIX"] = f"wzbench:{uuid.uuid4().hex[:8]}:"
    print(f"{args.conversations} concurrent conversations x {args.turns} turns, one worker")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        setups = [("sqlite (embedded)", {"DATABASE_URL": f"sqlite:///{workdir}/bench.db", "WENZHEN_DATA_DIR": str(workdir)})]
        database = asyncio.run(create_postgres_database())  # a fresh database: empty schema, cold cache
        setups.append(("postgresql + redis", {"DATABASE_URL": database.replace("+asyncpg", ""), "REDIS_URL": REDIS_URL,
                                              "WENZHEN_DATA_DIR": str(workdir)}))
        try:
            run_all(setups, base_env, workdir, args)
        finally:
            asyncio.run(drop_postgres_database(database))


def run_all(setups: list[tuple[str, dict[str, str]]], base_env: dict[str, str], workdir: Path, args: argparse.Namespace) -> None:
        for name, extra in setups:
            proc, url = start({**base_env, **extra}, workdir)
            try:
                elapsed, latencies = asyncio.run(drive(url, args.conversations, args.turns))
                report(f"{name}, as fast as answered", elapsed, latencies)
                elapsed, latencies = asyncio.run(paced_run(url, args.conversations, args.rate, args.seconds))
                report(f"{name}, paced at {args.rate:.0f}/s", elapsed, latencies)
            except (AssertionError, OSError, asyncio.IncompleteReadError) as exc:
                logs = "\n".join(p.read_text(errors="replace")[-4000:] for p in workdir.glob("server-*.log"))
                raise SystemExit(f"{name}: a request failed: {exc!r}\n--- server log ---\n{logs}") from None
            finally:
                proc.terminate()
                proc.wait(20)


if __name__ == "__main__":
    main()
