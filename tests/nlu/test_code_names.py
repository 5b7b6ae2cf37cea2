"""The plain word a doctor and a patient read for a code is the lexicon's first: it must stay the plainest
(a phrasing family added in front of a list once turned 呼吸困难 into 憋醒 on the doctor's screen)."""
from __future__ import annotations

from bot.code_names import code_name

PLAIN = {"fever": "发烧", "dyspnea": "呼吸困难", "cyanosis": "嘴唇发紫", "facial_droop": "口角歪斜", "myalgia": "全身酸痛",
         "chest_pain": "胸痛", "seizure": "抽搐", "cough": "咳嗽"}


def test_each_codes_first_lexicon_word_is_its_plain_name() -> None:
    assert {code: code_name("symptoms", code) for code in PLAIN} == PLAIN
