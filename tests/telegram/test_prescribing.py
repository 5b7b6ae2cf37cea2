"""The compact prescribing path on Telegram: /rx in the session, the same checks as the console (warnings
signed with /rx!, blocks refused), then the pharmacist as always."""
from __future__ import annotations

import asyncio
from typing import Any

from bot.prescriptions.service import Prescriptions
from tests.telegram.test_doctors import DOCTOR_CHAT, bot_api, hospital  # noqa: F401 (the fixtures: a fresh fake Bot API per test)


async def test_a_doctor_prescribes_in_the_session_with_rx(hospital: Any) -> None:  # noqa: F811
    wang = await hospital.doctor("wang", "王医生")
    await hospital.link(wang, DOCTOR_CHAT)
    await hospital.patient_says("p-rx", "我72岁，有高血压")
    await hospital.patient_says("p-rx", "/request_doctor")
    button = await hospital.accept_button(DOCTOR_CHAT)
    await hospital.tap(DOCTOR_CHAT, button["data"])

    async def doctor(text: str) -> str:
        await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, text))
        return str(hospital.api.texts_to(DOCTOR_CHAT)[-1])

    assert "/rx 诊断" in await doctor("/rx 原发性高血压")
    assert "不在线上处方目录" in await doctor("/rx 原发性高血压；不存在的药 1 qd 7")
    assert "第二类精神药品" in await doctor("/rx 失眠；地西泮片 1 qn 3")
    warned = await doctor("/rx 原发性高血压；氨氯地平 1 qd 28")
    assert "老年患者慎用" in warned and "/rx!" in warned
    service = hospital.runtime.services.get(Prescriptions)
    assert await service.for_conversation("p-rx") == []
    signed = await doctor("/rx! 原发性高血压；氨氯地平 1 qd 28")
    assert "已提交药师审核" in signed and "苯磺酸氨氯地平片" in signed
    [p] = await service.for_conversation("p-rx")
    assert p.status == "pending_review" and p.doctor_id == wang.id and p.patient.age_years == 72
    assert [x.code for x in p.lines] == ["amlodipine_tab_5"]


async def test_a_rejected_prescription_reaches_its_doctor_on_telegram_once(hospital: Any) -> None:  # noqa: F811
    from bot.consultations import consultations

    wang = await hospital.doctor("wang", "王医生")
    await hospital.link(wang, DOCTOR_CHAT)
    await hospital.patient_says("p-rej", "我72岁，有高血压")
    await hospital.patient_says("p-rej", "/request_doctor")
    button = await hospital.accept_button(DOCTOR_CHAT)
    await hospital.tap(DOCTOR_CHAT, button["data"])
    await hospital.wait(lambda api: any("/close" in t for t in api.texts_to(DOCTOR_CHAT)))  # the session help
    await hospital.webhook.post(hospital.updates.message(DOCTOR_CHAT, "/rx! 原发性高血压；氨氯地平 1 qd 28"))
    await hospital.wait(lambda api: any("已提交药师审核" in t for t in api.texts_to(DOCTOR_CHAT)))
    service = hospital.runtime.services.get(Prescriptions)
    [p] = await service.for_conversation("p-rej")
    pharmacist = await consultations(hospital.runtime).staff.add("ph.zhao", "correct-horse-battery", display_name="赵药师",
                                                                 role="pharmacist", title="主管药师", departments=[])
    await service.review(pharmacist, p.id, approve=False, reason="老年患者首次建议从半片起始")
    told = await hospital.wait(lambda api: [t for t in api.texts_to(DOCTOR_CHAT) if "未通过药师审核" in t])
    assert p.id in told[0] and "苯磺酸氨氯地平片" in told[0] and "赵药师 主管药师：老年患者首次建议从半片起始" in told[0]
    assert "修改后重新提交" in told[0]
    # The doctor's staff topic (a session is open) carries it for the console too: still told once.
    await asyncio.sleep(0.5)
    assert len([t for t in hospital.api.texts_to(DOCTOR_CHAT) if "未通过药师审核" in t]) == 1
