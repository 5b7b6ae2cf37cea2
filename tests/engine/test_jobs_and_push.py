"""Durable jobs (schedule, claim once, retry, cancel, survive restarts) and pushing into a conversation."""
from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import events as ev
from bot.config import Config
from bot.db import JobRow
from bot.engine import UnknownConversation
from bot.jobs import job
from bot.messages import BotMessage, UserMessage
from tests.engine.test_flows import FLOW_CONFIG

@dataclass(frozen=True)
class Record:
    n: int = 0


@dataclass(frozen=True)
class Flaky:
    name: str
    fail_times: int


RUNS: list[tuple[str, Record]] = []
FAILS: dict[str, int] = {}


@job("test_record")
async def record_job(payload: Record, config: Config) -> None:
    RUNS.append((config.database_url, payload))


@job("test_flaky")
async def flaky_job(payload: Flaky) -> None:
    FAILS[payload.name] = FAILS.get(payload.name, 0) + 1
    if FAILS[payload.name] <= payload.fail_times:
        raise ConnectionError("the service is down")


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


async def status_of(runtime, job_id: int, wanted: set[str], timeout: float = 60) -> JobRow:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with runtime.db.session() as session:
            row = await session.get(JobRow, job_id)
        if row.status in wanted or asyncio.get_running_loop().time() > deadline:
            return row
        await asyncio.sleep(0.02)


@pytest.fixture(autouse=True)
def clear_runs() -> None:
    RUNS.clear()
    FAILS.clear()


async def test_a_due_job_runs_once(make_runtime) -> None:
    rt = await make_runtime(jobs={"poll_seconds": 60}, **FLOW_CONFIG)
    job_id = await rt.jobs.schedule("test_record", Record(1), now() - dt.timedelta(seconds=1))
    assert await rt.jobs.run_due() == 1
    assert (await status_of(rt, job_id, {"done"})).status == "done"
    assert await rt.jobs.run_due() == 0
    assert [p for _, p in RUNS] == [Record(1)]


async def test_a_job_in_the_future_waits(make_runtime) -> None:
    rt = await make_runtime(jobs={"poll_seconds": 60}, **FLOW_CONFIG)
    await rt.jobs.schedule("test_record", Record(2), now() + dt.timedelta(hours=1))
    assert await rt.jobs.run_due() == 0
    assert await rt.jobs.run_due(now() + dt.timedelta(hours=2)) == 1


async def test_the_same_key_is_scheduled_once_and_cancel_takes_a_prefix(make_runtime) -> None:
    rt = await make_runtime(jobs={"poll_seconds": 60}, **FLOW_CONFIG)
    later = now() + dt.timedelta(days=1)
    assert await rt.jobs.schedule("test_record", Record(), later, key="followup:c1:1") is not None
    assert await rt.jobs.schedule("test_record", Record(), later, key="followup:c1:1") is None
    await rt.jobs.schedule("test_record", Record(), later, key="followup:c1:2")
    await rt.jobs.schedule("test_record", Record(), later, key="followup:c2:1")
    assert await rt.jobs.cancel("followup:c1:") == 2
    assert [j.key for j in await rt.jobs.pending("followup:")] == ["followup:c2:1"]


async def test_a_failing_job_is_retried_with_backoff_and_then_succeeds(make_runtime) -> None:
    rt = await make_runtime(jobs={"poll_seconds": 60}, **FLOW_CONFIG)
    job_id = await rt.jobs.schedule("test_flaky", Flaky("a", 1))
    await rt.jobs.run_due()
    row = await status_of(rt, job_id, {"pending", "failed"})
    assert row.status == "pending" and row.attempts == 1 and "ConnectionError" in row.last_error
    assert row.due_at.replace(tzinfo=dt.timezone.utc) > now()
    await rt.jobs.run_due(now() + dt.timedelta(hours=2))
    assert (await status_of(rt, job_id, {"done"})).status == "done"


async def test_a_job_that_keeps_failing_is_marked_failed_not_lost(make_runtime) -> None:
    rt = await make_runtime(jobs={"poll_seconds": 60}, **FLOW_CONFIG)
    job_id = await rt.jobs.schedule("test_flaky", Flaky("b", 99))
    for hour in range(6):
        await rt.jobs.run_due(now() + dt.timedelta(hours=2 * hour))
        await status_of(rt, job_id, {"pending", "failed"})
    row = await status_of(rt, job_id, {"failed"})
    assert row.status == "failed" and row.attempts == 5


async def test_scheduling_an_unknown_kind_is_refused(make_runtime) -> None:
    rt = await make_runtime(**FLOW_CONFIG)
    with pytest.raises(ValueError, match="no handler"):
        await rt.jobs.schedule("nope", Record())
    with pytest.raises(TypeError, match="Record payload"):
        await rt.jobs.schedule("test_record", {"n": 1})  # a payload is its dataclass, never a dict


async def test_scheduled_jobs_survive_a_restart(make_runtime, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/jobs.db"
    first = await make_runtime(database_url=url, jobs={"poll_seconds": 60}, **FLOW_CONFIG)
    await first.jobs.schedule("test_record", Record(3), now() + dt.timedelta(minutes=5))
    await first.stop()
    second = await make_runtime(database_url=url, jobs={"poll_seconds": 60}, **FLOW_CONFIG)
    assert await second.jobs.run_due(now() + dt.timedelta(minutes=6)) == 1
    for _ in range(100):
        if RUNS:
            break
        await asyncio.sleep(0.02)
    assert [p for _, p in RUNS] == [Record(3)]  # the typed payload, back through the codec


async def test_the_poller_runs_due_jobs_by_itself(make_runtime) -> None:
    rt = await make_runtime(jobs={"poll_seconds": 0.05}, **FLOW_CONFIG)
    job_id = await rt.jobs.schedule("test_record", Record(4))
    assert (await status_of(rt, job_id, {"done"})).status == "done"


@pytest.mark.postgres
@pytest.mark.redis
async def test_two_workers_on_postgres_and_redis_run_each_job_exactly_once(make_runtime, postgres_url, redis_url) -> None:
    shared = {"redis": {"prefix": "wzt-jobs-" + postgres_url.rsplit("/", 1)[1] + ":"}, "jobs": {"poll_seconds": 0.05}}
    a = await make_runtime(database_url=postgres_url, redis_url=redis_url, **shared, **FLOW_CONFIG)
    b = await make_runtime(database_url=postgres_url, redis_url=redis_url, **shared, **FLOW_CONFIG)
    ids = [await a.jobs.schedule("test_record", Record(i)) for i in range(20)]
    for job_id in ids:
        assert (await status_of(b, job_id, {"done"}, timeout=20)).status == "done"
    assert sorted(p.n for _, p in RUNS) == list(range(20))
    async with a.db.session() as session:
        assert set(await session.scalars(select(JobRow.status))) == {"done"}


class RecordingOutput:
    def __init__(self) -> None:
        self.sent: list[tuple[str, list[BotMessage]]] = []

    async def send(self, recipient_id: str, messages: list[BotMessage]) -> None:
        self.sent.append((recipient_id, messages))


async def test_push_stores_and_delivers_through_the_patients_channel(make_runtime) -> None:
    rt = await make_runtime(**FLOW_CONFIG)
    output = RecordingOutput()
    rt.register_output("wechat", output)
    await rt.engine.handle(UserMessage(channel="wechat", sender="o1", text="/caller"))
    await rt.engine.push("wechat:o1", [BotMessage(text="我是李医生，您好")], actor="doctor:7")
    assert output.sent == [("o1", [BotMessage(text="我是李医生，您好")])]
    last = (await rt.engine.events("wechat:o1"))[-1]
    assert last.type == ev.BOT and last.actor == "doctor:7" and last.data["text"] == "我是李医生，您好"


async def test_record_appends_an_event_that_the_state_reflects(make_runtime) -> None:
    rt = await make_runtime(**FLOW_CONFIG)
    await rt.engine.handle(UserMessage(channel="rest", sender="r1", text="/caller"))
    await rt.engine.record("r1", ev.HANDOFF, {"status": "waiting", "consultation_id": "c9"}, actor="system")
    assert (await rt.engine.state("r1")).handoff == {"status": "waiting", "consultation_id": "c9"}


async def test_trigger_runs_a_payload_as_a_system_turn_and_delivers_it(make_runtime) -> None:
    rt = await make_runtime(**FLOW_CONFIG)
    output = RecordingOutput()
    rt.register_output("telegram", output)
    await rt.engine.handle(UserMessage(channel="telegram", sender="42", text="/caller"))
    replies = await rt.engine.trigger("telegram:42", "/caller")
    assert [r.text for r in replies] == ["子流程", "回到调用方"]
    assert output.sent == [("42", replies)]
    user_events = [e for e in await rt.engine.events("telegram:42") if e.type == ev.USER]
    assert user_events[-1].actor == "system"


async def test_push_record_and_trigger_refuse_an_unknown_conversation(make_runtime) -> None:
    rt = await make_runtime(**FLOW_CONFIG)
    with pytest.raises(UnknownConversation):
        await rt.engine.push("nobody", [BotMessage(text="hi")], actor="doctor:1")
    with pytest.raises(UnknownConversation):
        await rt.engine.record("nobody", ev.HANDOFF, {"status": "waiting"}, actor="system")
    with pytest.raises(UnknownConversation):
        await rt.engine.trigger("nobody", "/caller")


async def test_a_due_time_in_another_time_zone_means_the_same_instant(make_runtime) -> None:
    rt = await make_runtime(jobs={"poll_seconds": 60}, **FLOW_CONFIG)
    shanghai = dt.timezone(dt.timedelta(hours=8))
    due = (now() + dt.timedelta(minutes=30)).astimezone(shanghai)
    await rt.jobs.schedule("test_record", Record(5), due)
    assert await rt.jobs.run_due(now() + dt.timedelta(minutes=29)) == 0
    assert await rt.jobs.run_due(now() + dt.timedelta(minutes=31)) == 1


async def test_a_failed_start_stops_what_it_had_started(tmp_path: Path) -> None:
    from bot.config import load_config
    from bot.runtime import Runtime
    from tests.conftest import write_config

    config = write_config(tmp_path / "c.yml", **{**FLOW_CONFIG, "plugins": FLOW_CONFIG["plugins"] + ["tests.engine.failing_start_plugin"]})
    rt = Runtime(load_config(config, env={"DATABASE_URL": f"sqlite:///{tmp_path}/f.db", "WENZHEN_DATA_DIR": str(tmp_path)}))
    with pytest.raises(ConnectionRefusedError):
        await rt.start()
    assert rt.started is False and rt.jobs._task is None
