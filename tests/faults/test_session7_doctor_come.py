"""Session seven (fix11c): "医生来了吗" from a waiting patient is answered from the queue (place and wait), typed over REST."""
from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.app import create_app
from bot.runtime import Runtime
from integrations.web.rest_auth import RestAuth
from tests.console.helpers import on_duty, say, texts


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    headers = {"Authorization": f"Bearer {RestAuth(runtime.config).deployment_token}"}
    async with httpx.AsyncClient(transport=transport, base_url="https://wenzhen.test", headers=headers) as http:
        yield http


async def test_asking_whether_the_doctor_has_come_gets_the_queue_state(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"])
    await say(client, "ahead", "/request_doctor")
    await say(client, "asking", "转人工")
    for question in ("医生来了吗", "医生呢？", "医生回复了吗"):
        replies = await say(client, "asking", question)
        answer = texts(replies)
        assert "第 2 位" in answer and "分钟" in answer, (question, answer)
