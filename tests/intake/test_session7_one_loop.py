"""Session seven (sqlite7): a test of tests/intake runs on the event loop its runtime lives on.

No `pytestmark` here on purpose, as in most files of this directory: the directory's conftest puts
every async test on its module's loop. On a loop of its own, a test's turns wrote while the runtime's
loop — and its jobs loop, parked inside a write transaction — did not run: SQLite's file lock stayed
taken, each turn waited busy_timeout and the REST turn answered 503 "conversation busy".
"""
from __future__ import annotations

import asyncio

from bot.runtime import Runtime


async def test_a_test_runs_on_the_runtimes_loop(runtime: Runtime) -> None:
    jobs = runtime.jobs._task
    assert jobs is not None and not jobs.done()
    assert jobs.get_loop() is asyncio.get_running_loop()
