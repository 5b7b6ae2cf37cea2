"""Issue 11, third round: classes of wording a fresh blind set showed failing (only its class names were
given to the developer, never its sentences).

Every sentence here is the NLU developer's own, typed Chinese through the real pipeline and model. Each
test pins a *class* with several members, and each class has its counter-examples, so a fix for one
phrasing cannot pass it.
"""
from __future__ import annotations

import pytest

from nlu.interpreter import MedicalInterpreter


def present(interpreter: MedicalInterpreter, text: str) -> set[str]:
    return {e.value for e in interpreter.parse(text).entities_of("symptom") if not e.negated}


# ---- 1. passive death wishes ------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "我觉得活着真的很没意思",
    "活着一点意思都没有",
    "觉得活着没啥意思",
    "我活得没意思",
    "活着有什么意思呢",
    "有时候想，活着还有什么用",
    "我真是活够了",
    "有时候觉得死了算了",
    "我有时候想不如死掉算了",
    "死了倒好，省得拖累家里",
    "我不太想活了",
    "我妈老说她活着没盼头",
])
def test_passive_death_wish_is_suicidal_ideation(interpreter, text):
    assert "suicidal_ideation" in present(interpreter, text)


@pytest.mark.parametrize("text", [
    "今天上班累死了",
    "天太热了，热死了",
    "孩子一直闹，烦死了",
    "困死了，想睡觉",
    "饿死了，还没吃饭",
    "这个电视剧真没意思",
])
def test_everyday_exaggeration_is_not_suicidal_ideation(interpreter, text):
    assert "suicidal_ideation" not in present(interpreter, text)
