"""Home-care guidance fits the patient's age, read where patients meet it: typed Chinese through the NLU
and the engine (REST), every reply of the conversation collected.

A parent of a 3-year-old with fever and cough is never told about adult cough suppressants
(右美沙芬) or N95 masks, and gets the children's doses, cough care and mask advice; an adult still
gets the adult advice; an elder gets the elder's cautions and warning signs.
"""
from __future__ import annotations

import pytest

from tests.intake.conftest import Patient

pytestmark = pytest.mark.asyncio(loop_scope="module")

# The intake's questions, answered as a parent or a patient types them.
ANSWERS = {
    "utter_ask_temperature": "39度",
    "utter_ask_duration": "一天了",
    "utter_ask_fever_rash": "没有疹子",
    "utter_ask_dyspnea": "不喘",
    "utter_ask_has_oximeter": "没有血氧仪",
    "utter_ask_can_count_breaths": "可以数",
    "utter_ask_respiratory_rate": "28",
    "utter_ask_other_symptoms": "还有咳嗽",
    "utter_ask_weight": "15公斤",
    "utter_ask_pregnant": "我是男的",
}
ADULT_ONLY = ("右美沙芬", "N95", "成人每次", "或含润喉片", "1500–2000 ml")


async def conversation(p: Patient, opening: str, **answers: str) -> str:
    """Everything the bot said from the opening to the follow-up offer that ends the intake."""
    said = [p.texts for _ in [await p.say(opening)]]
    for _ in range(30):
        key = next((k for k in reversed(p.asked) if k.startswith("utter_ask_")), None)
        if key is None or key == "utter_ask_followup":
            break
        await p.say(answers.get(key) or ANSWERS.get(key, "没有"))
        said.append(p.texts)
    assert p.asked and p.asked[-1] == "utter_ask_followup", f"the intake did not finish: {p.asked}"
    return "\n".join(said)


async def test_a_parent_of_a_three_year_old_gets_childrens_guidance_only(patient) -> None:
    p: Patient = patient("age-child-3")
    said = await conversation(p, "我家孩子3岁，发烧咳嗽")
    assert "居家护理观察" in said and "【居家护理】" in said, said
    for adult in ADULT_ONLY:
        assert adult not in said, f"{adult!r} shown to the parent of a 3-year-old:\n{said}"
    assert "15 kg 的孩子每次 150–225 mg" in said  # the child's dose from the weight typed
    assert "孩子咳嗽" in said and "不要给孩子吃成人的止咳药" in said
    assert "6岁以下的孩子不需要戴口罩" in said and "家长戴好医用外科口罩" in said
    # Asking afterwards about the child's cough brings no adult suppressant either.
    await p.say("孩子咳嗽能吃什么药")
    assert "右美沙芬" not in p.texts and "N95" not in p.texts, p.texts


async def test_a_baby_meets_no_adult_advice_and_the_childrens_warning_signs(patient) -> None:
    """Under 1 year the decision is a doctor's consult: only the warning signs are sent, the children's."""
    p: Patient = patient("age-infant")
    said = await conversation(p, "宝宝8个月，发烧了还有点咳嗽", utter_ask_weight="8公斤")
    for adult in ADULT_ONLY:
        assert adult not in said, f"{adult!r} shown for an 8-month-old:\n{said}"
    assert "建议医生问诊" in said and "2–12个月≥50次/分" in said


async def test_an_adult_still_gets_the_adult_advice(patient) -> None:
    p: Patient = patient("age-adult")
    said = await conversation(p, "我发烧了，还咳嗽", utter_ask_age="35岁")
    assert "右美沙芬" in said and "N95" in said and "成人每次0.2–0.4 g" in said
    assert "孩子咳嗽" not in said and "不需要戴口罩" not in said
    assert "老人：" not in said and "65岁以上的老人用布洛芬" not in said


async def test_an_elder_gets_the_elders_warning_signs(patient) -> None:
    """From 65 the decision is a doctor's consult: the warning signs sent include the elder's own."""
    p: Patient = patient("age-elderly")
    said = await conversation(p, "我爸72岁，发烧咳嗽")
    assert "建议医生问诊" in said and "老人病重时不一定发高烧" in said
    assert "孩子：精神差" not in said and "孩子咳嗽" not in said
