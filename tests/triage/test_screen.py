"""The safety screen and the triage action, through the REST channel of a real runtime.

The runtime runs the project's basics flows and a small probe intake (tests/triage/data), so the
screen is shown to work inside a running flow and outside any; the NLU is the project's own.
"""
from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, AsyncIterator

import httpx
import pytest
import pytest_asyncio

from bot.app import create_app
from bot.config import PROJECT_ROOT
from bot.messages import UserMessage
from bot.runtime import Runtime
from tests.triage.conftest import embedded_runtime

DATA = Path(__file__).parent / "data"
FLOW_FILES = ("slots.yml", "triage_slots.yml", "basics.yml")


@dataclass
class Chat:
    """One patient talking to the bot over REST."""

    http: httpx.AsyncClient
    runtime: Runtime
    sender: str

    async def say(self, text: str) -> list[dict[str, Any]]:
        response = await self.http.post("/webhooks/rest/webhook", json={"sender": self.sender, "message": text})
        assert response.status_code == 200, response.text
        return response.json()

    async def inform(self, **slots: Any) -> list[dict[str, Any]]:
        return await self.say("/inform" + json.dumps(slots, ensure_ascii=False))

    async def tracker(self) -> dict[str, Any]:
        response = await self.http.get(f"/conversations/{self.sender}/tracker")
        assert response.status_code == 200, response.text
        return response.json()

    async def events(self, type_: str) -> list[dict[str, Any]]:
        return [e for e in (await self.tracker())["events"] if e["event"] == type_]


# One runtime for the module (starting one migrates a database); each test is its own patient.
pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def probe_runtime(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Runtime]:
    tmp = tmp_path_factory.mktemp("screen")
    flows = tmp / "flows"
    flows.mkdir()
    for name in FLOW_FILES:
        shutil.copy(PROJECT_ROOT / "flows" / name, flows / name)
    shutil.copy(DATA / "flows" / "probe.yml", flows / "probe.yml")
    runtime = embedded_runtime(
        tmp,
        plugins=["integrations.web", "actions.triage"],
        flows={"dir": str(flows), "response_dirs": [str(PROJECT_ROOT / "flows" / "responses"), str(DATA / "responses")]},
    )
    await runtime.start(upgrade=True)
    yield runtime
    await runtime.stop()


@pytest_asyncio.fixture(loop_scope="module")
async def chat(probe_runtime: Runtime) -> AsyncIterator[Chat]:
    transport = httpx.ASGITransport(app=create_app(runtime=probe_runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://wenzhen.test") as http:
        yield Chat(http, probe_runtime, sender=f"patient-{uuid.uuid4().hex[:12]}")


def triage_messages(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r["custom"]["triage"] for r in replies if "triage" in (r.get("custom") or {})]


def assert_emergency_answer(replies: list[dict[str, Any]], rule: str) -> None:
    """120 first (text and button), then exactly one triage message naming the rule."""
    first = replies[0]
    assert "120" in first["text"] and "tel:120" in first["text"]
    assert {"title": "拨打120", "payload": "/call_120"} in first["buttons"]
    decisions = triage_messages(replies)
    assert len(decisions) == 1
    assert decisions[0]["level"] == "emergency"
    assert rule in decisions[0]["rules"]


async def test_red_flag_in_the_opening_message_is_answered_with_120_first(chat: Chat) -> None:
    replies = await chat.say("我老公刚才突然晕倒了")
    assert_emergency_answer(replies, "neuro.syncope")
    assert "等待急救时" in replies[1]["text"]
    tracker = await chat.tracker()
    assert tracker["latest_triage"]["level"] == "emergency"
    assert tracker["slots"]["triage_level"] == "emergency"


async def test_spo2_of_93_in_free_text_is_an_emergency(chat: Chat) -> None:
    assert_emergency_answer(await chat.say("在家测的血氧93"), "resp.spo2_low")


async def test_spo2_of_94_is_not_screened_as_an_emergency(chat: Chat) -> None:
    replies = await chat.say("在家测的血氧94")
    assert triage_messages(replies) == []
    assert await chat.events("red_flag") == []


async def test_negated_red_flags_do_not_trigger(chat: Chat) -> None:
    replies = await chat.say("没有胸痛，也没有呼吸困难，就是有点咳嗽")
    assert triage_messages(replies) == []
    assert await chat.events("red_flag") == []
    slots = (await chat.tracker())["slots"]
    assert slots["symptoms"]["chest_pain"] is False


@pytest.mark.parametrize("text", ["我没有想死的念头，就是睡不好", "没有抽搐，也没晕倒", "不喘，血氧98"])
async def test_denied_red_flags_of_every_kind_do_not_trigger(chat: Chat, text: str) -> None:
    assert triage_messages(await chat.say(text)) == []
    assert await chat.events("red_flag") == []


async def test_red_flag_mid_flow_stops_the_flow_and_asks_nothing_more(chat: Chat) -> None:
    assert "体温" in (await chat.say("/probe"))[0]["text"]
    replies = await chat.say("39度，刚才孩子还抽搐了一次")
    assert_emergency_answer(replies, "neuro.seizure")
    assert not any("测试：" in (r.get("text") or "") for r in replies)
    tracker = await chat.tracker()
    assert tracker["stack"] == []
    ended = await chat.events("flow_ended")
    assert ended[-1]["flow"] == "probe" and ended[-1]["reason"] == "emergency"


async def test_a_red_flag_given_by_button_payload_is_screened(chat: Chat) -> None:
    await chat.say("/probe")
    assert_emergency_answer(await chat.inform(spo2=92), "resp.spo2_low")


async def test_a_red_flag_completed_across_messages_is_screened(chat: Chat) -> None:
    assert triage_messages(await chat.say("我怀孕32周了")) == []
    assert_emergency_answer(await chat.say("今天早上见红了"), "preg.bleeding")


async def test_once_in_emergency_the_bot_repeats_the_way_out_instead_of_asking(chat: Chat) -> None:
    await chat.say("/probe")
    await chat.inform(spo2=90)
    replies = await chat.say("那我现在该怎么办")
    assert len(replies) == 1
    assert "120" in replies[0]["text"]
    assert {"title": "转人工医生", "payload": "/request_doctor"} in replies[0]["buttons"]
    assert triage_messages(replies) == []
    assert (await chat.tracker())["stack"] == []


async def test_a_new_red_flag_during_an_emergency_is_announced_again(chat: Chat) -> None:
    await chat.inform(spo2=90)
    replies = await chat.say("他现在叫不醒了")
    assert_emergency_answer(replies, "neuro.altered_consciousness")
    assert "resp.spo2_low" in triage_messages(replies)[0]["rules"]
    assert len(await chat.events("red_flag")) == 2


async def test_the_120_button_still_works_during_an_emergency(chat: Chat) -> None:
    await chat.inform(spo2=90)
    replies = await chat.say("/call_120")
    assert "请立即拨打 120" in replies[0]["text"]
    assert triage_messages(replies) == []


async def test_a_cry_for_help_gets_120_at_once_and_is_asked_what_happened(chat: Chat) -> None:
    await chat.say("/probe")
    replies = await chat.say("救命，我爸快不行了")
    assert "tel:120" in replies[0]["text"] and "发生了什么" in replies[0]["text"]
    assert {"title": "拨打120", "payload": "/call_120"} in replies[0]["buttons"]
    assert triage_messages(replies) == []
    assert (await chat.tracker())["stack"] == []
    assert_emergency_answer(await chat.say("他喘不上气，嘴唇发紫"), "resp.severe_dyspnea")


async def test_a_cry_for_help_does_not_hold_the_conversation_in_emergency(chat: Chat) -> None:
    await chat.say("救命啊")
    replies = await chat.say("/probe")
    assert replies[0]["text"] == "测试：体温多少度？"


async def test_suicidal_thoughts_get_the_crisis_lines_at_once(chat: Chat) -> None:
    replies = await chat.say("活着太累了，我真的不想活了")
    assert_emergency_answer(replies, "psych.suicide_risk")
    text = "\n".join(r.get("text") or "" for r in replies)
    assert "12356" in text and "400-161-9995" in text and "110" in text


async def test_infant_under_three_months_with_fever_is_an_emergency(chat: Chat) -> None:
    assert_emergency_answer(await chat.say("宝宝两个月大，发烧38度2"), "peds.infant_fever_under_3m")


async def test_emergency_is_recorded_with_rules_facts_and_a_red_flag_alert(chat: Chat) -> None:
    await chat.say("我妈65岁，发烧三天了，最高39度，没有咳嗽，血氧92")
    [triage] = await chat.events("triage")
    assert triage["level"] == "emergency"
    assert triage["rules"][0] == "resp.spo2_low"
    assert triage["facts"]["spo2"] == 92 and triage["facts"]["age"] == 65
    assert triage["ruleset"].startswith("2026.")
    [alert] = await chat.events("red_flag")
    assert alert["level"] == "emergency" and alert["in_session"] is False
    assert "血氧92" in alert["text"]


async def test_in_a_live_session_the_emergency_is_announced_and_left_to_the_relay(chat: Chat) -> None:
    await chat.say("你好")
    await chat.runtime.engine.record(chat.sender, "handoff", {"status": "active", "consultation_id": 7}, "system")
    replies = await chat.say("医生，我现在喘不上气，嘴唇发紫")
    assert_emergency_answer(replies, "resp.severe_dyspnea")
    [alert] = await chat.events("red_flag")
    assert alert["in_session"] is True


async def test_restart_leaves_the_emergency(chat: Chat) -> None:
    await chat.inform(spo2=90)
    await chat.say("/restart")
    replies = await chat.say("你好")
    assert {"title": "发热/新冠咨询", "payload": "/covid_positive"} in replies[0]["buttons"]
    assert (await chat.tracker())["latest_triage"] is None


async def test_the_triage_action_sends_exactly_one_decision_and_sets_the_level(chat: Chat) -> None:
    await chat.say("/probe")
    await chat.inform(temperature=38.2)
    replies = await chat.inform(duration_hours=24)
    [decision] = triage_messages(replies)
    assert decision == {"level": "selfcare", "reasons": ["目前没有发现需要尽快就医的危险信号"], "rules": [],
                        "ruleset": decision["ruleset"]}
    assert "不是诊断" in next(r["text"] for r in replies if r.get("custom"))
    tracker = await chat.tracker()
    assert tracker["slots"]["triage_level"] == "selfcare"
    assert tracker["latest_triage"] == decision


async def test_the_triage_action_raises_a_level_for_a_high_risk_patient(chat: Chat) -> None:
    await chat.say("我爸70岁，有糖尿病")
    await chat.say("/probe")
    await chat.inform(temperature=38.2)
    replies = await chat.inform(duration_hours=80)
    [decision] = triage_messages(replies)
    assert decision["level"] == "urgent"
    assert decision["rules"] == ["covid.fever_over_3_days", "risk.age_65", "risk.chronic_disease"]
    [event] = await chat.events("triage")
    assert event["facts"]["conditions.diabetes"] is True
    assert event["fired"] == [{"id": "covid.fever_over_3_days", "level": "consult"}]


async def test_english_conversations_get_english_reasons(chat: Chat) -> None:
    await chat.say('/set_language{"language": "en"}')
    replies = await chat.inform(spo2=91)
    assert "Call 120" in json.dumps(replies[0]["buttons"])
    assert triage_messages(replies)[0]["reasons"] == ["Resting oxygen saturation at or below 93%"]


async def test_an_emergency_the_action_decides_is_said_with_120_first(chat: Chat) -> None:
    replies = await chat.say("/probe_flagged")
    assert_emergency_answer(replies, "neuro.seizure")
    assert "等待急救时" in replies[1]["text"]
    [alert] = await chat.events("red_flag")
    assert alert["rules"] == ["neuro.seizure"]


async def test_a_runtime_without_the_triage_plugin_is_not_screened(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    shutil.copy(PROJECT_ROOT / "flows" / "slots.yml", flows / "slots.yml")
    runtime = embedded_runtime(tmp_path, plugins=["integrations.web"], flows={"dir": str(flows)})
    await runtime.start(upgrade=True)
    try:
        replies = await runtime.engine.handle(UserMessage(channel="rest", sender="p", text='/inform{"spo2": 88}'))
        failures = [e for e in await runtime.engine.events("p") if e.type == "action" and not e.data.get("ok")]
    finally:
        await runtime.stop()
    assert failures == []  # the screen did not try rules this runtime's slots cannot check
    assert triage_messages([r.to_dict() for r in replies]) == []


async def test_correcting_the_red_flag_away_lets_the_conversation_go_on(chat: Chat) -> None:
    await chat.inform(spo2=90)
    replies = await chat.inform(spo2=98)
    assert not any("tel:120" in (r.get("text") or "") for r in replies)
    assert (await chat.say("/probe"))[0]["text"] == "测试：体温多少度？"
