"""Benchmark: live-session relay through Telegram, patient → doctor's Telegram chat → back.

One embedded runtime (SQLite, in-process pub/sub) with the real python-telegram-bot pointed at
the local fake Bot API of the tests. N doctors each accept one patient from Telegram; then each
round: the patient posts a message on the REST channel → the bot sends it to the doctor's chat
(the moment the fake Bot API receives that sendMessage) → the doctor's reply arrives as a webhook
update → it is in the patient's conversation when the webhook returns. Prints p50/p99 per leg.
Run: `.venv/bin/python bench/telegram_relay.py --sessions 20 --rounds 10`.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import write_config  # noqa: E402
from tests.telegram.fake_bot_api import TOKEN, ApiCall, FakeBotApi, Updates  # noqa: E402

PASSWORD = "bench password 123"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def main(sessions: int, rounds: int) -> None:
    api = FakeBotApi().start()
    os.environ.update(WENZHEN_TELEGRAM_TOKEN=TOKEN, WENZHEN_TELEGRAM_API_BASE=api.base_url)
    from bot.app import create_app
    from bot.config import load_config
    from bot.consultations import consultations
    from bot.runtime import Runtime
    from bot.staff_links import issue_link_code
    from integrations.telegram import channel_for

    tmp = Path(tempfile.mkdtemp(prefix="wz-tg-bench-"))
    config = write_config(tmp / "config.yml", telegram={"mode": "webhook"})
    runtime = Runtime(load_config(config, env={"DATABASE_URL": f"sqlite:///{tmp}/bench.db",
                                               "WENZHEN_DATA_DIR": str(tmp / "data"),
                                               "WENZHEN_SECRET_KEY": "bench-" + "k" * 40}))
    await runtime.start(upgrade=True)
    channel = channel_for(runtime)
    assert channel is not None
    updates = Updates(api)
    headers = {"X-Telegram-Bot-Api-Secret-Token": channel.settings.webhook_header_secret}
    path = channel.settings.webhook_path
    service = consultations(runtime)
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
            chats: list[int] = []
            for n in range(sessions):
                staff = await service.staff.add(f"bench{n}", PASSWORD, display_name=f"医生{n}", departments=["general"])
                for weekday in range(7):
                    await service.roster.add_shift(staff.id, "general", weekday, 0, 1440)
                chat = 50_000 + n
                code = await issue_link_code(runtime, staff.id)
                await http.post(path, json=updates.message(chat, f"/link {code.code}"), headers=headers)
                await http.post("/webhooks/rest/webhook", json={"sender": f"bench-p{n}", "message": "转人工"})
                tracker = (await http.get(f"/conversations/bench-p{n}/tracker")).json()
                await http.post(path, json=updates.callback(chat, f"accept:{tracker['handoff']['consultation_id']}"),
                                headers=headers)
                chats.append(chat)

            async def relayed(chat: int, marker: str) -> ApiCall:
                # The latency is the fake server's receipt time; this loop only notices it.
                while True:
                    found = next((c for c in api.sent_to(chat) if marker in (c.params.get("text") or "")), None)
                    if found is not None:
                        return found
                    await asyncio.sleep(0.001)

            to_doctor: list[float] = []
            to_patient: list[float] = []

            async def session(n: int) -> None:
                chat = chats[n]
                for r in range(rounds):
                    marker = f"第{r}轮-{n}：还在发烧"
                    started = time.perf_counter()
                    await http.post("/webhooks/rest/webhook", json={"sender": f"bench-p{n}", "message": marker})
                    call = await relayed(chat, marker)
                    to_doctor.append(call.received_at - started)
                    started = time.perf_counter()
                    response = await http.post(path, json=updates.message(chat, f"收到{r}"), headers=headers)
                    assert response.status_code == 200
                    to_patient.append(time.perf_counter() - started)

            started = time.perf_counter()
            await asyncio.gather(*(session(n) for n in range(sessions)))
            elapsed = time.perf_counter() - started
    finally:
        await runtime.stop()
        api.stop()
    print(f"{sessions} live sessions × {rounds} rounds in {elapsed:.1f} s (embedded SQLite, one process)")
    for name, values in (("patient → doctor's Telegram chat", to_doctor), ("doctor's Telegram reply → patient", to_patient)):
        ms = [v * 1000 for v in values]
        print(f"  {name:36s} p50 {percentile(ms, 0.5):7.1f} ms   p99 {percentile(ms, 0.99):7.1f} ms   "
              f"mean {statistics.mean(ms):7.1f} ms   n={len(ms)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    asyncio.run(main(args.sessions, args.rounds))
