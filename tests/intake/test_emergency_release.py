"""After the emergency answer the patient is no longer locked in, driven in typed words through the real NLU and engine.

Every message after "请立即拨打120…" got "请先拨打120" again: a correction ("没有昏迷，他一直醒着", "刚才说错了，不是胸口疼"),
"重新开始", "取消". Now a correction of a fact that made the emergency is repeated back and changes nothing until the
patient says yes (then the facts change and are triaged again — still an emergency when another fact makes one); a
no keeps the emergency; "重新开始" is confirmed once, then a fresh intake starts. The emergency announced stays on
record. Also: "我不要跟机器说话" asks for a person (it went into the mood questions), and "不用了" to the follow-up
offer leaves every reminder off.
"""

from __future__ import annotations

from typing import Any, AsyncIterator

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import or_, select

from actions.followup import job_key_prefix as followup_prefix
from actions.monitoring.readings import job_key_prefix, patient_job_prefix
from bot.app import create_app
from bot.db import JobRow
from bot.monitoring.models import MonitoredPatient
from bot.runtime import Runtime
from tests.intake.conftest import TEXT_KEYS, Patient

# 70 and feverish, no red flag: the age modifier raises selfcare to consult, whose outcome starts the reading
# reminders (the opening is the 新冠阳性 button with its answers, as tests/monitoring/test_schedules.py).
CONSULT = ('/covid_positive{"subject": "parent", "antigen_result": "positive", "temperature": 38.0, "duration_hours": 24,'
           ' "symptoms.dyspnea": false, "breathing_severity": "none", "has_oximeter": true, "spo2": 97,'
           ' "symptoms.chest_pain": false, "other_symptoms": "none", "age": 70, "conditions_answer": "none",'
           ' "vaccine_doses": 3, "symptoms.confusion": false, "symptoms.rash": false}')
REMINDER = "请先拨打120"


@pytest_asyncio.fixture
async def runtime(make_runtime: Any) -> Runtime:
    return await make_runtime()


@pytest_asyncio.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://wenzhen.test") as http:
        yield http


def keys(p: Patient) -> list[str]:
    return [TEXT_KEYS[m["text"]] for m in p.replies if m.get("text") in TEXT_KEYS]


async def emergency(client: httpx.AsyncClient, sender: str, opening: str) -> Patient:
    p = Patient(client, sender)
    await p.say(opening)
    assert p.decision is not None and p.decision["level"] == "emergency", p.texts
    return p


async def triage_events(p: Patient) -> list[dict[str, Any]]:
    return [e for e in (await p.tracker())["events"] if e.get("event") == "triage"]


async def answer_until_decided(p: Patient, answer: str = "没有", turns: int = 25) -> dict[str, Any]:
    """Answer every question the resumed intake asks with `answer` until it gives its decision."""
    for _ in range(turns):
        await p.say(answer)
        assert REMINDER not in p.texts
        if p.decision is not None:
            return p.decision
    raise AssertionError(f"no decision after {turns} answers: {p.texts}")


async def test_a_confirmed_correction_is_triaged_again_lower(client: httpx.AsyncClient) -> None:
    p = await emergency(client, "faint-corrected", "我妈刚才突然晕倒了")
    await p.say("说错了，她没有晕倒，就是有点头晕")
    assert "您是说" in p.texts and "晕倒" in p.texts and "对吗" in p.texts
    assert REMINDER not in p.texts
    # Nothing changed before the yes.
    assert (await p.slots())["symptoms"]["syncope"] is True
    assert (await p.tracker())["latest_triage"]["level"] == "emergency"

    await p.say("对")
    assert "已经按您说的更正" in p.texts and REMINDER not in p.texts
    assert (await p.slots())["symptoms"]["syncope"] is False
    assert p.asked, "the intake asks what it still needs"
    decided = await answer_until_decided(p)
    assert decided["level"] != "emergency"
    tracker = await p.tracker()
    assert tracker["latest_triage"]["level"] != "emergency"
    # The emergency that was announced stays on record, with the correction that released it.
    levels = [e["level"] for e in await triage_events(p)]
    assert levels[0] == "emergency" and levels[-1] != "emergency"
    corrected = [e for e in tracker["events"] if e.get("event") == "emergency_corrected"]
    assert corrected and corrected[0]["changes"] == {"symptoms.syncope": False}
    assert any(e.get("event") == "red_flag" for e in tracker["events"])


async def test_a_correction_of_the_chest_pain_is_confirmed_then_the_intake_goes_on(client: httpx.AsyncClient) -> None:
    p = await emergency(client, "chest-corrected", "我胸口疼得厉害，出了一身冷汗")
    await p.say("刚才说错了，不是胸口疼，是胃疼")
    assert "胸痛" in p.texts and "对吗" in p.texts
    assert (await p.slots())["symptoms"]["chest_pain"] is True
    await p.say("是的")
    assert REMINDER not in p.texts and p.asked
    assert (await p.slots())["symptoms"]["chest_pain"] is False


async def test_a_denied_correction_leaves_the_emergency(client: httpx.AsyncClient) -> None:
    p = await emergency(client, "faint-denied", "我妈刚才突然晕倒了")
    await p.say("她没有晕倒")
    assert "对吗" in p.texts
    await p.say("不对")
    assert "120" in p.texts and "utter_emergency_kept" in keys(p)
    assert (await p.slots())["symptoms"]["syncope"] is True
    await p.say("她现在还好吗")  # talking on without correcting: the reminder, as before
    assert "120" in p.texts
    assert (await p.tracker())["latest_triage"]["level"] == "emergency"


async def test_a_correction_that_leaves_another_emergency_fact_is_still_an_emergency(client: httpx.AsyncClient) -> None:
    p = await emergency(client, "coma-half", "我爸突然昏迷了，叫不醒")
    await p.say("没有昏迷，他一直醒着")
    assert "对吗" in p.texts
    await p.say("是的")
    assert "utter_emergency_correction_still" in keys(p)
    assert p.decision is not None and p.decision["level"] == "emergency"
    assert "neuro.altered_consciousness" in p.decision["rules"] and "neuro.syncope" not in p.decision["rules"]
    assert (await p.slots())["symptoms"]["syncope"] is False
    await p.say("我们还在等")  # no correction: the emergency stands
    assert keys(p) == ["utter_emergency_reminder"]


async def test_the_emergency_is_not_weakened_by_talk_and_a_person_or_120_still_pass(client: httpx.AsyncClient) -> None:
    p = await emergency(client, "coma-talk", "我爸突然昏迷了，叫不醒")
    await p.say("他平时身体挺好的")
    assert "utter_emergency_reminder" in keys(p)
    await p.say("转人工")
    assert "utter_emergency_reminder" not in keys(p) and "对吗" not in p.texts
    await p.say("/call_120")
    assert "120" in p.texts
    assert (await p.tracker())["latest_triage"]["level"] == "emergency"


async def test_restart_after_an_emergency_is_confirmed_then_starts_a_fresh_intake(client: httpx.AsyncClient) -> None:
    p = await emergency(client, "coma-restart", "我爸突然昏迷了，叫不醒")
    await p.say("重新开始")
    assert "utter_emergency_confirm_restart" in keys(p)
    assert (await p.slots())["symptoms"]["syncope"] is True  # nothing cleared before the yes
    await p.say("是的")
    assert "utter_emergency_restarted" in keys(p)
    assert {"/call_120", "/request_doctor"} <= set(p.last_payloads)
    slots = await p.slots()
    assert not slots.get("symptoms") and slots.get("language") == "zh"
    tracker = await p.tracker()
    assert any(e.get("event") == "emergency_restart" for e in tracker["events"])
    assert [e["level"] for e in await triage_events(p)] == ["emergency"]  # the emergency stays on record

    await p.say("我有点咳嗽，嗓子也有点疼")
    assert REMINDER not in p.texts and p.asked, p.texts
    assert not (await p.slots())["symptoms"].get("syncope")


async def test_cancel_answered_no_keeps_the_emergency(client: httpx.AsyncClient) -> None:
    p = await emergency(client, "coma-cancel", "我爸突然昏迷了，叫不醒")
    await p.say("取消")
    assert "utter_emergency_confirm_restart" in keys(p)
    await p.say("不用了")
    assert "120" in p.texts
    assert (await p.slots())["symptoms"]["syncope"] is True


@pytest.mark.parametrize("text", ["我不要跟机器说话", "不想和机器人聊", "找个真人", "我不想跟机器说话"])
async def test_refusing_the_machine_asks_for_a_person(client: httpx.AsyncClient, text: str) -> None:
    p = Patient(client, f"human-{abs(hash(text))}")
    await p.say(text)
    events = (await p.tracker())["events"]
    assert not any(e.get("event") == "flow_started" and "psych" in str(e.get("flow")) for e in events)
    asked = keys(p)
    assert not any(k.startswith(("utter_ask_phq", "utter_ask_gad", "utter_psych")) for k in asked), asked
    assert any(e["event"] == "flow_started" and e.get("flow") == "request_doctor" for e in events)
    assert any(e["event"] == "action" and e.get("name") == "handoff" for e in events)


async def test_refusing_the_machine_after_an_emergency_asks_for_a_person(client: httpx.AsyncClient) -> None:
    p = await emergency(client, "coma-human", "我爸突然昏迷了，叫不醒")
    await p.say("我不要跟机器说话")
    assert "utter_emergency_reminder" not in keys(p)
    assert "120" in p.texts  # no doctor on duty in the test hospital: the way to 120 is said
    events = (await p.tracker())["events"]
    assert any(e["event"] == "flow_started" and e.get("flow") == "request_doctor" for e in events)


async def _jobs(runtime: Runtime, conversation_id: str) -> list[JobRow]:
    async with runtime.db.session() as session:
        people = list(await session.scalars(select(MonitoredPatient.id).where(
            MonitoredPatient.conversation_id == conversation_id)))
        prefixes = [job_key_prefix(conversation_id), followup_prefix(conversation_id)] + [patient_job_prefix(n) for n in people]
        return list(await session.scalars(select(JobRow).where(or_(*(JobRow.key.startswith(x) for x in prefixes)))))


@pytest.mark.parametrize("no", ["不用了", "不需要了 谢谢"])
async def test_no_to_the_followup_offer_leaves_the_reminders_off(runtime: Runtime, client: httpx.AsyncClient,
                                                                  no: str) -> None:
    sender = f"no-reminders-{len(no)}"
    p = Patient(client, sender)
    await p.say(CONSULT)
    assert p.decision is not None and p.decision["level"] == "consult"
    assert [j for j in await _jobs(runtime, sender) if j.status == "pending"], "the consult outcome started reminders"
    await p.say("不用了，谢谢")  # no online doctor now
    assert "utter_ask_followup" in keys(p)
    await p.say(no)
    assert "utter_followup_declined" in keys(p)
    assert not [j for j in await _jobs(runtime, sender) if j.status == "pending"]
    slots = await p.slots()
    assert slots.get("followup_consent") is False and slots.get("monitoring_active") is False
    async with runtime.db.session() as session:
        row = (await session.execute(select(MonitoredPatient).where(MonitoredPatient.conversation_id == sender))).scalar_one()
    assert not row.enrolled
