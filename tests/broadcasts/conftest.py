"""Fixtures: the local WeChat with mass send, runtimes whose WeChat channel talks to it, and known patients."""
from __future__ import annotations

import asyncio
import json
from typing import Any, Awaitable, Callable, Iterator

import pytest

from bot import broadcasts as bc
from bot.messages import UserMessage
from bot.runtime import Runtime
from integrations.wechat.channel import channel_for
from tests.broadcasts.mass_wechat import MassWeChat

APP_ID = "wx0123456789abcdef"
SECRET = "wechat-test-secret"

# Small batches, fast polling and short in-job retries, so a campaign runs in a moment.
FAST = {
    "jobs": {"poll_seconds": 0.05},
    "broadcasts": {
        "batch_size": 3,
        "retry_delays": [0.01, 0.01],
        "rate_limits": {},
        "monthly_limits": {"wechat_mass": 4},
    },
}


@pytest.fixture
def wechat() -> Iterator[MassWeChat]:
    with MassWeChat(APP_ID, SECRET) as server:
        yield server


@pytest.fixture
def wechat_env(wechat: MassWeChat, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = {
        "WENZHEN_WECHAT_TOKEN": "wenzhen_test_token",
        "WENZHEN_WECHAT_APPID": APP_ID,
        "WENZHEN_WECHAT_SECRET": SECRET,
        "WENZHEN_WECHAT_API_BASE": wechat.base_url,
        "WENZHEN_WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
async def wechat_runtime(make_runtime: Any, wechat_env: dict[str, str]) -> Runtime:
    """A started runtime (SQLite, in-process jobs) whose WeChat channel talks to the local WeChat.

    FAST's sections are merged key by key into config.yml's, so the audiences stay as configured.
    """
    return await make_runtime(**FAST)


Patient = Callable[..., Awaitable[str]]


@pytest.fixture
def patient(wechat_runtime: Runtime) -> Patient:
    """A WeChat follower the bot knows: `await patient(openid, age=70, conditions={...})` → the openid."""

    async def make(openid: str, in_window: bool = True, **slots: Any) -> str:
        payload = "/inform" + (json.dumps(slots, ensure_ascii=False) if slots else "")
        await wechat_runtime.engine.handle(UserMessage("wechat", openid, payload=payload))
        channel = channel_for(wechat_runtime)
        assert channel is not None
        if in_window:
            await channel.contacts.interacted(openid)
        else:
            await channel.contacts.set_subscribed(openid, True)
        return openid

    return make


async def run_until_finished(runtime: Runtime, campaign_id: int, timeout: float = 60) -> bc.Report:
    """Wait while the runtime's own job poller delivers the campaign."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (await bc.get_campaign(runtime, campaign_id)).status in ("draft", "scheduled", "running"):
        if loop.time() > deadline:
            raise AssertionError(f"campaign {campaign_id} did not finish: {await bc.report(runtime, campaign_id)}")
        await asyncio.sleep(0.05)
    return await bc.report(runtime, campaign_id)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30) -> None:
    """Wait until `check()` holds (the job poller works in the background)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)
