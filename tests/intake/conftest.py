"""Talking to the bot as a patient over the REST channel, and naming what it asked by response key.

One runtime (embedded SQLite, every plugin of config.yml) serves a whole test module: each test
talks as its own patient, so conversations never meet, and the suite stays fast.
"""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, AsyncIterator

import httpx
import pytest
import pytest_asyncio
import yaml

from sqlalchemy import select

from bot.app import create_app
from bot.config import PROJECT_ROOT, load_config
from bot.db import JobRow
from bot.runtime import Runtime
from tests.conftest import write_config
from tests.services import redis_prefix

WEBHOOK = "/webhooks/rest/webhook"
RESPONSE_FILES = sorted((PROJECT_ROOT / "flows" / "responses" / "zh").glob("*.yml"))


def _base_key(key: str) -> str:
    """`utter_ask_x_self` / `_adult` / `_child` / `_older` (worded for whom it is asked) is still `utter_ask_x`;
    a baby's own questions (`_infant`) keep their names."""
    for suffix in ("_self", "_adult", "_child", "_older"):
        key = key.removesuffix(suffix)
    return key


def _texts_to_keys() -> dict[str, str]:
    table: dict[str, str] = {}
    for path in RESPONSE_FILES:
        for key, variants in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            for variant in variants if isinstance(variants, list) else [variants]:
                text = variant.get("text") if isinstance(variant, dict) else variant
                # Templated texts ({slot}) cannot be matched literally; questions never are templated.
                if isinstance(text, str) and "{" not in text:
                    # A question worded for whom it is asked (round 4 of issue 10: `<key>_self`, `<key>_adult`)
                    # is still that question.
                    table.setdefault(text, _base_key(key))
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every async test of tests/intake runs on its module's event loop, the one its runtime lives on.

    A test left on a loop of its own (pytest-asyncio's default) talks to the runtime while the runtime's
    loop is parked, and the runtime's background writer (the jobs loop) is parked with it — possibly
    inside a write transaction, holding SQLite's file lock, which the test's writer then waits on for
    busy_timeout, turn after turn, until the turn answers 503 (docs/engine.md, session seven)."""
    here = Path(__file__).parent
    for item in items:
        if not item.path.is_relative_to(here) or not asyncio.iscoroutinefunction(getattr(item, "obj", None)):
            continue
        if "make_runtime" in getattr(item, "fixturenames", ()):
            continue  # a test that builds its own runtime (a restart) keeps it on its own loop, fixture and all
        marker = item.get_closest_marker("asyncio")
        if marker is None or not (marker.kwargs.get("loop_scope") or marker.kwargs.get("scope")):
            item.add_marker(pytest.mark.asyncio(loop_scope="module"), append=False)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def runtime(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Runtime]:
    tmp: Path = tmp_path_factory.mktemp("intake")
    config = write_config(tmp / "config.yml", redis={"prefix": redis_prefix()})
    env = {
        "DATABASE_URL": f"sqlite:///{tmp}/wenzhen.db",
        "WENZHEN_DATA_DIR": str(tmp / "data"),
        "WENZHEN_SECRET_KEY": "test-secret-key-" + "x" * 32,
    }
    started = Runtime(load_config(config, env=env))
    await started.start(upgrade=True)
    yield started
    await started.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://wenzhen.test") as http:
        yield http


@pytest.fixture
def patient(client: httpx.AsyncClient):
    """`patient("u1")`: a conversation with the bot as the patient u1."""

    def make(sender: str = "patient") -> Patient:
        return Patient(client, sender)

    return make


# A healthy 30-year-old man with a positive antigen test, 38.6 ℃ for two days, a cough, no red flags.
MILD_ADULT = (
    "/covid_positive",
    '/inform{"subject": "self", "antigen_result": "positive"}',
    '/inform{"symptoms.fever": true}',
    "38.6",
    '/inform{"duration_hours": 48}',
    '/inform{"fever_persists_despite_medication": false}',
    '/inform{"symptoms.dyspnea": false, "breathing_severity": "none"}',
    '/inform{"has_oximeter": false}',
    '/inform{"symptoms.chest_pain": false}',
    '/inform{"other_symptoms": "cough", "symptoms.cough": true}',
    "30",
    '/inform{"conditions_answer": "none"}',
    '/inform{"pregnant": false, "sex": "male"}',
)


async def agree_to_followup(p: Patient) -> None:
    """The mild adult's intake, ending with a yes to the daily check-ins."""
    await p.answers(*MILD_ADULT)
    assert p.asked[-1] == "utter_ask_followup"
    await p.say('/inform{"followup_consent": true}')


async def finished_jobs(runtime: Runtime, key_prefix: str) -> list[JobRow]:
    """Wait until no claimed check-in of the conversation is still running; its rows."""
    for _ in range(500):
        async with runtime.db.session() as session:
            rows = list(await session.scalars(select(JobRow).where(JobRow.key.startswith(key_prefix))))
        if not any(r.status == "running" for r in rows):
            return rows
        await asyncio.sleep(0.02)
    raise AssertionError("the check-in job never finished")


async def say_texts(client: httpx.AsyncClient, sender: str, *texts: str) -> tuple[str, list[dict], dict]:
    """Type each text in turn; the last replies joined, the replies, and the tracker after."""
    replies: list[dict] = []
    for text in texts:
        response = await client.post(WEBHOOK, json={"sender": sender, "message": text})
        assert response.status_code == 200, response.text
        replies = response.json()
    said = "\n".join(r.get("text", "") for r in replies)
    return said, replies, (await client.get(f"/conversations/{sender}/tracker")).json()
