"""Chat during a live doctor session adds observations to the intake; it never rewrites the intake silently."""
from __future__ import annotations

import httpx

from bot.consultations import Staff, build_intake, consultations
from bot.consultations import IntakeUpdated
from bot.runtime import Runtime
from tests.console.helpers import on_duty, say, tracker


async def _in_session(runtime: Runtime, client: httpx.AsyncClient, sender: str) -> Staff:
    doctor = await on_duty(runtime, "dr.li", ["general", "fever"])
    await say(client, sender, "我发烧三天了，最高39度")
    await say(client, sender, "我要找医生")
    service = consultations(runtime)
    [entry] = await service.queue(["general", "fever"])
    await service.accept(entry.consultation.id, doctor)
    assert (await tracker(client, sender))["handoff"]["status"] == "active"
    return doctor


async def test_a_question_in_a_session_does_not_change_the_intakes_duration(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    await _in_session(runtime, client, "ibu")
    assert (await tracker(client, "ibu"))["slots"]["duration_hours"] == 72
    # "一天最多吃几次" is a dose per day, not an illness of one day (round 9): nothing to observe.
    await say(client, "ibu", "布洛芬一天最多吃几次？")
    state = await runtime.engine.state("ibu")
    assert state.slots["duration_hours"] == 72
    intake = build_intake(state, await runtime.engine.events("ibu")).to_dict()
    assert "duration_hours" not in {o["name"] for o in intake["observations"]}
    # A duration said in a question is shown to the doctor as new, beside the intake's, which stays.
    await say(client, "ibu", "都烧了两天了，布洛芬还能接着吃吗？")
    state = await runtime.engine.state("ibu")
    assert state.slots["duration_hours"] == 72
    intake = build_intake(state, await runtime.engine.events("ibu")).to_dict()
    observed = {o["name"]: o for o in intake["observations"]}
    assert observed["duration_hours"]["value"] == 48 and observed["duration_hours"]["previous"] == 72
    assert observed["duration_hours"]["new"] is True and observed["duration_hours"]["label"]


async def test_a_new_reading_in_a_session_is_current_screened_and_shown_as_new(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    doctor = await _in_session(runtime, client, "spo2")
    async with runtime.pubsub.subscribe(f"consult:staff:{doctor.id}") as inbox:
        await say(client, "spo2", "刚量了血氧只有90了")
        update = await anext(inbox)
        while not isinstance(update, IntakeUpdated):
            update = await anext(inbox)
    # The doctor's open intake panel hears of the new reading and the new level at once.
    assert update.triage is not None and update.triage["level"] == "emergency"
    assert [(o["name"], o["value"]) for o in update.observations] == [("spo2", 90)]
    state = await runtime.engine.state("spo2")
    assert state.slots["spo2"] == 90
    assert state.latest_triage is not None and state.latest_triage["level"] == "emergency"
    intake = build_intake(state, await runtime.engine.events("spo2")).to_dict()
    assert any(o["name"] == "spo2" and o["value"] == 90 and o["previous"] is None for o in intake["observations"])
    assert any(v["name"] == "spo2" and v["abnormal"] for v in intake["vitals"])
