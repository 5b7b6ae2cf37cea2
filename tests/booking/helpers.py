"""Helpers for the booking tests: the patient's REST side, a bound card, running a due job."""
from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import httpx

from bot.db import JobRow
from bot.runtime import Runtime

ID_ADULT = "11010519491231002X"  # a valid GB 11643-1999 number (tests/wechat/test_cards.py)
WEBHOOK = "/webhooks/rest/webhook"


async def say(http: httpx.AsyncClient, sender: str, text: str) -> list[dict[str, Any]]:
    response = await http.post(WEBHOOK, json={"sender": sender, "message": text})
    assert response.status_code == 200, response.text
    return response.json()


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def buttons(replies: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [b for r in replies for b in r.get("buttons") or []]


async def bind_card(http: httpx.AsyncClient, sender: str, id_number: str = ID_ADULT, name: str = "张三丰") -> None:
    """Bind the patient's own card the way a patient does, by typing."""
    assert "隐私说明" in texts(await say(http, sender, "/bind_card"))
    assert "为谁绑定" in texts(await say(http, sender, "1"))
    assert "姓名" in texts(await say(http, sender, "1"))
    assert "身份证" in texts(await say(http, sender, name))
    assert "手机" in texts(await say(http, sender, id_number))
    assert "绑定成功" in texts(await say(http, sender, "13800138000"))


async def run_jobs_due(runtime: Runtime, at: dt.datetime, timeout: float = 30) -> list[JobRow]:
    """Claim the jobs due by `at` and wait until each has run."""
    from sqlalchemy import select

    claimed = await runtime.jobs.run_due(at)
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with runtime.db.session() as session:
            rows = list(await session.scalars(select(JobRow).where(JobRow.status == "running")))
        if not rows or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.05)
    async with runtime.db.session() as session:
        done = list(await session.scalars(select(JobRow).where(JobRow.status.in_(("done", "failed")))))
    assert claimed >= 1
    return done
