"""The advice while waiting for 120 is chosen by the kind of emergency (rules.yml `advice` → response
`utter_emergency_wait_<advice>`): a newcomer's DVT patient was told to take nitroglycerin and a
10-month-old breathing fast got the adult "坐起、身体稍前倾…不要让患者走动". Typed Chinese through the
real NLU and engine, then a scan of the rules: nitroglycerin only where the complaint is chest pain."""
from __future__ import annotations

from pathlib import Path

import httpx
import pytest
import yaml

from bot.runtime import Runtime
from tests.console.helpers import say

NITRO = "硝酸甘油"
ADULT_BREATHING = "身体稍前倾"
RULES = Path(__file__).resolve().parents[2] / "actions" / "triage" / "rules.yml"
RESPONSES = Path(__file__).resolve().parents[2] / "flows" / "responses" / "zh" / "triage.yml"


def _waiting(replies: list[dict[str, object]]) -> str:
    return "\n".join(str(m.get("text") or "") for m in replies if str(m.get("text") or "").startswith("等待"))


@pytest.mark.asyncio
async def test_a_dvt_after_a_flight_is_told_to_keep_still_not_to_take_nitroglycerin(
        runtime: Runtime, client: httpx.AsyncClient) -> None:
    replies = await say(client, "dvt", "坐了十几个小时飞机，左腿突然肿得厉害，还很疼")
    waiting = _waiting(replies)
    assert "120" in " ".join(str(m.get("text")) for m in replies)
    assert waiting and NITRO not in waiting, waiting
    assert "不要按摩" in waiting, waiting


@pytest.mark.asyncio
async def test_a_baby_breathing_fast_gets_the_childs_advice_not_the_adults(runtime: Runtime, client: httpx.AsyncClient) -> None:
    replies = await say(client, "baby", "宝宝10个月，呼吸很快，一分钟52次")
    waiting = _waiting(replies)
    assert waiting and ADULT_BREATHING not in waiting and NITRO not in waiting, waiting
    assert "竖着抱" in waiting and "不要喂" in waiting, waiting


@pytest.mark.asyncio
async def test_chest_pain_still_gets_the_cardiac_advice(runtime: Runtime, client: httpx.AsyncClient) -> None:
    waiting = _waiting(await say(client, "heart", "我老公胸口疼得厉害，出了一身冷汗"))
    assert NITRO in waiting, waiting


def test_nitroglycerin_only_for_rules_about_chest_pain_and_every_advice_has_its_response() -> None:
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))["rules"]
    responses = yaml.safe_load(RESPONSES.read_text(encoding="utf-8"))
    for rule in rules:
        advice = rule.get("advice")
        if rule["level"] != "emergency" or not advice:
            continue
        text = responses[f"utter_emergency_wait_{advice}"][0]["text"]
        if NITRO in text:
            assert "chest_pain" in rule["when"] and "leg_swelling" not in rule["when"], rule["id"]


def test_the_general_default_is_neutral() -> None:
    text = yaml.safe_load(RESPONSES.read_text(encoding="utf-8"))["utter_emergency_wait_general"][0]["text"]
    assert NITRO not in text and "陪" in text and "门" in text and "药" in text and "病历" in text
