"""What the two-worker benchmarks share (bench/relay.py, bench/webchat_push.py).

Two real `wenzhen serve` processes on a fresh PostgreSQL database and Redis: doctors of 全科 rostered
round the clock, signed in on the second worker with a live console stream; a stream reader that
resolves a future when an awaited text arrives; warm-up, then every session measured, with the CPU
each worker used.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Awaitable, Callable, Iterator

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rest import start  # noqa: E402  (one way to start a server for every benchmark)
from tests.services import create_postgres_database, drop_postgres_database, redis_prefix  # noqa: E402

PASSWORD = "bench password 123"
SECRET = "bench-secret-" + "x" * 32


async def prepare(database_url: str, doctors: int) -> None:
    """Schema, and doctors of 全科 rostered round the clock (as `wenzhen staff/roster` would make them)."""
    from bot.consultations.roster import Roster
    from bot.consultations.staff import StaffDirectory
    from bot.db import Database

    db = Database(database_url)
    try:
        await db.upgrade()
        directory, roster = StaffDirectory(db, ["general"]), Roster(db)
        for n in range(doctors):
            staff = await directory.add(f"bench{n}", PASSWORD, display_name=f"医生{n}", departments=["general"])
            for weekday in range(7):
                await roster.add_shift(staff.id, "general", weekday, 0, 24 * 60)
    finally:
        await db.close()


class StreamReader:
    """An open Server-Sent Events stream: `expect(text)` is a future set to the time that text arrives."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.headers: dict[str, str] = {}
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def open(self, path: str) -> None:
        self.task = asyncio.create_task(self._listen(path))
        await asyncio.wait_for(self.ready.wait(), 30)

    async def _listen(self, path: str) -> None:
        async with self.http.stream("GET", path, headers=self.headers, timeout=None) as stream:
            event = ""
            async for line in stream.aiter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    if event == "ready":
                        self.ready.set()
                    elif event == "message":
                        future = self.waiting.pop(json.loads(line[6:]).get("text", ""), None)
                        if future is not None and not future.done():
                            future.set_result(time.perf_counter())

    def expect(self, text: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[text] = future
        return future

    def close(self) -> None:
        if self.task:
            self.task.cancel()


class Doctor(StreamReader):
    """One signed-in doctor on worker B: the console's live stream, replies, accepting consultations."""

    def __init__(self, http: httpx.AsyncClient, username: str) -> None:
        super().__init__(http)
        self.username = username

    async def sign_in(self) -> None:
        response = await self.http.post("/api/console/session", json={"username": self.username, "password": PASSWORD})
        response.raise_for_status()
        # The cookie is Secure; over plain http to 127.0.0.1 the client must be handed it explicitly.
        self.headers = {"Cookie": f"wz_console={response.cookies['wz_console']}",
                        "X-CSRF-Token": response.json()["csrf_token"]}
        await self.open("/api/console/stream")

    async def reply(self, consultation_id: str, text: str) -> None:
        response = await self.http.post(f"/api/console/consultations/{consultation_id}/messages",
                                        json={"text": text}, headers=self.headers)
        response.raise_for_status()

    async def accept(self, consultation_id: str) -> None:
        response = await self.http.post(f"/api/console/consultations/{consultation_id}/accept", headers=self.headers)
        response.raise_for_status()


async def delivered(reader: StreamReader, text: str, send: Callable[[str], Awaitable[object]],
                    pause: float) -> tuple[float, float]:
    """After a human pause (`pause` ±50 %, none at 0), `send(text)`: something that makes `text` appear on
    `reader`'s stream: when it was sent and when it arrived (perf_counter seconds)."""
    if pause:
        await asyncio.sleep(pause * random.uniform(0.5, 1.5))
    arrived = reader.expect(text)
    began = time.perf_counter()
    await send(text)
    return began, await asyncio.wait_for(arrived, 30)


async def signed_in(console: httpx.AsyncClient, doctors: int) -> list[Doctor]:
    team = [Doctor(console, f"bench{n}") for n in range(doctors)]
    for doctor in team:
        await doctor.sign_in()
    return team


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used (Linux), to show the cost apart from the machine's load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measured(sessions: int, session: Callable[[int, bool], Awaitable[None]],
                   pids: list[int]) -> tuple[float, list[float]]:
    """A few sessions to warm up, then all of them measured: the elapsed seconds and each worker's CPU seconds."""
    await asyncio.gather(*(session(i, False) for i in range(min(4, sessions))))
    cpu_before = [cpu_seconds(pid) for pid in pids]
    began = time.perf_counter()
    await asyncio.gather(*(session(i, True) for i in range(sessions)))
    elapsed = time.perf_counter() - began
    return elapsed, [cpu_seconds(pid) - before for pid, before in zip(pids, cpu_before)]


def cpu_report(per: str, used: list[float], count: int) -> None:
    """Each worker's CPU per round or reply, beside the machine's load (2 shared cores read differently)."""
    print(f"server CPU per {per}: patients' worker {used[0] / count * 1000:.1f} ms, "
          f"doctors' worker {used[1] / count * 1000:.1f} ms; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} CPUs")


def arguments(description: str | None, sessions: int, doctors: int, rounds: int, pause: float,
              pause_help: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sessions", type=int, default=sessions)
    parser.add_argument("--doctors", type=int, default=doctors)
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--pause", type=float, default=pause, help=pause_help)
    parser.add_argument("--redis", default=os.environ.get("WENZHEN_TEST_REDIS", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--ports", type=int, nargs=2, default=None, metavar=("A", "B"),
                        help="the two workers' ports (default: two free ones)")
    return parser.parse_args()


@contextmanager
def two_workers(args: argparse.Namespace, sessions_are: str,
                rounds_are: str) -> Iterator[tuple[str, tuple[str, str], list[int]]]:
    """A fresh database with the doctors, a config, two servers on it, said in one line: the REST channel's
    deployment token (patients' requests carry it), the patients' and the doctors' worker URLs, their pids."""
    from bot.config import load_config
    from integrations.web.rest_auth import RestAuth

    database_url = asyncio.run(create_postgres_database())
    try:
        asyncio.run(prepare(database_url, args.doctors))
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            raw = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
            raw["redis"] = {"prefix": redis_prefix()}
            (workdir / "config.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
            env = {k: v for k, v in os.environ.items() if not k.startswith(("WENZHEN_", "DATABASE_URL", "REDIS_URL"))}
            env.update(WENZHEN_SECRET_KEY=SECRET, WENZHEN_CONFIG=str(workdir / "config.yml"),
                       DATABASE_URL=database_url.replace("+asyncpg", ""), REDIS_URL=args.redis,
                       WENZHEN_DATA_DIR=str(workdir))
            ports = args.ports or (None, None)
            servers = [start(env, workdir, ports[0]), start(env, workdir, ports[1])]
            try:
                (patient_url, doctor_url) = urls = (servers[0][1], servers[1][1])
                print(f"{args.sessions} {sessions_are}, {args.doctors} doctors, {args.rounds} {rounds_are} each, "
                      f"~{args.pause} s apart; patients on {patient_url}, doctors on {doctor_url} (PostgreSQL + Redis)")
                yield (RestAuth(load_config(workdir / "config.yml", env=env)).deployment_token, urls,
                       [proc.pid for proc, _ in servers])
            finally:
                for proc, _ in servers:
                    proc.terminate()
                    proc.wait(20)
    finally:
        asyncio.run(drop_postgres_database(database_url))
