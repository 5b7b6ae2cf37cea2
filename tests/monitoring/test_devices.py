"""POST /api/readings: a per-device token, the documented payload, idempotent by the device's reading id, 4xx on bad input."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from bot.cli import main as wenzhen
from bot.monitoring import Monitoring
from bot.runtime import Runtime
from tests.monitoring.helpers import department_alerts, patient_row, reading_rows, say, series


async def device_token(runtime: Runtime, client: httpx.AsyncClient, sender: str) -> tuple[int, str]:
    await say(client, sender, "血氧97")  # the patient exists in monitoring from their first reading
    row = await patient_row(runtime, sender)
    assert row is not None
    device, token = await runtime.services.get(Monitoring).add_device(row.id, "指夹血氧仪")
    return row.id, token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_device_posts_readings_once_even_when_it_retries(runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, token = await device_token(runtime, client, "m-dev")
    body = {"readings": [
        {"id": "ox-1", "measure": "spo2", "value": 96, "unit": "%", "taken_at": "2026-12-07T08:01:00+08:00"},
        {"id": "ox-2", "measure": "heart_rate", "value": 88, "taken_at": "2026-12-07T08:01:00+08:00"},
    ]}
    first = await client.post("/api/readings", json=body, headers=bearer(token))
    assert first.status_code == 200, first.text
    assert first.json()["accepted"] == 2 and first.json()["duplicates"] == 0
    again = await client.post("/api/readings", json=body, headers=bearer(token))
    assert again.status_code == 200 and again.json() == {**again.json(), "accepted": 0, "duplicates": 2}
    assert sorted(await series(runtime, "m-dev")) == [("heart_rate", 88.0, "device"), ("spo2", 96.0, "device"),
                                                      ("spo2", 97.0, "typed")]


async def test_a_device_reading_past_a_threshold_alerts_the_doctors_and_tells_the_patient(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    _, token = await device_token(runtime, client, "m-dev92")
    answers: list[httpx.Response] = []

    async def work() -> None:
        answers.append(await client.post("/api/readings", json={"readings": [{"id": "a", "measure": "spo2", "value": 91}]},
                                         headers=bearer(token)))

    alerts = await department_alerts(runtime, work)
    assert answers[0].status_code == 200 and answers[0].json()["level"] == "emergency"
    assert [a.alert.level for a in alerts] == ["emergency"] and alerts[0].conversation_id == "m-dev92"
    tracker = (await client.get("/conversations/m-dev92/tracker")).json()
    assert any("120" in (e.get("text") or "") for e in tracker["events"][-3:] if e["event"] == "bot")


@pytest.mark.parametrize(("body", "status"), [
    ({"readings": [{"id": "x", "measure": "spo2", "value": 140}]}, 422),
    ({"readings": [{"id": "x", "measure": "weight", "value": 60}]}, 422),
    ({"readings": [{"id": "x", "measure": "spo2", "value": 95, "unit": "mmHg"}]}, 422),
    ({"readings": [{"id": "x", "measure": "spo2", "value": "high"}]}, 422),
    ({"readings": [{"id": "x", "measure": "spo2", "value": 95, "taken_at": "2026-12-07T08:00:00"}]}, 422),
    ({"readings": [{"id": "x", "measure": "spo2", "value": 95, "taken_at": "2099-01-01T00:00:00+08:00"}]}, 422),
    ({"readings": []}, 422),
    ({"readings": [{"measure": "spo2", "value": 95}]}, 422),
    ({"spo2": 95}, 422),
    ("not json", 422),
])
async def test_bad_input_is_a_4xx_and_nothing_is_stored(runtime: Runtime, client: httpx.AsyncClient, body: object, status: int) -> None:
    _, token = await device_token(runtime, client, "m-bad")
    before = len(await reading_rows(runtime))
    kwargs = {"content": body} if isinstance(body, str) else {"json": body}
    answer = await client.post("/api/readings", headers=bearer(token), **kwargs)
    assert answer.status_code == status, answer.text
    assert len(await reading_rows(runtime)) == before


async def test_without_a_valid_token_it_is_401(runtime: Runtime, client: httpx.AsyncClient) -> None:
    body = {"readings": [{"id": "x", "measure": "spo2", "value": 95}]}
    for headers in ({}, bearer("wzd_nope"), {"Authorization": "Basic abc"}, bearer("x" * 5000)):
        answer = await client.post("/api/readings", json=body, headers=headers)
        assert answer.status_code == 401


def test_the_cli_creates_lists_and_revokes_device_tokens(tmp_path: Path) -> None:
    import asyncio

    from tests.conftest import write_config

    config = write_config(tmp_path / "c.yml")
    env = {"WENZHEN_CONFIG": str(config), "DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
           "WENZHEN_SECRET_KEY": "test-secret-key-" + "x" * 32, "WENZHEN_DATA_DIR": str(tmp_path / "data")}
    runner = CliRunner()
    assert runner.invoke(wenzhen, ["--config", str(config), "monitoring", "device", "add", "1"], env=env).exit_code == 2

    async def a_patient() -> None:
        from bot.db import Database, utcnow
        from bot.monitoring.models import MonitoredPatient
        from bot.config import load_config
        db = Database(load_config(config, env=env).database_url)
        await db.upgrade()
        async with db.transaction() as session:
            session.add(MonitoredPatient(patient_key="member:c1:self", conversation_id="c1", channel="rest", department="general", enrolled=True,
                                         reason="doctor", schedule={}, thresholds={}, latest={}, recent={}, flags={},
                                         level="", created_at=utcnow()))
        await db.close()

    asyncio.run(a_patient())
    made = runner.invoke(wenzhen, ["--config", str(config), "monitoring", "device", "add", "1", "--name", "血压计"], env=env)
    assert made.exit_code == 0, made.output
    device_id, token = made.output.split()[1], made.output.split()[2]
    assert token.startswith("wzd_")
    listed = runner.invoke(wenzhen, ["--config", str(config), "monitoring", "device", "list"], env=env)
    assert f"{device_id}\t1\t血压计\tactive" in listed.output
    revoked = runner.invoke(wenzhen, ["--config", str(config), "monitoring", "device", "revoke", device_id], env=env)
    assert revoked.exit_code == 0
    assert "revoked" in runner.invoke(wenzhen, ["--config", str(config), "monitoring", "device", "list"], env=env).output
