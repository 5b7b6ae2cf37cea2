"""How many network round trips an ordinary turn costs on PostgreSQL + Redis, counted on the wire.

The runtime reaches PostgreSQL and Redis through counting TCP proxies: a round trip is a burst the
client sends after the server last spoke. Background work (the job poller, the task receiver) is
not started, so what is counted is the turn. This test counts; it never times.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

from bot.config import load_config
from bot.messages import UserMessage, conversation_id_for
from bot.runtime import Runtime
from tests.conftest import write_config
from tests.services import redis_prefix


@dataclass
class CountingProxy:
    """A TCP proxy in front of one service that counts request/response exchanges."""

    target_host: str
    target_port: int
    round_trips: int = 0
    server: asyncio.AbstractServer | None = None
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _serve(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(self.target_host, self.target_port)
        state = {"server_spoke": True}  # the first client burst on a connection counts

        async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, from_client: bool) -> None:
            try:
                while data := await reader.read(65536):
                    if from_client and state["server_spoke"]:
                        self.round_trips += 1
                    state["server_spoke"] = not from_client
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                writer.close()

        for task in (asyncio.create_task(pipe(client_r, server_w, True)), asyncio.create_task(pipe(server_r, client_w, False))):
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def stop(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.server is not None:
            self.server.close()


def through(url: str, port: int) -> str:
    parts = urlsplit(url)
    auth = parts.netloc.rsplit("@", 1)[0] + "@" if "@" in parts.netloc else ""
    return urlunsplit(parts._replace(netloc=f"{auth}127.0.0.1:{port}"))


@pytest.fixture
async def counted(tmp_path: Any, postgres_url: str, redis_url: str) -> Any:
    pg, rd = urlsplit(postgres_url), urlsplit(redis_url)
    pg_proxy = CountingProxy(pg.hostname or "127.0.0.1", pg.port or 5432)
    redis_proxy = CountingProxy(rd.hostname or "127.0.0.1", rd.port or 6379)
    env = {
        "DATABASE_URL": through(postgres_url, await pg_proxy.start()),
        "REDIS_URL": through(redis_url, await redis_proxy.start()),
        "WENZHEN_SECRET_KEY": "test-secret-key-" + "x" * 32,
        "WENZHEN_DATA_DIR": str(tmp_path / "data"),
    }
    runtime = Runtime(load_config(write_config(tmp_path / "config.yml", redis={"prefix": redis_prefix()}), env=env))
    await runtime.start(run_jobs=False, upgrade=True)
    try:
        yield runtime, pg_proxy, redis_proxy
    finally:
        await runtime.stop()
        await pg_proxy.stop()
        await redis_proxy.stop()


async def turn_cost(runtime: Runtime, pg: CountingProxy, redis: CountingProxy, sender: str, text: str) -> tuple[int, int, list[Any]]:
    await asyncio.sleep(0.05)  # let the previous turn's last packets through before the count starts
    pg_before, redis_before = pg.round_trips, redis.round_trips
    replies = await runtime.engine.handle(UserMessage(channel="rest", sender=sender, text=text))
    await asyncio.sleep(0.05)
    return pg.round_trips - pg_before, redis.round_trips - redis_before, replies


async def test_an_ordinary_turn_of_a_running_conversation_costs_few_round_trips(counted: Any) -> None:
    runtime, pg, redis = counted
    # The conversation starts, and the statements and scripts an ordinary turn uses get prepared.
    for text in ("你好", "怎么用", "谢谢"):
        await turn_cost(runtime, pg, redis, "rt-1", text)
    pg_trips, redis_trips, replies = await turn_cost(runtime, pg, redis, "rt-1", "谢谢")
    assert replies and replies[0].text  # a real answer, from the cached state, its turn written to PostgreSQL
    events = await runtime.engine.events(conversation_id_for("rest", "rt-1"))
    assert [e.data.get("text") for e in events if e.type == "user"] == ["你好", "怎么用", "谢谢", "谢谢"]
    print(f"ordinary turn: {pg_trips} PostgreSQL + {redis_trips} Redis round trips")
    # PostgreSQL: the turn's events, their chained audit entries and the fence check in one statement
    # (wenzhen_append_turn), without BEGIN/COMMIT or a pool ping.
    assert pg_trips == 1
    # Redis: the lock taken with the cached snapshot read in the same script, and the new snapshot
    # written with the release (bot/locks.py). No lease check before the commit: a holder that takes a
    # lock over fences the conversation in PostgreSQL first, and the statement compares tokens.
    assert redis_trips == 2
    assert pg_trips + redis_trips <= 3
    # The audit chain vouches for every event of the turn, and the fence moved to this turn's lease.
    verification = await runtime.audit.verify()
    assert verification.ok and verification.events == len(events)


async def test_a_rest_webhook_turn_wakes_the_senders_streams_in_the_same_round_trips(counted: Any) -> None:
    """Over HTTP the REST webhook also wakes the sender's open streams (a Redis PUBLISH). It goes with
    the lock's release script, so a webhook turn costs what `Engine.handle` costs: 1 + 2 round trips,
    and a subscriber of the sender's topic still receives the wake-up."""
    import httpx

    from bot.app import create_app
    from integrations.web.push import ConversationAppended, topic
    from integrations.web.rest_auth import RestAuth

    runtime, pg, redis = counted
    token = RestAuth(runtime.config).deployment_token
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://wenzhen",
                                 headers={"Authorization": f"Bearer {token}"}) as client:

        async def post(text: str) -> tuple[int, int, Any]:
            await asyncio.sleep(0.05)
            pg_before, redis_before = pg.round_trips, redis.round_trips
            response = await client.post("/webhooks/rest/webhook", json={"sender": "rt-web", "message": text})
            await asyncio.sleep(0.05)
            assert response.status_code == 200
            return pg.round_trips - pg_before, redis.round_trips - redis_before, response.json()

        for text in ("你好", "怎么用", "谢谢"):
            await post(text)
        # The cheapest of three turns: the lock's heartbeat thread (its own Redis connection, opened on
        # its first beat) renews a lease when a turn lasts past a third of it, and would be counted too.
        costs = [await post(text) for text in ("谢谢", "好的", "谢谢")]
        pg_trips, redis_trips = min(c[0] for c in costs), min(c[1] for c in costs)
        replies = costs[0][2]
        # A subscriber of the sender's topic (an open stream; its own connection's reads would be
        # counted too, so it listens to the next turn) is woken.
        async with runtime.pubsub.subscribe(topic("rt-web")) as messages:
            woken = asyncio.create_task(anext(messages))
            await asyncio.sleep(0.2)  # subscribed before the turn
            await post("再见")
            assert await asyncio.wait_for(woken, 5) == ConversationAppended("rt-web")
    assert replies and replies[0]["recipient_id"] == "rt-web" and replies[0]["text"]
    print(f"webhook turn: {pg_trips} PostgreSQL + {redis_trips} Redis round trips")
    assert pg_trips == 1 and redis_trips == 2
