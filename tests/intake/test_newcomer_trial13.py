"""Newcomer trial 13 (talk8): typed as a patient would, through the real NLU and engine (shared `client`, Talk).

1. A possible ectopic pregnancy (an early pregnancy or a missed period with belly pain, bleeding or fainting) got
   the late pregnancy's waiting advice (left side, waters breaking): it gets the ectopic's (lie down, nothing by
   mouth, note the bleeding, bring the pregnancy test).
2. "我到底要不要去医院" typed in the middle of an intake got the COVID article: it is impatience — the answer comes
   after a few more questions (a doctor / 120 offered), then the pending question again; said again, a doctor.
"""

from __future__ import annotations

import httpx
import pytest

from tests.triage.talk import Talk

LATE_PREGNANCY = ("左侧卧位", "破水", "胎动", "产检资料")


def _waiting(talk: Talk) -> str:
    return "\n".join(t for t in talk.texts if t.startswith("等待"))


@pytest.mark.parametrize("opening", [
    "我28岁，月经推迟两周了，今天下腹一侧很痛，刚才还晕倒了一次",
    "我怀孕6周了，今天肚子很痛，有点出血",
    "我老婆怀孕7周，刚才肚子疼晕倒了",
    "我25岁，验孕棒两条杠，现在下面出血，肚子一阵阵疼",
])
async def test_a_possible_ectopic_gets_the_ectopics_waiting_advice(client: httpx.AsyncClient, opening: str) -> None:
    talk = Talk(client, f"t13-ectopic-{abs(hash(opening))}")
    await talk.say(opening)
    await talk.until({"age": "28岁"})
    assert talk.level == "emergency" and "preg.possible_ectopic" in talk.rules, (talk.level, talk.rules, talk.texts)
    waiting = _waiting(talk)
    for words in ("躺下", "不要吃东西、不要喝水", "出血", "验孕棒"):
        assert words in waiting, waiting
    for words in LATE_PREGNANCY:
        assert words not in waiting, waiting


@pytest.mark.parametrize("question", ["我到底要不要去医院", "那我到底需不需要去医院啊？"])
async def test_should_i_go_to_hospital_in_an_intake_is_impatience_then_the_question_again(
        client: httpx.AsyncClient, question: str) -> None:
    talk = Talk(client, f"t13-impatient-{abs(hash(question))}")
    await talk.say("我35岁，发烧两天了，38.5度")
    pending = talk.waiting
    assert pending and talk.level is None
    n = len(talk.texts)
    await talk.say(question)
    said = "\n".join(talk.texts[n:])
    assert "再问几个问题" in said and "转人工医生" in said and "120" in said, said
    assert "居家治疗指南" not in said and "来源" not in said, said
    assert talk.waiting == pending and talk.level is None, (talk.waiting, said)
    n = len(talk.texts)
    await talk.say(question)
    said = "\n".join(talk.texts[n:])
    assert "现在就可以帮您转在线医生" in said, said
    assert talk.waiting == pending and talk.level is None, (talk.waiting, said)


async def test_when_to_go_to_hospital_outside_an_intake_still_gets_the_article(client: httpx.AsyncClient) -> None:
    talk = Talk(client, "t13-when-hospital")
    await talk.say("阳了什么情况要去医院？")
    assert any("居家治疗指南" in t for t in talk.texts), talk.texts
