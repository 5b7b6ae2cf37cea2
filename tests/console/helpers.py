"""Helpers for the consultation tests: staff on duty round the clock, and the patient's REST side."""
from __future__ import annotations

from typing import Any

import httpx

from bot.consultations import Staff, consultations
from bot.runtime import Runtime

PASSWORD = "correct horse battery"


async def on_duty(runtime: Runtime, username: str, departments: list[str], *, role: str = "doctor",
                  name: str = "李医生", title: str = "主治医师", rostered: bool = True) -> Staff:
    """A staff member of `departments`, rostered every day, all day."""
    service = consultations(runtime)
    staff = await service.staff.add(username, PASSWORD, display_name=name, role=role, title=title,
                                    departments=departments)
    if rostered:
        for department in departments:
            for weekday in range(7):
                await service.roster.add_shift(staff.id, department, weekday, 0, 24 * 60)
    return staff


async def say(http: httpx.AsyncClient, sender: str, text: str) -> list[dict[str, Any]]:
    response = await http.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
    assert response.status_code == 200, response.text
    return response.json()


async def tracker(http: httpx.AsyncClient, sender: str) -> dict[str, Any]:
    response = await http.get(f"/conversations/{sender}/tracker")
    assert response.status_code == 200, response.text
    return response.json()


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)
