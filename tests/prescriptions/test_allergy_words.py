"""A drug allergy the patient types ("对青霉素过敏") is an allergy, not a medicine being taken: the prescription
checks see it and the doctor's screen does not show "用药: 抗生素" (a newcomer's trial found both wrong)."""
from __future__ import annotations

import httpx
import pytest

from bot.prescriptions import Prescriptions
from bot.runtime import Runtime
from tests.console.helpers import say

pytestmark = pytest.mark.asyncio


async def test_a_stated_penicillin_allergy_reaches_the_checks_and_is_not_a_medicine(runtime: Runtime,
                                                                                  client: httpx.AsyncClient) -> None:
    await say(client, "allergic-1", "我发烧两天了，28岁，对青霉素过敏，现在吃了布洛芬")
    slots = (await runtime.engine.state("allergic-1")).slots
    assert "青霉素" in str(slots.get("drug_allergies"))
    facts = await runtime.services.get(Prescriptions).intake_facts("allergic-1")
    assert "penicillin" in facts.allergies
    assert "ibuprofen" in facts.medications and not any("penicillin" in m or "antibiotic" in m for m in facts.medications)


async def test_taking_an_antibiotic_is_still_a_medicine(runtime: Runtime, client: httpx.AsyncClient) -> None:
    await say(client, "taking-1", "我咳嗽三天了，在吃阿莫西林")
    slots = (await runtime.engine.state("taking-1")).slots
    assert not slots.get("drug_allergies")
    assert any(v is True for v in (slots.get("medications") or {}).values())
