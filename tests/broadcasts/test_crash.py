"""A worker killed in the middle of a campaign: another one finishes it, nobody gets a message twice, nobody is lost."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bot import broadcasts as bc
from bot.config import PROJECT_ROOT
from bot.db import utcnow
from bot.jobs import STALE_AFTER
from bot.messages import UserMessage
from integrations.wechat.channel import channel_for
from tests.broadcasts.conftest import FAST, run_until_finished
from tests.broadcasts.mass_wechat import MassWeChat


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "worker"],
        env={**os.environ, **env}, cwd=PROJECT_ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )


async def test_a_worker_killed_while_wechat_delivers_a_batch_leaves_no_duplicate_and_nothing_lost(
    make_runtime: Any, wechat_env: dict[str, str], wechat: MassWeChat, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path}/crash.db"
    runtime = await make_runtime(database_url=database, **FAST)
    await runtime.jobs.stop()  # this process only prepares; the worker process delivers
    openids = [f"crash{i}" for i in range(9)]  # three batches of three
    channel = channel_for(runtime)
    assert channel is not None
    for openid in openids:
        await runtime.engine.handle(UserMessage("wechat", openid, payload='/inform{"age": 70}'))
        await channel.contacts.interacted(openid)
    content = bc.Content(title="居家康复", text="转阴后循序渐进恢复活动。回复“退订”不再接收。")
    campaign_id = await bc.create_campaign(runtime, "居家康复", content, bc.Audience(), ["wechat_mass"], "admin:test")
    await bc.schedule_campaign(runtime, campaign_id)

    # WeChat delivers the second batch, then holds its answer: the worker dies waiting for it,
    # so the delivery happened but was never recorded.
    wechat.hold_mass_send = 2
    env = {
        **wechat_env,
        "WENZHEN_CONFIG": str(runtime.config.path),
        "DATABASE_URL": database,
        "WENZHEN_DATA_DIR": str(tmp_path / "data"),
        "WENZHEN_SECRET_KEY": runtime.config.secret_key,
    }
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        deadline = time.monotonic() + 120
        while wechat.mass_sends < 2:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the worker never reached the second batch"
            time.sleep(0.05)
        worker.kill()
        worker.wait(30)
    finally:
        if worker.poll() is None:
            worker.kill()
        wechat.release.set()

    interrupted = await bc.report(runtime, campaign_id)
    assert interrupted.counts["sent"] + interrupted.counts["sending"] + interrupted.counts["pending"] == 9
    assert interrupted.counts["sent"] < 9

    # Another worker: the dead one's claimed jobs are taken back once they are stale.
    await runtime.jobs.run_due(now=utcnow() + STALE_AFTER + dt.timedelta(minutes=1))
    runtime.jobs.start()
    report = await run_until_finished(runtime, campaign_id)

    assert report.counts["sent"] == 9 and report.total == 9
    assert {openid: len(wechat.inbox[openid]) for openid in openids} == {openid: 1 for openid in openids}
    refused = [b for b in wechat.received("/cgi-bin/message/mass/sendall", refused=True)]
    assert len(refused) > len(wechat.received("/cgi-bin/message/mass/sendall"))  # the repeat was refused (45065)
