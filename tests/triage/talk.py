"""A patient talking to the engine through the REST channel, as the round-4 and round-5 class tests
drive it: what was asked (the question the tracker waits for), the first triage level and rules, the
replies' texts and the slots after each message."""
from __future__ import annotations

import asyncio
from typing import Any

import httpx

# A turn answered 503 "conversation busy" (Retry-After) stored nothing: a client sends it again, as the REST
# contract says. On a loaded machine the embedded SQLite writer can stay taken past a turn's retries.
BUSY_RETRIES = 5


class Talk:
    def __init__(self, client: httpx.AsyncClient, sender: str) -> None:
        self.client = client
        self.sender = sender
        self.asked: list[str] = []
        self.texts: list[str] = []
        self.level: str | None = None
        self.rules: list[str] = []
        self.slots: dict[str, Any] = {}

    async def say(self, text: str) -> list[dict[str, Any]]:
        for attempt in range(BUSY_RETRIES + 1):
            response = await self.client.post("/webhooks/rest/webhook", json={"sender": self.sender, "message": text})
            if response.status_code != 503 or attempt == BUSY_RETRIES:
                break
            await asyncio.sleep(0.5)
        assert response.status_code == 200, (response.status_code, response.text)
        reply = response.json()
        for message in reply:
            self.texts.append(str(message.get("text") or ""))
            triage = (message.get("custom") or {}).get("triage")
            if triage and self.level is None:
                self.level, self.rules = triage["level"], list(triage.get("rules") or ())
        tracker = (await self.client.get(f"/conversations/{self.sender}/tracker")).json()
        waiting = tracker["stack"][-1]["waiting_for"] if tracker.get("stack") else None
        if waiting:
            self.asked.append(waiting)
        self.slots = tracker.get("slots") or {}
        return reply

    @property
    def waiting(self) -> str | None:
        return self.asked[-1] if self.asked else None

    async def until(self, answers: dict[str, str], default: str = "没有") -> None:
        """Answer each question from `answers` (else `default`) until a decision or no question."""
        for _ in range(20):
            if self.level is not None or not self.asked:
                return
            await self.say(answers.get(self.asked[-1], default))
