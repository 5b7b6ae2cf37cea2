"""Handover notes (交班留言): the doctor ending a shift leaves a message about a patient; the next doctor who opens
the patient reads it; the read and the write are in the audit trail; the text is encrypted at rest."""
from __future__ import annotations

import httpx
from sqlalchemy import select

from bot.consultations.handover import HandoverNoteRow
from bot.runtime import Runtime
from tests.console.helpers import on_duty, say
from tests.console.test_console_api import queued, sign_in

NOTE = "3床张阿姨夜里血氧掉到93，已嘱吸氧，早上请复查血气"


async def test_a_handover_note_reaches_the_next_doctor_who_opens_the_patient(
        runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.night", ["general"], name="夜班王医生")
    await on_duty(runtime, "dr.day", ["general"], name="白班李医生")
    night = {"X-CSRF-Token": await sign_in(client, "dr.night")}
    day = {"X-CSRF-Token": await sign_in(other_client, "dr.day")}
    cid = await queued(client, "hand-1")
    assert (await client.post(f"/api/console/consultations/{cid}/accept", headers=night)).status_code == 200
    # Only a doctor who took part may leave one; an empty note is refused; no CSRF token, no note.
    assert (await other_client.post(f"/api/console/consultations/{cid}/handover", headers=day, json={"text": NOTE})).status_code == 403
    assert (await client.post(f"/api/console/consultations/{cid}/handover", headers=night, json={"text": ""})).status_code == 422
    assert (await client.post(f"/api/console/consultations/{cid}/handover", json={"text": NOTE})).status_code == 403
    written = await client.post(f"/api/console/consultations/{cid}/handover", headers=night, json={"text": NOTE})
    assert written.status_code == 201, written.text
    closed = await client.post(f"/api/console/consultations/{cid}/close", headers=night,
                               json={"summary": "夜间低氧", "advice": "吸氧"})
    assert closed.status_code == 200, closed.text

    # The patient asks for a doctor again in the morning: the day doctor opens the new consultation and reads it.
    await say(client, "hand-1", "/restart")
    second = await queued(client, "hand-1")
    assert second != cid
    seen = (await other_client.get(f"/api/console/consultations/{second}")).json()["handover"]
    assert [(n["by"], n["text"], n["consultation_id"], n["mine"]) for n in seen] == [("夜班王医生", NOTE, cid, False)]
    # The author sees it as his own; the first reader other than him is kept.
    mine = (await client.get(f"/api/console/consultations/{second}")).json()["handover"]
    assert mine[0]["mine"] is True and mine[0]["read"] is not None
    # Encrypted at rest; the write and both reads audited.
    async with runtime.db.session() as session:
        row = (await session.execute(select(HandoverNoteRow))).scalar_one()
    assert NOTE not in row.text_encrypted and "血氧" not in row.text_encrypted
    entries = [(e.action, e.object_id) for e in await runtime.audit.entries(subject=None)]
    assert ("consultation.handover", cid) in entries and ("record.open", second) in entries, entries


async def test_handover_notes_go_with_the_medical_record_when_its_retention_ends(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    import datetime as dt

    from bot.db import utcnow
    from bot.supervision.retention import RecordKeeper

    await on_duty(runtime, "dr.keep", ["general"], name="王医生")
    csrf = {"X-CSRF-Token": await sign_in(client, "dr.keep")}
    cid = await queued(client, "hand-old")
    assert (await client.post(f"/api/console/consultations/{cid}/accept", headers=csrf)).status_code == 200
    assert (await client.post(f"/api/console/consultations/{cid}/handover", headers=csrf, json={"text": NOTE})).status_code == 201
    assert (await client.post(f"/api/console/consultations/{cid}/close", headers=csrf, json={"summary": "好转"})).status_code == 200
    keeper = RecordKeeper(runtime.config, runtime.db, runtime.audit, runtime.cache)
    await keeper.sweep(now=utcnow() + dt.timedelta(days=4 * 365))  # a medical record: kept
    async with runtime.db.session() as session:
        assert len((await session.execute(select(HandoverNoteRow))).scalars().all()) == 1
    await keeper.sweep(now=utcnow() + dt.timedelta(days=16 * 365))  # past 15 years: removed with the record
    async with runtime.db.session() as session:
        assert (await session.execute(select(HandoverNoteRow))).scalars().all() == []
