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

import asyncio
import sys
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.rest import report  # noqa: E402
from bench.two_workers import StreamReader, arguments, cpu_report, delivered, measured, signed_in, two_workers  # noqa: E402


class Patient(StreamReader):
    """One REST patient with an open stream: futures for the texts awaited on it."""

    def __init__(self, http: httpx.AsyncClient, sender: str, token: str) -> None:
        super().__init__(http)
        self.sender = sender
        self.headers = {"Authorization": f"Bearer {token}"}


async def drive(patient_url: str, doctor_url: str, token: str, sessions: int, doctors: int, rounds: int,
                pause: float, pids: list[int]) -> tuple[float, list[float], list[float]]:
    limits = httpx.Limits(max_connections=2 * sessions + doctors + 10, keepalive_expiry=2.0)
    latencies: list[float] = []
    async with httpx.AsyncClient(base_url=patient_url, timeout=30, limits=limits) as patients, \
            httpx.AsyncClient(base_url=doctor_url, timeout=30, limits=limits) as console:
        team = await signed_in(console, doctors)
        headers = {"Authorization": f"Bearer {token}"}
        people, consultation_ids = [], []
        for i in range(sessions):
            sender = f"web-{uuid.uuid4().hex[:8]}-{i}"
            (await patients.post("/webhooks/rest/webhook", json={"sender": sender, "message": "/request_doctor"},
                                 headers=headers)).raise_for_status()
            tracker = (await patients.get(f"/conversations/{sender}/tracker", headers=headers)).json()
            consultation_ids.append(tracker["handoff"]["consultation_id"])
            person = Patient(patients, sender, token)
            await person.open(f"/conversations/{sender}/stream?after={tracker['events'][-1]['seq']}")
            people.append(person)
        for i, cid in enumerate(consultation_ids):
            await team[i % doctors].accept(cid)

        async def session(i: int, measure: bool) -> None:
            doctor, person, cid = team[i % doctors], people[i], consultation_ids[i]
            for r in range(rounds):
                text = f"第{r}轮 {uuid.uuid4().hex[:8]} 请再量一次体温"
                began, seen = await delivered(person, text, lambda reply: doctor.reply(cid, reply), pause)
                if measure:
                    latencies.append(seen - began)

        elapsed, used = await measured(sessions, session, pids)
        for reader in [*team, *people]:
            reader.close()
    return elapsed, latencies, used


def main() -> None:
    args = arguments(__doc__, sessions=20, doctors=5, rounds=10, pause=1.0,
                     pause_help="seconds between a session's rounds")
    with two_workers(args, "patients with open streams", "replies") as (token, urls, pids):
        elapsed, latencies, used = asyncio.run(drive(*urls, token, args.sessions, args.doctors, args.rounds,
                                                     args.pause, pids))
        report("doctor's reply → patient's stream", elapsed, latencies)
        cpu_report("reply", used, len(latencies))


if __name__ == "__main__":
    main()
