"""Newcomer trial 12 (session seven): a cardiac arrest typed as one voice-input run-on.

"…叫不醒没有呼吸了" with no comma: the 不 of 叫不醒 was taken as denying the not-breathing, so a collapse without
breathing got the faint's advice (lie flat, head to one side) instead of compressions.
"""
from __future__ import annotations

import httpx
import pytest

from actions.intake_facts import read_facts
from tests.triage.talk import Talk


@pytest.mark.parametrize("text", ["我爸刚才突然倒下了叫不醒也没有呼吸了", "我妈在厨房晕倒了喊不醒好像不喘气了快来人"])
async def test_a_run_on_collapse_without_breathing_is_a_cardiac_arrest(client: httpx.AsyncClient, text: str) -> None:
    t = Talk(client, f"t12-arrest-{abs(hash(text))}")
    await t.say(text)
    assert t.level == "emergency", t.texts
    assert "cardiac.arrest" in t.rules, t.rules
    said = "\n".join(t.texts)
    assert "按压" in said and "头偏向一侧" not in said, said


@pytest.mark.parametrize("text", ["我没有呼吸困难，就是头晕", "他叫不醒，但是还有呼吸"])
def test_breathing_denied_or_present_is_no_arrest(text: str) -> None:
    assert read_facts(text).get("symptoms.not_breathing") is not True


async def test_a_department_chosen_again_is_no_correction_in_code_words(client: httpx.AsyncClient) -> None:
    t = Talk(client, "t12-department")
    await t.say('/inform{"consult_department": "psychology"}')
    reply = await t.say('/inform{"consult_department": "general"}')
    said = "\n".join(str(m.get("text") or "") for m in reply)
    assert "general" not in said and "已更正" not in said, said
    assert t.slots.get("consult_department") == "general"


async def test_someone_alone_sent_to_hospital_today_is_told_how_to_get_there_safely(client: httpx.AsyncClient) -> None:
    t = Talk(client, "t12-alone-urgent")
    await t.say("我七十八了，一个人住，今天头晕，天旋地转，站都站不稳")
    for _ in range(20):
        if t.level is not None and t.waiting is None:
            break
        await t.say("没有")
    # Session eight (talk8): 站都站不稳 is an unsteady gait (ataxia), and a 78-year-old newly unable to stand steadily
    # with vertigo today is a possible posterior stroke — emergency now (neuro.dizziness_neuro_signs,
    # neuro.elderly_new_cannot_stand). Someone alone is still told how to get there safely.
    assert t.level == "emergency", (t.level, t.rules, t.texts[-3:])
    if t.level == "emergency":
        said = "\n".join(t.texts)
        assert "一个人在家" in said and "120" in said, said
