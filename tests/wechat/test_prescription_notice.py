"""An approved prescription reaches a WeChat patient whose 48-hour window has closed as its template message;
while the window is open it goes as a customer-service message with the items and the two buttons."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import update

from bot.consultations import consultations
from bot.prescriptions.checks import Line, PatientFacts
from bot.prescriptions.service import Prescriptions
from integrations.wechat.contacts import WeChatContact
from tests.wechat.test_outbound import open_conversation


async def approved(setup: Any, conversation_id: str) -> str:
    staff = consultations(setup.runtime).staff
    doctor = await staff.add("dr.li", "correct horse battery", display_name="李明", departments=["general"])
    pharmacist = await staff.add("ph.wang", "correct horse battery", display_name="王芳", role="pharmacist")
    service = setup.runtime.services.get(Prescriptions)
    # Signed as the console signs (prescribe() adds only the consultation checks in front of this).
    p = await service._sign(doctor, conversation_id, "general", [Line("amlodipine_tab_5", 1, "qd", 28)],
                            "原发性高血压", PatientFacts(age_years=60), acknowledged=True)
    await service.review(pharmacist, p.id, approve=True)
    return p.id


async def test_after_48_hours_the_approval_goes_as_its_template_message(make_wechat: Any) -> None:
    setup = await make_wechat("safe", templates={"prescription_approved": "TPL_RX_OK"})
    await open_conversation(setup, "o_rx")
    async with setup.runtime.db.transaction() as session:
        await session.execute(update(WeChatContact).where(WeChatContact.openid == "o_rx").values(
            last_inbound_at=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=49)))
    rx_id = await approved(setup, "wechat:o_rx")
    [template] = setup.api.received("/cgi-bin/message/template/send")
    assert template["template_id"] == "TPL_RX_OK" and template["touser"] == "o_rx"
    assert template["data"]["character_string3"] == {"value": rx_id}
    assert template["data"]["amount2"] == {"value": "¥4.20"}


async def test_within_the_window_the_patient_reads_the_items_and_chooses(make_wechat: Any) -> None:
    setup = await make_wechat("safe", templates={"prescription_approved": "TPL_RX_OK"})
    await open_conversation(setup, "o_rx2")
    await approved(setup, "wechat:o_rx2")
    sent = "\n".join(m["text"]["content"] for m in setup.api.customer_messages("o_rx2"))
    assert "已由药师审核通过" in sent and "苯磺酸氨氯地平片" in sent and "送药到家" in sent and "到院自取" in sent
    assert setup.api.received("/cgi-bin/message/template/send") == []
