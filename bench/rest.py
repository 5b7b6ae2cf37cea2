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
WEBHOOK = "/webhooks/rest/webhook"


class LeanClient:
    """One keep-alive HTTP/1.1 connection, requests written by hand: on a 2-core machine the load
    generator shares the CPU with the server, so it must cost far less than the server does."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, payload: dict) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode() + body
        )
        assert self.reader is not None
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = int(head.lower().split(b"content-length:", 1)[1].split(b"\r\n", 1)[0])
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            await self.writer.wait_closed()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(env: dict[str, str], workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
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


async def drive(url: str, conversations: int, turns: int) -> tuple[float, list[float]]:
    """Closed loop: every conversation sends its next message as soon as the last is answered."""
    latencies: list[float] = []
    host, port = url.removeprefix("http://").split(":")

    async def one(c: int) -> None:
        client = LeanClient(host, int(port))
        sender = f"bench-{uuid.uuid4().hex[:8]}-{c}"
        try:
            for t in range(turns):
                started = time.perf_counter()
                status, body = await client.post(WEBHOOK, {"sender": sender, "message": TEXTS[t % len(TEXTS)]})
                latencies.append(time.perf_counter() - started)
                assert status == 200, body
        finally:
            await client.close()

    await asyncio.gather(*(one(c) for c in range(min(conversations, 4))))  # warm up
    latencies.clear()
    began = time.perf_counter()
    await asyncio.gather(*(one(c) for c in range(conversations)))
    return time.perf_counter() - began, latencies


async def paced(url: str, conversations: int, rate: float, seconds: float) -> tuple[float, list[float]]:
    """Open loop: messages fall due at `rate` per second, spread over the conversations; latency is
    counted from when a message fell due (so a server that falls behind cannot hide it)."""
    latencies: list[float] = []
    total = int(rate * seconds)
    host, port = url.removeprefix("http://").split(":")
    began = time.perf_counter()

    async def one(c: int) -> None:
        client = LeanClient(host, int(port))
        sender = f"paced-{uuid.uuid4().hex[:8]}-{c}"
        try:
            for k, i in enumerate(range(c, total, conversations)):
                due = began + i / rate
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                status, body = await client.post(WEBHOOK, {"sender": sender, "message": TEXTS[k % len(TEXTS)]})
                latencies.append(time.perf_counter() - due)
                assert status == 200, body
        finally:
            await client.close()

    await asyncio.gather(*(one(c) for c in range(conversations)))
    return time.perf_counter() - began, latencies


def report(name: str, elapsed: float, latencies: list[float]) -> None:
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    print(f"{name:<44} {len(latencies):>6} msgs  {len(latencies) / elapsed:8.1f} msg/s  "
          f"p50 {p(0.50):6.1f} ms  p99 {p(0.99):6.1f} ms  mean {statistics.mean(latencies) * 1000:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--turns", type=int, default=20, help="messages per conversation, closed loop")
    parser.add_argument("--rate", type=float, default=300, help="messages per second, open loop")
    parser.add_argument("--seconds", type=float, default=10, help="how long the open loop runs")
    parser.add_argument("--postgres", default=os.environ.get("WENZHEN_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--redis", default=os.environ.get("WENZHEN_TEST_REDIS", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    base_env = {k: v for k, v in os.environ.items() if not k.startswith(("WENZHEN_", "DATABASE_URL", "REDIS_URL"))}
    base_env["WENZHEN_SECRET_KEY"] = "bench-secret-" + "x" * 32
    base_env["WENZHEN_CONFIG"] = str(ROOT / "config.yml")
    base_env["WENZHEN_REDIS_PREFIX"] = f"wzbench:{uuid.uuid4().hex[:8]}:"
    print(f"{args.conversations} concurrent conversations x {args.turns} turns, one worker")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        setups = [("sqlite (embedded)", {"DATABASE_URL": f"sqlite:///{workdir}/bench.db", "WENZHEN_DATA_DIR": str(workdir)})]
        database = asyncio.run(fresh_database(args.postgres))
        setups.append(("postgresql + redis", {"DATABASE_URL": database, "REDIS_URL": args.redis, "WENZHEN_DATA_DIR": str(workdir)}))
        try:
            run_all(setups, base_env, workdir, args)
        finally:
            asyncio.run(drop_database(args.postgres, database))


async def fresh_database(server_url: str) -> str:
    """A new database on the server, so that every run starts from an empty schema and cache."""
    import asyncpg

    name = "wz_bench_" + uuid.uuid4().hex[:8]
    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return server_url.rsplit("/", 1)[0] + "/" + name


async def drop_database(server_url: str, database: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{database.rsplit("/", 1)[1]}" WITH (FORCE)')
    finally:
        await conn.close()


def run_all(setups: list[tuple[str, dict[str, str]]], base_env: dict[str, str], workdir: Path, args: argparse.Namespace) -> None:
        for name, extra in setups:
            proc, url = start({**base_env, **extra}, workdir)
            try:
                elapsed, latencies = asyncio.run(drive(url, args.conversations, args.turns))
                report(f"{name}, as fast as answered", elapsed, latencies)
                elapsed, latencies = asyncio.run(paced(url, args.conversations, args.rate, args.seconds))
                report(f"{name}, paced at {args.rate:.0f}/s", elapsed, latencies)
            except (AssertionError, OSError, asyncio.IncompleteReadError) as exc:
                logs = "\n".join(p.read_text(errors="replace")[-4000:] for p in workdir.glob("server-*.log"))
                raise SystemExit(f"{name}: a request failed: {exc!r}\n--- server log ---\n{logs}") from None
            finally:
                proc.terminate()
                proc.wait(20)


if __name__ == "__main__":
    main()
