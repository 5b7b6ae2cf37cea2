"""Benchmark: live-session relay latency, patient → doctor's screen → back, across two workers.

Starts two real `wenzhen serve` processes sharing a fresh PostgreSQL database and Redis: patients
talk to the first through the REST channel, doctors to the second through the console API and its
live stream (SSE). With N simultaneous live sessions, each round is: the patient posts a message
(worker A) → it appears on the doctor's stream (worker B, through Redis pub/sub) → the doctor
replies (worker B) → the reply is stored in the patient's conversation (readable on worker A).
Each session pauses `--pause` seconds (±50 %) between rounds, as people do while typing; `--pause 0`
turns it into a saturation test. Prints p50/p99 of each leg and of the whole round.
Target: round p99 <= 100 ms. Run: `.venv/bin/python bench/relay.py --sessions 50 --rounds 20`.
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
import uuid
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.rest import report, start  # noqa: E402  (one way to start and report for every benchmark)
from tests.services import create_postgres_database, drop_postgres_database, redis_prefix  # noqa: E402

PASSWORD = "bench password 123"


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


class Doctor:
    """One signed-in doctor on worker B: a live stream, and futures for the messages awaited on it."""

    def __init__(self, http: httpx.AsyncClient, username: str) -> None:
        self.http = http
        self.username = username
        self.headers: dict[str, str] = {}
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def sign_in(self) -> None:
        response = await self.http.post("/api/console/session", json={"username": self.username, "password": PASSWORD})
        response.raise_for_status()
        # The cookie is Secure; over plain http to 127.0.0.1 the client must be handed it explicitly.
        self.headers = {"Cookie": f"wz_console={response.cookies['wz_console']}",
                        "X-CSRF-Token": response.json()["csrf_token"]}
        self.task = asyncio.create_task(self._listen())
        await asyncio.wait_for(self.ready.wait(), 30)

    async def _listen(self) -> None:
        async with self.http.stream("GET", "/api/console/stream", headers=self.headers, timeout=None) as stream:
            event = ""
            async for line in stream.aiter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    if event == "ready":
                        self.ready.set()
                    elif event == "message":
                        data = json.loads(line[6:])
                        future = self.waiting.pop(data.get("text", ""), None)
                        if future is not None and not future.done():
                            future.set_result(time.perf_counter())

    def expect(self, text: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiting[text] = future
        return future

    async def reply(self, consultation_id: str, text: str) -> None:
        response = await self.http.post(f"/api/console/consultations/{consultation_id}/messages",
                                        json={"text": text}, headers=self.headers)
        response.raise_for_status()

    async def accept(self, consultation_id: str) -> None:
        response = await self.http.post(f"/api/console/consultations/{consultation_id}/accept", headers=self.headers)
        response.raise_for_status()


async def drive(patient_url: str, doctor_url: str, sessions: int, doctors: int, rounds: int,
                pause: float, pids: list[int]) -> tuple[float, dict[str, list[float]], list[float]]:
    # Idle connections are dropped before uvicorn's 5 s keep-alive ends, so none is reused as it closes.
    limits = httpx.Limits(max_connections=sessions + doctors + 10, max_keepalive_connections=sessions + doctors + 10,
                          keepalive_expiry=2.0)
    legs: dict[str, list[float]] = {"patient → doctor": [], "doctor → patient": [], "round trip": []}
    async with httpx.AsyncClient(base_url=patient_url, timeout=30, limits=limits) as patients, \
            httpx.AsyncClient(base_url=doctor_url, timeout=30, limits=limits) as console:
        team = [Doctor(console, f"bench{n}") for n in range(doctors)]
        for doctor in team:
            await doctor.sign_in()
        senders = [f"relay-{uuid.uuid4().hex[:8]}-{i}" for i in range(sessions)]
        consultation_ids = []
        for sender in senders:
            r = await patients.post("/webhooks/rest/webhook", json={"sender": sender, "message": "/request_doctor"})
            r.raise_for_status()
            tracker = (await patients.get(f"/conversations/{sender}/tracker")).json()
            consultation_ids.append(tracker["handoff"]["consultation_id"])
        for i, cid in enumerate(consultation_ids):
            await team[i % doctors].accept(cid)

        async def session(i: int, measure: bool) -> None:
            doctor, sender, cid = team[i % doctors], senders[i], consultation_ids[i]
            for r in range(rounds):
                if pause:
                    await asyncio.sleep(pause * random.uniform(0.5, 1.5))
                text = f"第{r}轮 {uuid.uuid4().hex[:8]} 还是有点咳嗽"
                arrived = doctor.expect(text)
                began = time.perf_counter()
                response = await patients.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
                response.raise_for_status()
                seen = await asyncio.wait_for(arrived, 30)
                await doctor.reply(cid, f"收到：{text}")
                done = time.perf_counter()
                if measure:
                    legs["patient → doctor"].append(seen - began)
                    legs["doctor → patient"].append(done - seen)
                    legs["round trip"].append(done - began)

        await asyncio.gather(*(session(i, False) for i in range(min(4, sessions))))  # warm up
        cpu_before = [cpu_seconds(pid) for pid in pids]
        began = time.perf_counter()
        await asyncio.gather(*(session(i, True) for i in range(sessions)))
        elapsed = time.perf_counter() - began
        cpu_used = [cpu_seconds(pid) - before for pid, before in zip(pids, cpu_before)]
        last = (await patients.get(f"/conversations/{senders[-1]}/tracker")).json()["events"]
        assert any((e.get("text") or "").startswith("收到：") for e in last if e["event"] == "bot"), \
            "the doctor's replies must be in the patient's conversation"
        for doctor in team:
            if doctor.task:
                doctor.task.cancel()
    return elapsed, legs, cpu_used


def cpu_seconds(pid: int) -> float:
    """User + system CPU a process has used (Linux), to show the cost apart from the machine's load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--doctors", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between a session's rounds (0: flat out)")
    parser.add_argument("--redis", default=os.environ.get("WENZHEN_TEST_REDIS", "redis://127.0.0.1:6379/0"))
    args = parser.parse_args()
    database_url = asyncio.run(create_postgres_database())
    try:
        asyncio.run(prepare(database_url, args.doctors))
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            raw = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
            raw["redis"] = {"prefix": redis_prefix()}
            (workdir / "config.yml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
            env = {k: v for k, v in os.environ.items() if not k.startswith(("WENZHEN_", "DATABASE_URL", "REDIS_URL"))}
            env.update(WENZHEN_SECRET_KEY="bench-secret-" + "x" * 32, WENZHEN_CONFIG=str(workdir / "config.yml"),
                       DATABASE_URL=database_url.replace("+asyncpg", ""), REDIS_URL=args.redis,
                       WENZHEN_DATA_DIR=str(workdir))
            servers = [start(env, workdir), start(env, workdir)]
            try:
                print(f"{args.sessions} live sessions, {args.doctors} doctors, {args.rounds} rounds each, "
                      f"~{args.pause} s apart; "
                      f"patients on {servers[0][1]}, doctors on {servers[1][1]} (PostgreSQL + Redis)")
                elapsed, legs, used = asyncio.run(drive(servers[0][1], servers[1][1], args.sessions, args.doctors,
                                                        args.rounds, args.pause, [proc.pid for proc, _ in servers]))
                for name, values in legs.items():
                    report(name, elapsed, values)
                rounds = len(legs["round trip"])
                print(f"server CPU per round: patients' worker {used[0] / rounds * 1000:.1f} ms, "
                      f"doctors' worker {used[1] / rounds * 1000:.1f} ms; load average {os.getloadavg()[0]:.1f} "
                      f"on {os.cpu_count()} CPUs")
            finally:
                for proc, _ in servers:
                    proc.terminate()
                    proc.wait(20)
    finally:
        asyncio.run(drop_postgres_database(database_url))


if __name__ == "__main__":
    main()
