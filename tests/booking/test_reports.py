"""Report lookup by card, typed Chinese through the real NLU and engine (REST): plain Chinese, values
outside the reference range marked ↑/↓, never a diagnosis; reports uploaded by staff (CLI)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import httpx
from click.testing import CliRunner
from sqlalchemy import text

from bot.cli import main as cli
from bot.hospital import HospitalSystem, Observation
from bot.hospital.embedded import EmbeddedHospital
from bot.runtime import Runtime
from tests.booking.helpers import ID_ADULT, bind_card, buttons, say, texts

SAMPLE = Path(__file__).resolve().parents[2] / "content" / "hospital" / "sample_report.yml"
CHINA = dt.timezone(dt.timedelta(hours=8))
DIAGNOSES = ("肺炎", "贫血", "感染", "确诊", "诊断为", "患有")


async def test_a_report_with_abnormal_values_is_shown_marked_and_not_interpreted(runtime: Runtime, client: httpx.AsyncClient) -> None:
    hospital = runtime.services.get(HospitalSystem)
    assert isinstance(hospital, EmbeddedHospital)
    await hospital.add_report(ID_ADULT, "血常规", dt.datetime(2026, 12, 5, 10, 30, tzinfo=CHINA), [
        Observation("白细胞计数", 12.6, "×10^9/L", 3.5, 9.5),
        Observation("血红蛋白", 102, "g/L", 115, 150),
        Observation("血小板计数", 210, "×10^9/L", 125, 350),
    ], uploaded_by="lab")
    await hospital.add_report(ID_ADULT, "新型冠状病毒核酸检测", dt.datetime(2026, 12, 6, 9, 0, tzinfo=CHINA), [
        Observation("新型冠状病毒ORF1ab基因", None, text="阴性", reference_text="阴性"),
        Observation("新型冠状病毒N基因", None, text="阴性", reference_text="阴性"),
    ], uploaded_by="lab")
    await bind_card(client, "p_report")

    replies = await say(client, "p_report", "查报告")
    said = texts(replies)
    assert "【血常规】2026年12月5日 10:30 出具" in said
    assert "白细胞计数：12.6 ×10^9/L ↑（参考范围 3.5–9.5）" in said
    assert "血红蛋白：102 g/L ↓（参考范围 115–150）" in said
    assert "血小板计数：210 ×10^9/L（参考范围 125–350）" in said
    assert "不是诊断" in said and not any(word in said for word in DIAGNOSES), said
    assert {"/request_doctor", "/call_120"} <= {b["payload"] for b in buttons(replies)}

    nucleic = texts(await say(client, "p_report", "查一下我的核酸报告"))
    assert "新型冠状病毒ORF1ab基因：阴性（参考范围 阴性）" in nucleic and "血常规" not in nucleic
    assert "都在参考范围内" in nucleic and "↑" not in nucleic

    # The report is stored encrypted: no result in clear in the database.
    async with runtime.db.session() as session:
        stored = " ".join(r[0] for r in (await session.execute(text("select body_encrypted from hospital_reports"))).all())
    assert "12.6" not in stored and "阴性" not in stored and ID_ADULT not in stored


async def test_another_card_sees_no_report(runtime: Runtime, client: httpx.AsyncClient) -> None:
    hospital = runtime.services.get(HospitalSystem)
    await hospital.add_report(ID_ADULT, "血常规", dt.datetime(2026, 12, 5, 10, 30, tzinfo=CHINA),  # type: ignore[attr-defined]
                              [Observation("白细胞计数", 12.6, "×10^9/L", 3.5, 9.5)])
    await bind_card(client, "p_other", id_number="110105194912310046", name="李四")
    said = texts(await say(client, "p_other", "查报告"))
    assert "没有查到报告" in said and "白细胞" not in said


def test_staff_upload_a_report_from_a_file(tmp_path: Path) -> None:
    from tests.conftest import write_config

    config = write_config(tmp_path / "config.yml")
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/w.db", "WENZHEN_DATA_DIR": str(tmp_path / "data"),
           "WENZHEN_SECRET_KEY": "test-secret-key-" + "x" * 32}
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(config), "hospital", "report-add", str(SAMPLE), "--by", "lab"], env=env)
    assert result.exit_code == 0, result.output
    assert "stored (4 results)" in result.output
    import sqlite3

    with sqlite3.connect(tmp_path / "w.db") as db:
        audited = db.execute("select actor, action, object_type from audit_log where action like 'hospital.%'").fetchall()
    assert audited == [("staff:lab", "hospital.report_add", "hospital_report")]
    bad = tmp_path / "bad.yml"
    bad.write_text("id_number: '123'\ntitle: x\nobservations: [{name: a, value: 1}]\n", encoding="utf-8")
    refused = runner.invoke(cli, ["--config", str(config), "hospital", "report-add", str(bad), "--by", "lab"], env=env)
    assert refused.exit_code == 2 and "not a valid resident ID number" in refused.output
