"""Issue 11, twelfth round (engineer r12b): the classes blind v13 showed failing, described in words by the lead.

Every sentence here is the developer's own, typed through the real pipeline and model; none shares a run of 8
characters with a blind or held-out line up to v13 (`test_no_sentence_here_copies_a_blind_line`).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.nlu.classes import assert_copies_no_measured_line, read

# 1. A common symptom with 怎么办 / 咋办 / 咋整 asks how to care for it at home: never an emergency.
HOME_CARE = [
    ("我吐得厉害怎么办", "vomiting"),
    ("孩子一直拉稀怎么办啊", "diarrhea"),
    ("宝宝腹泻了该怎么办", "diarrhea"),
    ("老是想吐怎么办", "nausea"),
    ("娃发烧了怎么弄", "fever"),
    ("发高烧怎么办", "fever"),
    ("咳嗽不停咋办", "cough"),
    ("闹肚子怎么办", "diarrhea"),
    ("吃坏肚子了拉稀咋整", "diarrhea"),
    ("一直打喷嚏咋办", "sneezing"),
]

# ... but a red flag with 怎么办 stays a cry for help.
EMERGENCY = [
    ("宝宝手脚一抽一抽的怎么办", "seizure"),
    ("我爸叫不醒了怎么办", "confusion"),
    ("喘不上气怎么办", "dyspnea"),
    ("老人晕倒了怎么办", "syncope"),
    ("孩子嘴唇发紫怎么办", "cyanosis"),
    ("我妈突然说话不清楚怎么办", "slurred_speech"),
    ("胸口疼得厉害怎么办", "chest_pain"),
]


@pytest.mark.parametrize("text, code", HOME_CARE)
def test_a_common_symptom_and_what_to_do_is_home_care(interpreter, text, code):
    parse = interpreter.parse(text)
    assert parse.intent.name in ("ask_home_care", "report_symptoms"), parse.intent
    assert code in {e.value for e in parse.entities_of("symptom") if not e.negated}


@pytest.mark.parametrize("text, code", EMERGENCY)
def test_a_red_flag_and_what_to_do_stays_an_emergency(interpreter, text, code):
    parse = interpreter.parse(text)
    assert parse.intent.name == "emergency_help", parse.intent
    assert code in {e.value for e in parse.entities_of("symptom") if not e.negated}


# 2. Feeling unwell in northern and colloquial words (不得劲, 不舒坦, 不对劲) is a report, never a complaint.
UNWELL = ["我这两天浑身不得劲", "身上不得劲儿", "就是觉得不得劲", "今天人不舒坦", "浑身都不舒坦", "下面那里不舒服",
          "说不上来，就是不对劲", "感觉身体哪儿不对劲", "最近老是不得劲，没精神"]


@pytest.mark.parametrize("text", UNWELL)
def test_feeling_unwell_is_a_report(interpreter, text):
    assert interpreter.parse(text).intent.name == "report_symptoms", text


@pytest.mark.parametrize("text", ["那个医生态度太差了我要投诉", "你们这服务也太差劲了", "回复太慢了，很不满意",
                                  "那个医生让我很不舒服，我要投诉"])
def test_a_real_complaint_stays_feedback(interpreter, text):
    assert interpreter.parse(text).intent.name == "feedback", text


# 3. The Minnan tag question 敢是… ("could it be…?") names a possible symptom: the symptom is read, not denied,
# and the message is no yes or no.
@pytest.mark.parametrize("text, code", [
    ("敢是发烧了？", "fever"), ("伊敢是咳嗽？", "cough"), ("敢是拉肚子？", "diarrhea"), ("阮囝敢是发热了", "fever"),
    ("敢是头痛？", "headache"), ("敢是毋是发烧", "fever"),
])
def test_could_it_be_reads_the_symptom(interpreter, text, code):
    parse = interpreter.parse(text)
    assert parse.intent.name not in ("affirm", "deny"), parse.intent
    assert (code, False) in read(interpreter, text) or code in {
        e.value for e in parse.entities_of("symptom") if not e.negated}, parse.entities


def test_no_sentence_here_copies_a_blind_line():
    mine = re.findall(r'"([^"\n]*[\u4e00-\u9fff][^"\n]*)"', Path(__file__).read_text(encoding="utf-8"))
    assert len(mine) > 30
    assert_copies_no_measured_line(mine, "nlu/data/round12_classes.yml", newest_blind=13)
