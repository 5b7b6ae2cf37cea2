"""Benchmark: a doctor's reply to a REST / web-chat patient's open stream, across two workers.

Starts two real `wenzhen serve` processes on a fresh PostgreSQL database and Redis. Patients talk
to the first through the REST channel and each keeps the message stream open there
(`GET /conversations/{sender}/stream`, Server-Sent Events — what the web chat at /chat does);
doctors work on the second through the console API. Each round: the doctor posts a reply
(worker B: stored, `ConversationAppended` on Redis) → it arrives on the patient's stream
(worker A: woken, reads the log, sends the event). Prints p50/p99 of that leg.
Run: `.venv/bin/python bench/webchat_push.py --sessions 20 --rounds 10`.
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

from bench.relay import Doctor, cpu_seconds, prepare  # noqa: E402
from bench.rest import report, start  # noqa: E402
from tests.services import create_postgres_database, drop_postgres_database, redis_prefix  # noqa: E402

SECRET = "bench-secret-" + "x" * 32


class Patient:
    """One REST patient with an open stream: futures for the texts awaited on it."""

    def __init__(self, http: httpx.AsyncClient, sender: str, token: str) -> None:
        self.http, self.sender = http, sender
        self.headers = {"Authorization": f"Bearer {token}"}
        self.waiting: dict[str, asyncio.Future[float]] = {}
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def open(self, after: int) -> None:
        self.task = asyncio.create_task(self._listen(after))
        await asyncio.wait_for(self.ready.wait(), 30)

    async def _listen(self, after: int) -> None:
        path = f"/conversations/{self.sender}/stream?after={after}"
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


async def drive(patient_url: str, doctor_url: str, token: str, sessions: int, doctors: int, rounds: int,
                pause: float, pids: list[int]) -> tuple[float, list[float], list[float]]:
    limits = httpx.Limits(max_connections=2 * sessions + doctors + 10, keepalive_expiry=2.0)
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=patient_url, timeout=30, limits=limits) as patients, \
            httpx.AsyncClient(base_url=doctor_url, timeout=30, limits=limits) as console:
        team = [Doctor(console, f"bench{n}") for n in range(doctors)]
        for doctor in team:
            await doctor.sign_in()
        headers = {"Authorization": f"Bearer {token}"}
        people, consultation_ids = [], []
        for i in range(sessions):
            sender = f"web-{uuid.uuid4().hex[:8]}-{i}"
            (await patients.post("/webhooks/rest/webhook", json={"sender": sender, "message": "/request_doctor"},
                                 headers=headers)).raise_for_status()
            tracker = (await patients.get(f"/conversations/{sender}/tracker", headers=headers)).json()
            consultation_ids.append(tracker["handoff"]["consultation_id"])
            person = Patient(patients, sender, token)
            await person.open(tracker["events"][-1]["seq"])
            people.append(person)
        for i, cid in enumerate(consultation_ids):
            await team[i % doctors].accept(cid)

        async def session(i: int, measure: bool) -> None:
            doctor, person, cid = team[i % doctors], people[i], consultation_ids[i]
            for r in range(rounds):
                if pause:
                    await asyncio.sleep(pause * random.uniform(0.5, 1.5))
                text = f"第{r}轮 {uuid.uuid4().hex[:8]} 请再量一次体温"
                arrived = person.expect(text)
                began = time.perf_counter()
                await doctor.reply(cid, text)
                seen = await asyncio.wait_for(arrived, 30)
                if measure:
                    latencies.append(seen - began)

        await asyncio.gather(*(session(i, False) for i in range(min(4, sessions))))  # warm up
        cpu_before = [cpu_seconds(pid) for pid in pids]
        began = time.perf_counter()
        await asyncio.gather(*(session(i, True) for i in range(sessions)))
        elapsed = time.perf_counter() - began
        used = [cpu_seconds(pid) - before for pid, before in zip(pids, cpu_before)]
        for task in [d.task for d in team] + [p.task for p in people]:
            if task:
                task.cancel()
    return elapsed, latencies, used


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--doctors", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between a session's rounds")
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
            env.update(WENZHEN_SECRET_KEY=SECRET, WENZHEN_CONFIG=str(workdir / "config.yml"),
                       DATABASE_URL=database_url.replace("+asyncpg", ""), REDIS_URL=args.redis,
                       WENZHEN_DATA_DIR=str(workdir))
            from bot.config import load_config
            from integrations.web.rest_auth import RestAuth

            token = RestAuth(load_config(workdir / "config.yml", env=env)).deployment_token
            servers = [start(env, workdir), start(env, workdir)]
            try:
                print(f"{args.sessions} patients with open streams, {args.doctors} doctors, {args.rounds} replies "
                      f"each, ~{args.pause} s apart; patients on {servers[0][1]}, doctors on {servers[1][1]} "
                      f"(PostgreSQL + Redis)")
                elapsed, latencies, used = asyncio.run(drive(
                    servers[0][1], servers[1][1], token, args.sessions, args.doctors, args.rounds, args.pause,
                    [proc.pid for proc, _ in servers]))
                report("doctor's reply → patient's stream", elapsed, latencies)
                print(f"server CPU per reply: patients' worker {used[0] / len(latencies) * 1000:.1f} ms, "
                      f"doctors' worker {used[1] / len(latencies) * 1000:.1f} ms; load average "
                      f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
            finally:
                for proc, _ in servers:
                    proc.terminate()
                    proc.wait(20)
    finally:
        asyncio.run(drop_postgres_database(database_url))


if __name__ == "__main__":
    main()
