"""console8 (a newcomer doctor's trial): the automatic 已接诊 line is a system notice, not a line the doctor typed; after a
transfer the doctor who had the patient is told on their stream, and reading or acting on the patient afterwards answers
in words ("该患者已转给张医生…"), never a bare 403. Through the console API, the patient typing over REST."""
from __future__ import annotations

import asyncio
from typing import Any

import httpx

from bot.consultations import ConsultationChanged, topics
from bot.runtime import Runtime
from tests.console.helpers import on_duty, say
from tests.console.test_console_api import queued, sign_in


async def test_the_accepted_notice_is_a_system_line_and_the_doctors_own_words_are_theirs(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    li = await on_duty(runtime, "dr.wang", ["general"], name="王芳")
    await say(client, "cough-kid", "我家孩子咳嗽三天了")
    cid = await queued(client, "cough-kid")
    csrf = await sign_in(client, "dr.wang")
    headers = {"X-CSRF-Token": csrf}
    assert (await client.post(f"/api/console/consultations/{cid}/accept", headers=headers)).status_code == 200
    assert (await client.post(f"/api/console/consultations/{cid}/messages", headers=headers,
                              json={"text": "您好，我是王医生，孩子现在精神怎么样？"})).status_code == 200
    lines = (await client.get(f"/api/console/consultations/{cid}")).json()["messages"]
    accepted = [line for line in lines if "已接诊" in line["text"]]
    assert accepted, lines
    assert all(line["from"] == "system" and line.get("notice") for line in accepted), accepted
    typed = [line for line in lines if "精神怎么样" in line["text"]]
    assert typed and typed[0]["from"] == li.actor and not typed[0].get("notice"), typed


class Changes:
    """The `ConsultationChanged` notices of a subscription, read in the background."""

    def __init__(self, stream: Any) -> None:
        self.found: list[ConsultationChanged] = []
        self.task = asyncio.create_task(self._pump(stream))

    async def _pump(self, stream: Any) -> None:
        async for message in stream:
            if isinstance(message, ConsultationChanged):
                self.found.append(message)

    async def wait_for(self, change: str) -> ConsultationChanged:
        for _ in range(40):
            found = [m for m in self.found if m.change == change]
            if found:
                return found[-1]
            await asyncio.sleep(0.1)
        raise AssertionError(f"no {change} notice: {self.found}")


async def test_after_a_transfer_the_old_doctor_is_told_and_later_actions_say_so_in_words(
        runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    wang = await on_duty(runtime, "dr.wang", ["general"], name="王芳")
    zhang = await on_duty(runtime, "dr.zhang", ["pediatrics"], name="张强")
    await say(client, "fever-girl", "我女儿发烧两天了")
    cid = await queued(client, "fever-girl")
    csrf = await sign_in(client, "dr.wang")
    headers = {"X-CSRF-Token": csrf}
    assert (await client.post(f"/api/console/consultations/{cid}/accept", headers=headers)).status_code == 200
    async with runtime.pubsub.subscribe(topics.staff(wang.id)) as stream:
        changes = Changes(stream)
        moved = await client.post(f"/api/console/consultations/{cid}/transfer", headers=headers,
                                  json={"doctor_id": zhang.id, "note": "儿科看一下"})
        assert moved.status_code == 200, moved.text
        told = await changes.wait_for("transferred")
        changes.task.cancel()
    assert told.consultation.id == cid and wang.id not in told.consultation.participants
    assert told.consultation.assigned_to == zhang.id

    assert (await client.get("/api/console/consultations?scope=active")).json() == []
    assert cid not in [e["id"] for e in (await client.get("/api/console/queue")).json()]
    read = await client.get(f"/api/console/consultations/{cid}")
    assert read.status_code == 403
    assert read.json()["detail"]["transferred"] is True
    assert "已转给张强医生" in read.json()["detail"]["message"], read.text
    for path, body in [("messages", {"text": "还在吗？"}), ("close", {"summary": "结束", "advice": "", "followup": ""})]:
        refused = await client.post(f"/api/console/consultations/{cid}/{path}", headers=headers, json=body)
        assert refused.status_code == 403, refused.text
        assert "已转给张强医生" in refused.json()["detail"]["message"], refused.text

    # The doctor it went to is not affected, and a doctor who never had the patient still gets the plain refusal.
    await sign_in(other_client, "dr.zhang")
    assert (await other_client.get(f"/api/console/consultations/{cid}")).status_code == 200
