"""Two workers sharing PostgreSQL and Redis, both running the Telegram channel: every worker hears every
pub/sub message, yet each doctor is notified once and each patient message is relayed once."""
from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from bot.app import create_app
from bot.consultations import ChatLine, consultations
from bot.staff_links import issue_link_code
from integrations.telegram import channel_for
from tests.services import redis_prefix
from tests.telegram.conftest import webhook_for
from tests.telegram.fake_bot_api import FakeBotApi

DOCTOR_CHAT = 7101

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def bot_api():
    api = FakeBotApi().start()
    yield api
    api.stop()


class Spy:
    """Counts what one worker's listener finished handling, so the test knows both workers are done."""

    def __init__(self, desk: Any, name: str) -> None:
        self.seen: list[tuple[Any, ...]] = []  # the arguments of each finished call
        original = getattr(desk, name)

        async def spied(*args: Any) -> None:
            try:
                await original(*args)
            finally:
                self.seen.append(args)

        setattr(desk, name, spied)


async def test_notifications_and_relays_go_out_once_with_two_workers(
    telegram_env, make_runtime, postgres_url, redis_url, bot_api, updates
):
    shared = {"telegram": {"mode": "webhook"}, "redis": {"prefix": redis_prefix()}}
    worker_a = await make_runtime(database_url=postgres_url, redis_url=redis_url, **shared)
    worker_b = await make_runtime(database_url=postgres_url, redis_url=redis_url, **shared)
    desks = [channel_for(w).doctors for w in (worker_a, worker_b)]
    queue_spies = [Spy(d.queue, "_on_queue_change") for d in desks]
    relay_spies = [Spy(d.relay, "_relay") for d in desks]

    service = consultations(worker_a)
    wang = await service.staff.add("wang", "correct-horse-battery", display_name="王医生", departments=["general"])
    for weekday in range(7):
        await service.roster.add_shift(wang.id, "general", weekday, 0, 1440)
    hook_a, hook_b = webhook_for(worker_a), webhook_for(worker_b)
    rest_a = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(runtime=worker_a)), base_url="http://a")
    async with hook_a.http, hook_b.http, rest_a:
        code = await issue_link_code(worker_b, wang.id)
        await hook_b.post(updates.message(DOCTOR_CHAT, f"/link {code.code}"))

        # The patient asks on worker A; both workers hear the queue change and race to notify.
        await rest_a.post("/webhooks/rest/webhook", json={"sender": "mw1", "message": "转人工"})
        await asyncio.to_thread(bot_api.wait_for, lambda api: all(
            any(change == "requested" for change, _ in s.seen) for s in queue_spies))
        notices = [c for c in bot_api.sent_to(DOCTOR_CHAT) if c.params.get("reply_markup")]
        assert len(notices) == 1
        accept = notices[0].params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]

        # The doctor accepts on worker B; then both workers listen to the doctor's topic.
        await hook_b.post(updates.callback(DOCTOR_CHAT, accept))
        for desk in desks:
            await desk.refresh()

        for i in range(5):
            await rest_a.post("/webhooks/rest/webhook", json={"sender": "mw1", "message": f"第{i}条：还是咳嗽"})
        await asyncio.to_thread(bot_api.wait_for, lambda api: all(
            sum(1 for *_, m in s.seen if isinstance(m, ChatLine) and "第4条" in m.text) for s in relay_spies))
        relayed = [t for t in bot_api.texts_to(DOCTOR_CHAT) if "还是咳嗽" in t]
        assert [t.split("：", 1)[1] for t in relayed] == [f"第{i}条：还是咳嗽" for i in range(5)]

        # The doctor answers on worker A: the patient's conversation gets it once.
        await hook_a.post(updates.message(DOCTOR_CHAT, "多喝水"))
        tracker = (await rest_a.get("/conversations/mw1/tracker")).json()
        assert [e["text"] for e in tracker["events"] if e["event"] == "bot" and e.get("text") == "多喝水"] == ["多喝水"]
