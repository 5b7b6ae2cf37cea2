"""console7: a kept emergency alert follows its conversation's latest triage. A confirmed correction that takes the
emergency away closes it with the reason (and the decision the intake reaches next); a doctor's 知道了 closes an open
one for everyone, audited; one alert per conversation. Typed Chinese through the real NLU and engine; the console API."""
from __future__ import annotations

import asyncio
from typing import Any

import httpx

from bot.consultations import AlertUpdated, topics
from bot.runtime import Runtime
from tests.console.helpers import on_duty, say, tracker
from tests.console.test_console_api import sign_in


async def _open(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    response = await http.get("/api/console/alerts")
    assert response.status_code == 200, response.text
    return response.json()


def _decision(messages: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next(((m.get("custom") or {}).get("triage") for m in messages if (m.get("custom") or {}).get("triage")), None)


class Inbox:
    """The `AlertUpdated` notices of a subscription, read in the background (a timed-out read would end the stream)."""

    def __init__(self, stream: Any) -> None:
        self.found: list[AlertUpdated] = []
        self.task = asyncio.create_task(self._pump(stream))

    async def _pump(self, stream: Any) -> None:
        async for message in stream:
            if isinstance(message, AlertUpdated):
                self.found.append(message)

    async def take(self) -> list[AlertUpdated]:
        """What arrived, once nothing more has come for half a second."""
        seen = -1
        while seen != len(self.found):
            seen = len(self.found)
            await asyncio.sleep(0.5)
        found, self.found = self.found, []
        return found

    def close(self) -> None:
        self.task.cancel()


async def test_a_confirmed_correction_closes_the_alert_with_the_reason_then_shows_the_new_triage(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await on_duty(runtime, "dr.li", ["general"], name="李医生")
    await say(client, "dad-faint", "我爸吃完饭突然晕倒了")
    csrf = await sign_in(client, "dr.li")
    [alert] = await _open(client)
    async with runtime.pubsub.subscribe(topics.department("general")) as stream:
        inbox = Inbox(stream)
        await say(client, "dad-faint", "说错了，他没有晕倒，就是站起来有点头晕")
        assert await _open(client) != [], "nothing changes before the patient confirms"
        await say(client, "dad-faint", "对")
        [closed] = await inbox.take()
        assert closed.status == "closed" and closed.alert_id == alert["alert_id"], closed
        assert closed.update["why"] == "corrected" and "更正" in closed.update["text"] and "晕倒" in closed.update["text"], closed
        assert await _open(client) == [], "a banner no longer true is not shown to a doctor who signs in now"

        decision = None
        for _ in range(25):
            decision = _decision(await say(client, "dad-faint", "没有"))
            if decision is not None:
                break
        assert decision is not None and decision["level"] != "emergency", decision
        [final] = await inbox.take()
        inbox.close()
    assert final.status == "closed" and final.update["why"] == "retriaged", final
    assert final.update["level"] == decision["level"] and final.update["level_label"] in final.update["text"], final
    assert "晕倒" in final.update["text"], final.update  # still says which correction released it
    assert (await tracker(client, "dad-faint"))["latest_triage"]["level"] == decision["level"]

    # Acknowledged after it closed: nothing reopens, the acknowledgement is audited.
    ack = await client.post(f"/api/console/alerts/{alert['alert_id']}/dismiss", headers={"X-CSRF-Token": csrf})
    assert ack.status_code == 200 and ack.json() == {"closed": False}, ack.text
    [entry] = await runtime.audit.entries(subject="dad-faint", actions=("alert.dismiss",))
    assert entry.detail["closed"] is False and entry.actor.startswith("doctor:")


async def test_dismissing_an_open_alert_closes_it_for_every_doctor_and_is_audited(
        runtime: Runtime, client: httpx.AsyncClient, other_client: httpx.AsyncClient) -> None:
    li = await on_duty(runtime, "dr.li", ["general"], name="李医生")
    await on_duty(runtime, "dr.wang", ["general"], name="王医生")
    await say(client, "granny", "我奶奶胸口压着疼，一身冷汗")
    await say(client, "granny", "她现在还喘不上气，嘴唇发紫")  # a second emergency of the same patient
    csrf = await sign_in(client, "dr.li")
    await sign_in(other_client, "dr.wang")
    alerts = await _open(client)
    assert [a["conversation_id"] for a in alerts] == ["granny"], "one alert per conversation, the newest"
    async with runtime.pubsub.subscribe(topics.department("general")) as stream:
        inbox = Inbox(stream)
        done = await client.post(f"/api/console/alerts/{alerts[0]['alert_id']}/dismiss", headers={"X-CSRF-Token": csrf})
        [notice] = await inbox.take()
        inbox.close()
    assert done.status_code == 200 and done.json() == {"closed": True}, done.text
    assert notice.status == "closed" and notice.by is not None and notice.by.name == "李医生", notice
    assert "李医生" in notice.update["text"] and "知晓" in notice.update["text"], notice.update
    assert await _open(client) == [] and await _open(other_client) == []
    [entry] = await runtime.audit.entries(subject="granny", actions=("alert.dismiss",))
    assert entry.actor == li.actor and entry.detail["closed"] is True and entry.object_id == str(alerts[0]["alert_id"])
    refused = await client.post("/api/console/alerts/424242/dismiss", headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 404, refused.text
