"""Issue 11, eighth round: the intent classes two fresh blind sets showed failing, known only as confusion pairs.

vocabulary.yml is the contract: psych_support is "焦虑睡不着 / 心情很差 / 很害怕" — feelings, worry, fear, low mood and the
sleeplessness that comes with them as the main topic; a report whose main topic is the body stays report_symptoms
even when it mentions worry; a danger to self keeps its reading (round 5's rule). Every sentence is the developer's
own, none shares a run of 8 characters with a blind or held-out line (checked below), and each class has several
members and counter-examples, typed through the real pipeline and model (`tests/nlu/conftest.py`).
"""
from __future__ import annotations

import pytest

from tests.nlu.classes import assert_copies_no_measured_line

PSYCH = ["心里发慌，一宿一宿地睡不着", "我老担心孩子出事，整夜合不上眼", "最近总是闷闷不乐的", "我心情糟透了",
         "一个人住，晚上特别害怕", "愁得吃不下睡不着", "焦慮得睡不著覺", "老是紧张，坐也不是站也不是"]
# The body is the main topic, worry or not: a report.
BODY = ["牙痛得一整晚没睡", "咳了一夜，我担心是不是肺炎", "孩子发烧到三十九度，我急坏了", "老是想吐，吃不进东西",
        "心口怦怦乱跳，胸口也闷", "胳膊上起了一片红疹，痒得睡不着"]
EMERGENCY = ["快来人，我爸一下子倒了", "怎么办啊，孩子嘴唇都紫了", "来不及了，我妈喘不过来了", "救救我女儿，她吞了好多药",
             "急！老公胸口剧痛冒冷汗", "快点，奶奶叫不醒了"]
# In-scope questions worded freshly, not out_of_scope.
IN_SCOPE = {
    "ask_medication": ["嗓子痒咳嗽喝点啥药", "退烧药隔几个小时能再吃"],
    "ask_home_care": ["老人发烧在家咋护理", "家里有人阳了怎么消毒"],
    "ask_covid_info": ["阳了一般几天转阴", "得过新冠还会再得吗"],
    "renew_prescription": ["降压药快吃完了想续上", "糖尿病的药能在网上续吗"],
    "nucleic_acid_test": ["我要预约核酸", "帮我约一下核酸检测", "约个明天上午的核酸"],
    "help": ["你能帮我做些什么", "这个怎么用啊"],
}
OUT_OF_SCOPE = ["帮我订一张机票", "今天天气咋样", "给我讲个笑话", "帮我点个外卖"]
POLITE = {"greet": ["您好", "医生在吗"], "goodbye": ["拜拜啦", "好的再见"], "thanks": ["多谢啦", "辛苦医生了"]}


@pytest.mark.parametrize("text", PSYCH)
def test_feelings_and_worry_driven_sleeplessness_are_psych_support(interpreter, text):
    assert interpreter.parse(text).intent.name == "psych_support", text


@pytest.mark.parametrize("text", BODY)
def test_the_body_as_main_topic_stays_a_report_even_with_worry(interpreter, text):
    assert interpreter.parse(text).intent.name == "report_symptoms", text


@pytest.mark.parametrize("text", ["我活够了，不想再醒过来", "心里难受就拿小刀划胳膊"])
def test_a_danger_to_self_is_never_read_as_small_talk_or_out_of_scope(interpreter, text):
    # The vocabulary names no intent for it: a report or psych_support (both reach the crisis screen), as before.
    assert interpreter.parse(text).intent.name in ("report_symptoms", "psych_support", "emergency_help"), text


@pytest.mark.parametrize("text", EMERGENCY)
def test_a_short_urgent_account_is_emergency_help(interpreter, text):
    assert interpreter.parse(text).intent.name == "emergency_help", text


@pytest.mark.parametrize(("intent", "text"), [(i, t) for i, ts in IN_SCOPE.items() for t in ts])
def test_in_scope_questions_in_new_words_are_not_out_of_scope(interpreter, intent, text):
    parsed = interpreter.parse(text)
    assert parsed.intent.name != "out_of_scope", text
    assert intent in [r.name for r in parsed.intent_ranking[:2]], text


@pytest.mark.parametrize("text", OUT_OF_SCOPE)
def test_what_the_bot_does_not_do_stays_out_of_scope(interpreter, text):
    assert interpreter.parse(text).intent.name == "out_of_scope", text


@pytest.mark.parametrize(("intent", "text"), [(i, t) for i, ts in POLITE.items() for t in ts])
def test_short_polite_words_are_not_affirm(interpreter, intent, text):
    assert interpreter.parse(text).intent.name == intent, text


def test_no_sentence_here_copies_a_blind_line():
    mine = [*PSYCH, *BODY, *EMERGENCY, *OUT_OF_SCOPE, *(t for ts in IN_SCOPE.values() for t in ts),
            *(t for ts in POLITE.values() for t in ts)]
    assert_copies_no_measured_line(mine, "nlu/data/round8_intents.yml")
    from tests.intake import test_psych_round8 as dialogue

    assert_copies_no_measured_line([dialogue.WORRY_AND_NO_SLEEP, dialogue.LOW_MOOD_ALONE], "nlu/data/round8_intents.yml")
