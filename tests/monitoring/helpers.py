"""The patient's side of the monitoring tests (REST channel) and reading the series back."""
from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import httpx
from sqlalchemy import select

from bot.consultations import DepartmentAlert, consultations, topics
from bot.monitoring import Monitoring
from bot.monitoring.models import MonitoredPatient, ReadingRow
from bot.runtime import Runtime

WEBHOOK = "/webhooks/rest/webhook"


async def say(http: httpx.AsyncClient, sender: str, text: str) -> list[dict[str, Any]]:
    response = await http.post(WEBHOOK, json={"sender": sender, "message": text})
    assert response.status_code == 200, response.text
    return list(response.json())


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in replies)


def decision(replies: list[dict[str, Any]]) -> dict[str, Any] | None:
    found = [m["custom"]["triage"] for m in replies if (m.get("custom") or {}).get("triage")]
    assert len(found) <= 1
    return found[0] if found else None


async def patient_row(runtime: Runtime, conversation_id: str) -> MonitoredPatient | None:
    async with runtime.db.session() as session:
        return (await session.execute(select(MonitoredPatient).where(
            MonitoredPatient.conversation_id == conversation_id))).scalar_one_or_none()


async def enrolled(runtime: Runtime, conversation_id: str, slots: dict[str, Any] | None = None) -> None:
    """A patient already followed (as after a consult outcome), for the tests of what they type later;
    `slots={"subject": "parent"}`: the account holder's parent."""
    async with runtime.db.transaction() as session:
        await runtime.services.get(Monitoring).enrol(session, conversation_id, "rest", slots or {}, reason="consult")


async def series(runtime: Runtime, conversation_id: str) -> list[tuple[str, float, str]]:
    row = await patient_row(runtime, conversation_id)
    assert row is not None, "no monitoring row for the conversation"
    return [(r.measure, r.value, r.source) for r in await runtime.services.get(Monitoring).series(row.id)]


async def reading_rows(runtime: Runtime) -> list[ReadingRow]:
    async with runtime.db.session() as session:
        return list((await session.execute(select(ReadingRow))).scalars())


async def department_alerts(runtime: Runtime, work: Any, wait: float = 0.5) -> list[DepartmentAlert]:
    """The department alerts published while `work()` runs, on every department's topic."""
    codes = consultations(runtime).departments.codes()
    alerts: list[DepartmentAlert] = []
    async with AsyncExitStack() as stack:
        streams = [await stack.enter_async_context(runtime.pubsub.subscribe(topics.department(c))) for c in codes]
        await work()
        for stream in streams:
            while True:
                try:
                    message = await asyncio.wait_for(anext(stream), wait)
                except asyncio.TimeoutError:
                    break
                if isinstance(message, DepartmentAlert):
                    alerts.append(message)
    return alerts
