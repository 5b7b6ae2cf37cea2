"""Talking to the bot as a patient over the REST channel, and naming what it asked by response key."""
from __future__ import annotations

from typing import Any

import httpx
import pytest
import yaml

from bot.config import PROJECT_ROOT

WEBHOOK = "/webhooks/rest/webhook"
RESPONSE_FILES = sorted((PROJECT_ROOT / "flows" / "responses" / "zh").glob("*.yml"))


def _texts_to_keys() -> dict[str, str]:
    table: dict[str, str] = {}
    for path in RESPONSE_FILES:
        for key, variants in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            for variant in variants if isinstance(variants, list) else [variants]:
                text = variant.get("text") if isinstance(variant, dict) else variant
                # Templated texts ({slot}) cannot be matched literally; questions never are templated.
                if isinstance(text, str) and "{" not in text:
                    table.setdefault(text, key)
    return table


TEXT_KEYS = _texts_to_keys()


class Patient:
    """One conversation over POST /webhooks/rest/webhook."""

    def __init__(self, client: httpx.AsyncClient, sender: str) -> None:
        self.client = client
        self.sender = sender
        self.replies: list[dict[str, Any]] = []

    async def say(self, message: str) -> list[dict[str, Any]]:
        response = await self.client.post(WEBHOOK, json={"sender": self.sender, "message": message})
        assert response.status_code == 200, response.text
        self.replies = response.json()
        return self.replies

    async def answers(self, *messages: str) -> list[dict[str, Any]]:
        """Say each message in turn; the replies to the last one."""
        for message in messages:
            await self.say(message)
        return self.replies

    @property
    def asked(self) -> list[str]:
        """The response keys of the last replies (texts that are not plain responses are left out)."""
        return [TEXT_KEYS[m["text"]] for m in self.replies if m.get("text") in TEXT_KEYS]

    @property
    def texts(self) -> str:
        return "\n".join(m.get("text") or "" for m in self.replies)

    @property
    def decision(self) -> dict[str, Any] | None:
        found = [m["custom"]["triage"] for m in self.replies if (m.get("custom") or {}).get("triage")]
        assert len(found) <= 1, "a turn carries at most one triage decision"
        return found[0] if found else None

    @property
    def last_payloads(self) -> list[str]:
        return [b["payload"] for b in self.replies[-1].get("buttons", [])] if self.replies else []

    async def tracker(self) -> dict[str, Any]:
        response = await self.client.get(f"/conversations/{self.sender}/tracker")
        assert response.status_code == 200, response.text
        return response.json()

    async def slots(self) -> dict[str, Any]:
        return (await self.tracker())["slots"]


@pytest.fixture
def patient(client: httpx.AsyncClient):
    """`patient("u1")`: a conversation with the bot as the patient u1."""

    def make(sender: str = "patient") -> Patient:
        return Patient(client, sender)

    return make
