"""Redis outages: one line at start-up, 503 + Retry-After mid-run, quiet logs, and a job queue that recovers."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select

from bot.app import create_app
from bot.db import JobRow, utcnow
from bot.jobs import job
from bot.messages import UserMessage
from tests.conftest import free_port, write_config
from tests.faults.redis_server import OwnRedis

pytestmark = [pytest.mark.postgres]
PROBE = "faults_probe"
ran: list[int] = []


@dataclass(frozen=True)
class Probe:
    n: int


@job(PROBE)
async def _probe(payload: Probe) -> None:
    ran.append(payload.n)


@pytest.fixture
def own_redis(tmp_path: Path) -> AsyncIterator[OwnRedis]:
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    server.stop()


async def _until(predicate: Any, seconds: float) -> float:
    started = time.monotonic()
    while not await predicate():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"not within {seconds} s")
        await asyncio.sleep(0.1)
    return time.monotonic() - started


def test_start_up_with_redis_unreachable_says_so_in_one_line_and_exits_2(tmp_path: Path, closed_port: int) -> None:
    closed = closed_port
    env = {**os.environ, "REDIS_URL": f"redis://127.0.0.1:{closed}/0", "DATABASE_URL": f"sqlite:///{tmp_path}/w.db",
           "WENZHEN_CONFIG": str(write_config(tmp_path / "config.yml")), "WENZHEN_DATA_DIR": str(tmp_path),
           "WENZHEN_SECRET_KEY": "test-secret-key-" + "x" * 32}
    done = subprocess.run([sys.executable, "-m", "bot.cli", "serve", "--port", str(free_port())], check=False, env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "cannot reach Redis" in done.stderr and str(closed) in done.stderr


async def test_a_turn_committed_when_redis_fails_after_it_is_answered_not_failed(
        make_runtime: Any, postgres_url: str, redis_url: str) -> None:
    runtime = await make_runtime(database_url=postgres_url, redis_url=redis_url)

    async def gone(*_: Any, **__: Any) -> None:
        raise RedisConnectionError("Redis went away after the commit")

    runtime.store.cache.set = gone  # type: ignore[method-assign]
    replies = await runtime.engine.handle(UserMessage(channel="rest", sender="late", text="你好"))
    assert replies, "the patient gets the committed turn's answer"
    assert [e.data["text"] for e in await runtime.store.events("late") if e.type == "user"] == ["你好"]


async def test_a_turn_committed_when_the_release_with_its_snapshot_fails_is_answered_not_failed(
        make_runtime: Any, postgres_url: str, redis_url: str) -> None:
    """The new state snapshot goes with the lock's release (one script): Redis failing there after the
    commit leaves the lock to lapse and the snapshot behind, and the patient still gets the answer."""
    runtime = await make_runtime(database_url=postgres_url, redis_url=redis_url)
    assert (await runtime.engine.handle(UserMessage(channel="rest", sender="release", text="你好")))
    real_release = runtime.locks._release

    async def gone(*_: Any, **__: Any) -> None:
        raise RedisConnectionError("Redis went away after the commit")

    runtime.locks._release = gone
    replies = await runtime.engine.handle(UserMessage(channel="rest", sender="release", text="谢谢"))
    assert replies, "the patient gets the committed turn's answer"
    runtime.locks._release = real_release
    # The snapshot in Redis is one turn behind: the next turn collides on its seq, reloads and is stored.
    assert await runtime.engine.handle(UserMessage(channel="rest", sender="release", text="再见"))
    users = [e.data["text"] for e in await runtime.store.events("release") if e.type == "user"]
    assert users == ["你好", "谢谢", "再见"]


async def test_redis_restarted_empty_during_a_run(make_runtime: Any, postgres_url: str, own_redis: OwnRedis,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    runtime = await make_runtime(database_url=postgres_url, redis_url=own_redis.url,
                                 jobs={"poll_seconds": 0.2, "lease_seconds": 3})
    ran.clear()
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://wenzhen.test") as http:
        def say(text: str) -> Any:
            return http.post("/webhooks/rest/webhook", json={"sender": "outage", "message": text})
        assert (await say("你好")).status_code == 200
        await runtime.jobs.schedule(PROBE, Probe(1))
        await _until(lambda: _ran(1), 10)

        own_redis.stop()
        caplog.clear()
        caplog.set_level(logging.INFO)
        outage_started = time.monotonic()
        answers = []
        while time.monotonic() - outage_started < 4:
            answers.append(await say("还在吗"))
        await runtime.jobs.schedule(PROBE, Probe(2))  # due now, while the queue's Redis is away
        await asyncio.sleep(1)
        lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert answers and {r.status_code for r in answers} == {503}
        assert all(r.headers.get("retry-after") for r in answers)
        print(f"\nRedis down: {len(answers)} turns answered 503 + Retry-After; {len(lines)} log lines in "
              f"{time.monotonic() - outage_started:.1f} s")
        assert len(lines) <= 10, [r.getMessage() for r in lines]

        own_redis.start()  # empty: no stream, no group, no cached state, no lock keys
        back = time.monotonic()
        while (answer := await say("我回来了")).status_code != 200:
            assert time.monotonic() - back < 15, answer.text
            await asyncio.sleep(0.2)
        recovered = time.monotonic() - back
        job_wait = await _until(lambda: _ran(2), 20)
        # A job whose message went with the old Redis: `running` past its lease, so it runs again.
        async with runtime.db.transaction() as session:
            session.add(JobRow(kind=PROBE, payload={"n": 3}, due_at=utcnow(), status="running", attempts=0,
                               claimed_at=utcnow() - dt.timedelta(seconds=10)))
        stuck_wait = await _until(lambda: _ran(3), 20)
        print(f"after the restart: turns answered in {recovered:.1f} s, the queued job ran in {job_wait:.1f} s, "
              f"the stuck job in {stuck_wait:.1f} s")
        users = [e.data["text"] for e in await runtime.store.events("outage") if e.type == "user"]
        assert users == ["你好", "我回来了"]  # a 503 stored nothing; nothing stored was lost
        async with runtime.db.session() as session:
            statuses = set(await session.scalars(select(JobRow.status).where(JobRow.kind == PROBE)))
        assert statuses == {"done"}


def _ran(n: int) -> Any:
    async def check() -> bool:
        return n in ran

    return check()
