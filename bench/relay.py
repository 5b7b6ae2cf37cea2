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

import asyncio
import sys
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.rest import report  # noqa: E402  (one way to report for every benchmark)
from bench.two_workers import arguments, cpu_report, delivered, measured, signed_in, two_workers  # noqa: E402


async def drive(patient_url: str, doctor_url: str, token: str, sessions: int, doctors: int, rounds: int,
                pause: float, pids: list[int]) -> tuple[float, dict[str, list[float]], list[float]]:
    # Idle connections are dropped before uvicorn's 5 s keep-alive ends, so none is reused as it closes.
    limits = httpx.Limits(max_connections=sessions + doctors + 10, max_keepalive_connections=sessions + doctors + 10,
                          keepalive_expiry=2.0)
    legs: dict[str, list[float]] = {"patient → doctor": [], "doctor → patient": [], "round trip": []}
    # Patients' requests carry the REST channel's deployment token (docs/webchat.md).
    async with httpx.AsyncClient(base_url=patient_url, timeout=30, limits=limits,
                                 headers={"Authorization": f"Bearer {token}"}) as patients, \
            httpx.AsyncClient(base_url=doctor_url, timeout=30, limits=limits) as console:
        team = await signed_in(console, doctors)
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

            async def post(text: str) -> None:
                response = await patients.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
                response.raise_for_status()

            for r in range(rounds):
                text = f"第{r}轮 {uuid.uuid4().hex[:8]} 还是有点咳嗽"
                began, seen = await delivered(doctor, text, post, pause)
                await doctor.reply(cid, f"收到：{text}")
                done = time.perf_counter()
                if measure:
                    legs["patient → doctor"].append(seen - began)
                    legs["doctor → patient"].append(done - seen)
                    legs["round trip"].append(done - began)

        elapsed, cpu_used = await measured(sessions, session, pids)
        last = (await patients.get(f"/conversations/{senders[-1]}/tracker")).json()["events"]
        assert any((e.get("text") or "").startswith("收到：") for e in last if e["event"] == "bot"), \
            "the doctor's replies must be in the patient's conversation"
        for doctor in team:
            doctor.close()
    return elapsed, legs, cpu_used


def main() -> None:
    args = arguments(__doc__, sessions=50, doctors=10, rounds=20, pause=2.0,
                     pause_help="seconds between a session's rounds (0: flat out)")
    with two_workers(args, "live sessions", "rounds") as (token, (patient_url, doctor_url), pids):
        elapsed, legs, used = asyncio.run(drive(patient_url, doctor_url, token, args.sessions, args.doctors,
                                                args.rounds, args.pause, pids))
        for name, values in legs.items():
            report(name, elapsed, values)
        cpu_report("round", used, len(legs["round trip"]))


if __name__ == "__main__":
    main()
