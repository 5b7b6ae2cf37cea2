"""Logs: a whole consultation (REST → queue → console → close) with a known fake name, ID number and phone,
and what the patient said, leaves none of them in the log output at INFO or above."""
from __future__ import annotations

import logging

import httpx
import pytest

from bot.runtime import Runtime
from tests.console.helpers import say
from tests.supervision.helpers import consult, doctor_and_admin
from tests.wechat.test_cards import ID_ADULT

NAME = "欧阳娜娜"
PHONE = "13912345678"
COMPLAINT = "我昨天晚上开始胸口闷得慌还咳黄痰"


async def test_an_end_to_end_consultation_logs_nothing_identifying(
        runtime: Runtime, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    csrf = await doctor_and_admin(runtime, client)
    for line in ("/bind_card", "1", "1", NAME, ID_ADULT, PHONE):
        await say(client, "log-patient", line)
    cid = await consult(client, "log-patient", [COMPLAINT, "体温38度7"], csrf, close=False)
    opened = (await client.get(f"/api/console/consultations/{cid}")).json()
    assert opened["intake"]["card"]["name"] == NAME  # the premise: the data went all the way through
    await say(client, "log-patient", f"我叫{NAME}，电话{PHONE}，身份证{ID_ADULT}")
    await client.post(f"/api/console/consultations/{cid}/close", headers={"X-CSRF-Token": csrf},
                      json={"summary": "急性支气管炎", "advice": "多喝水"})
    await say(client, "log-patient", "谁看过我的记录")
    logging.getLogger("wenzhen.test").warning("a probe: %s", "13800001111 and 110105194912310021")

    output = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "a probe" in output and "13800001111" not in output and "110105194912310021" not in output
    for secret in (NAME, PHONE, ID_ADULT, COMPLAINT, "胸口闷"):
        assert secret not in output, f"{secret!r} reached the log"


def test_redaction_keeps_arguments_for_formatters_that_unpack_them() -> None:
    from bot.supervision.log_redaction import install, redact

    install()
    record = logging.getLogger("uvicorn.access").makeRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1", "GET", "/conversations/13912345678/tracker", "1.1", 200), None)
    assert record.args[2] == "/conversations/[phone]/tracker" and record.args[4] == 200
    assert redact("身份证110105194912310021，手机+86 13912345678") == "身份证[id-number]，手机[phone]"
    assert redact("订单WZ20261206ABCDE 共 12345678901234567890 条") == "订单WZ20261206ABCDE 共 12345678901234567890 条"
