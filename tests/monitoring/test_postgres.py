"""The same paths on PostgreSQL (JSONB columns, the unique device-reading constraint, big ids): typed readings,
a device retrying, the doctor's page."""
from __future__ import annotations

import httpx
import pytest

from bot.app import create_app
from bot.monitoring import Monitoring
from integrations.web.rest_auth import RestAuth
from tests.conftest import RuntimeFactory
from tests.console.helpers import PASSWORD, on_duty
from tests.monitoring.conftest import NO_QUIET_HOURS
from tests.monitoring.helpers import enrolled, patient_row, say, series, texts

pytestmark = [pytest.mark.postgres]


async def test_readings_devices_and_the_page_on_postgres(make_runtime: RuntimeFactory, postgres_url: str) -> None:
    runtime = await make_runtime(database_url=postgres_url, rest={"auth": "token"}, monitoring=NO_QUIET_HOURS)
    headers = {"Authorization": f"Bearer {RestAuth(runtime.config).deployment_token}"}
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    async with httpx.AsyncClient(transport=transport, base_url="https://wenzhen.test", headers=headers) as http:
        await enrolled(runtime, "pg-patient")
        for text in ("血氧97", "血氧96", "血压一百五九十五"):
            assert "已记录" in texts(await say(http, "pg-patient", text))
        replies = await say(http, "pg-patient", "血氧九十五")
        assert "连续三次变差" in texts(replies)
        row = await patient_row(runtime, "pg-patient")
        assert row is not None and row.flags["trend"]["values"] == [97, 96, 95]

        _, token = await runtime.services.get(Monitoring).add_device(row.id, "指夹血氧仪")
        body = {"readings": [{"id": "pg-1", "measure": "spo2", "value": 94}, {"id": "pg-1", "measure": "spo2", "value": 94}]}
        first = await http.post("/api/readings", json=body, headers={"Authorization": f"Bearer {token}"})
        assert first.status_code == 200 and (first.json()["accepted"], first.json()["duplicates"]) == (1, 1)
        again = await http.post("/api/readings", json=body, headers={"Authorization": f"Bearer {token}"})
        assert again.status_code == 200 and (again.json()["accepted"], again.json()["duplicates"]) == (0, 2)
        assert [v for m, v, s in await series(runtime, "pg-patient") if s == "device"] == [94.0]

        await on_duty(runtime, "dr.pg", [row.department])
        signed = await http.post("/api/console/session", json={"username": "dr.pg", "password": PASSWORD})
        assert signed.status_code == 200
        page = await http.get(f"/console/monitoring/patients/{row.id}")
        assert page.status_code == 200 and 'class="threshold-line" data-side="low" data-value="93"' in page.text
        assert (await http.get(f"/api/console/monitoring/patients/{10**30}")).status_code == 404
        changed = await http.put(f"/api/console/monitoring/patients/{row.id}/thresholds",
                                 json={"measure": "spo2", "side": "low", "value": 88},
                                 headers={"X-CSRF-Token": signed.json()["csrf_token"]})
        assert changed.status_code == 200 and changed.json()["thresholds"] == {"spo2": {"low": 88.0}}


async def test_someone_elses_reading_leaves_the_speakers_slots_on_postgres(
        make_runtime: RuntimeFactory, postgres_url: str, redis_url: str) -> None:
    """The slots put back come from the stored events: on PostgreSQL with the Redis cache too."""
    runtime = await make_runtime(database_url=postgres_url, redis_url=redis_url, rest={"auth": "token"},
                                 monitoring=NO_QUIET_HOURS)
    headers = {"Authorization": f"Bearer {RestAuth(runtime.config).deployment_token}"}
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    async with httpx.AsyncClient(transport=transport, base_url="https://wenzhen.test", headers=headers) as http:
        await say(http, "pg-dau", "我52岁，有高血压，这两天头晕")
        await say(http, "pg-dau", "血氧95")
        replies = await say(http, "pg-dau", "我爸血氧92")
        assert texts(replies).startswith("⚠️ 您爸的血氧饱和度 92%"), texts(replies)
        state = (await http.get("/conversations/pg-dau/tracker")).json()
        assert state["slots"]["spo2"] == 95.0 and state.get("latest_triage") is None
