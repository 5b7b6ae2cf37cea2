"""The regulator's export: every consultation once, fields a supervision platform asks for, pages by
cursor that add up to the whole, a signed manifest that catches a changed file, and the CLI."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import httpx

from bot.config import PROJECT_ROOT
from bot.consultations import consultations
from bot.runtime import Runtime
from bot.supervision.export import Exporter, age_band, manifest_holds, public_key_hex
from bot.supervision.models import set_practising_id
from tests.supervision.helpers import consult, doctor_and_admin, sign_in

EXPORT = "/api/console/admin/export/consultations"


def _today_range() -> dict[str, str]:
    now = dt.datetime.now(dt.timezone.utc)
    return {"from": (now - dt.timedelta(hours=1)).isoformat(), "to": (now + dt.timedelta(hours=1)).isoformat()}


async def _three(runtime: Runtime, http: httpx.AsyncClient) -> list[str]:
    csrf = await doctor_and_admin(runtime, http)
    ids = [
        await consult(http, "e1", ["我65岁，发烧三天了，最高39度", "没有咳嗽"], csrf),
        await consult(http, "e2", ["孩子8岁，咳嗽两天"], csrf),
        await consult(http, "e3", ["嗓子疼"], csrf, close=False),
    ]
    return ids


async def _export(runtime: Runtime, **kwargs) -> tuple[bytes, Exporter]:
    now = dt.datetime.now(dt.timezone.utc)
    job = Exporter(runtime.config, runtime.db, now - dt.timedelta(hours=1), now + dt.timedelta(hours=1), **kwargs)
    data = b"".join([chunk async for chunk in job.chunks()])
    return data, job


async def test_every_consultation_once_with_the_supervision_fields(runtime: Runtime, client: httpx.AsyncClient) -> None:
    ids = await _three(runtime, client)
    doctor = (await runtime.audit.entries(actions=("event.handoff",)))[1].actor
    await set_practising_id(runtime.db, int(doctor.partition(":")[2]), "110110000012345")
    data, job = await _export(runtime)
    records = [json.loads(line) for line in data.decode().splitlines()]
    assert [r["consultation_id"] for r in records] == ids
    first = records[0]
    assert first["doctor"] == {"practising_id": "110110000012345", "name": "李医生", "title": "主治医师", "role": "doctor"}
    assert first["patient"]["age_band"] == "60-69" and "e1" not in first["patient"]["pseudonym"]
    assert first["department"]["code"] == "general" and first["institution"].keys() == {"code", "name"}
    assert first["created_at"] and first["accepted_at"] and first["closed_at"]
    assert first["triage"]["level"] == "selfcare" and "doctor.override" in first["triage"]["rules"]
    assert [i["code"] for i in first["intake"]["symptoms_present"]] == ["fever"]
    said = [line["text"] for line in first["conversation"] if line["from"] == "patient"]
    assert said[0] == "我65岁，发烧三天了，最高39度"
    assert any(line["text"] == "请多喝水，注意休息" for line in first["conversation"] if line["from"].startswith("doctor:"))
    assert first["closing"]["summary"] == "上呼吸道感染"
    assert first["prescriptions"] == [] and first["prescription_review"] is None
    assert first["fees"] == {"fee_fen": 0, "order_no": None, "paid_at": None}
    assert records[1]["patient"]["age_band"] == "0-9" and records[2]["closed_at"] is None
    # The same patient is the same pseudonym in every export; the second patient another.
    again = [json.loads(line) for line in (await _export(runtime))[0].decode().splitlines()]
    assert again[0]["patient"]["pseudonym"] == first["patient"]["pseudonym"] != records[1]["patient"]["pseudonym"]
    manifest = job.manifest(complete=True)
    assert manifest.records == len(records) == 3 and manifest.events >= sum(len(r["conversation"]) for r in records)
    assert manifest_holds(manifest.to_dict(), data, public_key_hex(runtime.config)) is None
    assert "sha256" in manifest_holds(manifest.to_dict(), data.replace(b"selfcare", b"urgent"), public_key_hex(runtime.config))
    forged = {**manifest.to_dict(), "records": 2}
    assert "signature" in manifest_holds(forged, data, public_key_hex(runtime.config))


async def test_a_second_consultation_of_one_patient_holds_only_its_own_part(runtime: Runtime, client: httpx.AsyncClient) -> None:
    csrf = await doctor_and_admin(runtime, client)
    await consult(client, "same", ["我发烧了"], csrf)
    await consult(client, "same", ["现在又开始咳嗽"], csrf)
    records = [json.loads(line) for line in (await _export(runtime))[0].decode().splitlines()]
    first, second = ([line["text"] for line in r["conversation"] if line["from"] == "patient"] for r in records)
    assert "我发烧了" in first and "现在又开始咳嗽" not in first
    assert "现在又开始咳嗽" in second and "我发烧了" not in second


async def test_csv_has_one_row_per_consultation(runtime: Runtime, client: httpx.AsyncClient) -> None:
    ids = await _three(runtime, client)
    rows = list(csv.DictReader(io.StringIO((await _export(runtime, format="csv"))[0].decode())))
    assert [r["consultation_id"] for r in rows] == ids
    assert json.loads(rows[0]["conversation"])[0]["from"] == "patient" and rows[0]["doctor_name"] == "李医生"


async def test_pages_by_cursor_add_up_to_the_whole_export(runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    await _three(runtime, client)
    whole, _ = await _export(runtime)
    await sign_in(other_client, "boss")
    pages, cursor = [], None
    while True:
        params = {**_today_range(), "limit": 2, **({"cursor": cursor} if cursor else {})}
        response = await other_client.get(EXPORT, params=params)
        assert response.status_code == 200
        manifest = (await other_client.get(EXPORT + "/manifest", params=params)).json()
        assert manifest_holds(manifest, response.content, public_key_hex(runtime.config)) is None
        pages.append(response.content)
        cursor = response.headers.get("x-export-next-cursor")
        if cursor is None:
            assert manifest["complete"] is True
            break
        assert manifest["complete"] is False and manifest["cursor_to"] == cursor
    assert len(pages) == 2 and b"".join(pages) == whole
    boss = await consultations(runtime).staff.by_username("boss")
    exports = await runtime.audit.entries(actions=("export.consultations",))
    assert [e.actor for e in exports] == [boss.actor] * 2


async def test_bad_ranges_and_cursors_are_a_422(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await doctor_and_admin(runtime, client)
    await sign_in(client, "boss")
    for params in ({"from": "2026-13-01", "to": "2026-12-01"}, {"from": "2026-12-02", "to": "2026-12-01"},
                   {"from": "2026-12-01", "to": "2026-12-31", "cursor": "not-a-cursor"}):
        assert (await client.get(EXPORT, params=params)).status_code == 422, params


def test_age_bands() -> None:
    assert [age_band(a) for a in (0.5, 8, 10, 65, 79.9, 80, 101, -1, "x", None)] == \
        ["<1", "0-9", "10-19", "60-69", "70-79", "80+", "80+", None, None, None]


async def test_the_cli_exports_resumes_and_verifies(runtime: Runtime, client: httpx.AsyncClient, tmp_path: Path) -> None:
    await _three(runtime, client)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT), "WENZHEN_CONFIG": str(runtime.config.path),
           "DATABASE_URL": runtime.config.database_url.replace("+aiosqlite", ""),
           "WENZHEN_SECRET_KEY": runtime.config.secret_key, "WENZHEN_DATA_DIR": str(runtime.config.data_dir)}
    span = _today_range()

    def wenzhen(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", *args], env=env, capture_output=True, text=True)

    out = tmp_path / "month.jsonl"
    done = wenzhen("export", "consultations", "--from", span["from"], "--to", span["to"], "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "3 consultations" in done.stdout
    whole = out.read_bytes()
    key = wenzhen("export", "public-key").stdout.strip()
    assert wenzhen("export", "verify", str(out), "--public-key", key).returncode == 0

    # An export interrupted after the first record: the checkpoint says where; --resume finishes it.
    first_line, one = await _export(runtime, limit=1)
    out.write_bytes(first_line + b'{"half a rec')
    out.with_name(out.name + ".checkpoint.json").write_text(json.dumps({
        "from": span["from"], "to": span["to"], "format": "jsonl", "cursor": one.last.encode(), "records": 1,
        "events": one.events, "bytes": len(first_line)}))
    resumed = wenzhen("export", "consultations", "--from", span["from"], "--to", span["to"], "-o", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert out.read_bytes() == whole
    assert json.loads(out.with_name(out.name + ".manifest.json").read_text())["records"] == 3
    assert wenzhen("export", "verify", str(out), "--public-key", key).returncode == 0
    out.write_bytes(whole.replace(b"selfcare", b"urgent"))
    assert wenzhen("export", "verify", str(out), "--public-key", key).returncode == 1
    assert wenzhen("export", "consultations", "--from", "x", "--to", "y", "-o", str(out)).returncode == 2
