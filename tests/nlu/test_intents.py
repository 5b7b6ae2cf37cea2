"""Intents for what patients type, above all the short answers the dialogue depends on."""
from __future__ import annotations

import pytest

from nlu.evaluation import evaluate
from nlu.interpreter import DEFAULT_TEST_DATA, MedicalInterpreter
from nlu.training_data import load_examples


@pytest.mark.parametrize("text", ["有", "有的", "是", "对", "是的", "好的", "嗯嗯"])
def test_yes_answers_are_affirm(interpreter, text):
    assert interpreter.parse(text).intent.name == "affirm"


@pytest.mark.parametrize("text", ["没有", "没", "不是", "无", "不用了", "不要"])
def test_no_answers_are_deny(interpreter, text):
    assert interpreter.parse(text).intent.name == "deny"


@pytest.mark.parametrize("text, entity, value", [
    ("38度5", "temperature", 38.5), ("三天", "duration", 72), ("65岁", "age", 65),
    ("不对，是38度5", "temperature", 38.5), ("血氧93", "spo2", 93),
])
def test_a_bare_value_is_inform_with_its_entity(interpreter, text, entity, value):
    parsed = interpreter.parse(text)
    assert parsed.intent.name == "inform"
    assert [e.value for e in parsed.entities_of(entity)] == [value]


@pytest.mark.parametrize("text, intent", [
    ("发热/新冠咨询", "covid_positive"), ("转人工", "request_doctor"), ("转人工医生", "request_doctor"),
    ("居家护理", "ask_home_care"), ("居家护理指导", "ask_home_care"), ("什么情况要去医院", "ask_when_hospital"),
    ("心理疏导", "psych_support"), ("绑定就诊卡", "bind_card"), ("其他不舒服", "report_symptoms"),
    ("拨打120", "emergency_help"), ("重新开始", "cancel"),
])
def test_menu_and_button_texts_the_bot_shows(interpreter, text, intent):
    assert interpreter.parse(text).intent.name == intent


@pytest.mark.parametrize("text, intent", [
    ("我妈65岁发烧三天39度", "report_symptoms"), ("阳了怎么办", "covid_positive"),
    ("布洛芬和对乙酰氨基酚能一起吃吗", "ask_medication"), ("救命", "emergency_help"),
    ("帮我订机票", "out_of_scope"), ("今天天气怎么样", "out_of_scope"),
])
def test_typical_messages(interpreter, text, intent):
    assert interpreter.parse(text).intent.name == intent


def test_below_the_threshold_the_intent_is_out_of_scope(model_file):
    from nlu.classifier import IntentModel

    strict = MedicalInterpreter(IntentModel.load(model_file), threshold=0.999)
    parsed = strict.parse("我不懂这个怎么弄")
    assert parsed.intent.name == "out_of_scope"
    assert parsed.intent_ranking[0].name != "out_of_scope"  # the ranking still shows what it thought


def test_ranking_is_sorted_and_holds_probabilities(interpreter):
    ranking = interpreter.parse("我发烧咳嗽两天了").intent_ranking
    confidences = [i.confidence for i in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert 0.0 <= confidences[-1] <= confidences[0] <= 1.0
    assert len(ranking) == 10


def test_the_independent_test_file_meets_the_issue_targets(interpreter):
    report = evaluate(interpreter, load_examples([DEFAULT_TEST_DATA]))
    assert report.intent_accuracy >= 0.95
    assert report.intent_macro_f1 >= 0.93
    assert report.entities["symptom"].f1 >= 0.95
    for entity in ("temperature", "spo2", "duration", "age"):
        assert report.value_accuracy[entity] >= 0.97, entity


def test_the_test_file_has_ten_annotated_examples_per_intent_and_no_training_line():
    from collections import Counter

    from nlu.interpreter import DEFAULT_DATA

    test = load_examples([DEFAULT_TEST_DATA])
    training = {e.text for e in load_examples([DEFAULT_DATA])}
    counts = Counter(e.intent for e in test)
    assert min(counts.values()) >= 10
    assert len(counts) == 26
    shared = {e.text for e in test} & training
    # The bare one-word answers (有 / 没有 / 转人工 …) are the only lines both files may hold.
    assert all(len(t) <= 3 for t in shared), shared


def test_a_short_bare_number_is_an_answer_and_a_long_one_is_not(interpreter):
    assert interpreter.parse("95").intent.name == "inform"
    assert interpreter.parse("1234567").intent.name == "out_of_scope"
