"""Entities as the dialogue needs them: symptoms with negation scope, vitals, durations, ages, people."""
from __future__ import annotations

import pytest

from nlu.interpreter import MedicalInterpreter


def found(interpreter: MedicalInterpreter, text: str, entity: str) -> list:
    return [(e.value, e.negated) if e.negated is not None else e.value
            for e in interpreter.parse(text).entities_of(entity)]


def test_negation_stops_at_a_contrast_word(interpreter):
    assert found(interpreter, "不发烧也不咳嗽，就是喘", "symptom") == [
        ("fever", True), ("cough", True), ("dyspnea", False)]


def test_negation_covers_a_list_of_symptoms_up_to_the_clause_end(interpreter):
    assert found(interpreter, "没有发烧、咳嗽，有点流鼻涕", "symptom") == [
        ("fever", True), ("cough", True), ("runny_nose", False)]


def test_negation_after_the_symptom_denies_it(interpreter):
    assert found(interpreter, "咳嗽没有，痰也没了", "symptom") == [("cough", True), ("sputum", True)]


def test_a_new_clause_after_a_denial_is_affirmed(interpreter):
    assert found(interpreter, "没发烧但是嗓子疼", "symptom") == [("fever", True), ("sore_throat", False)]


def test_pseudo_negation_does_not_deny(interpreter):
    assert found(interpreter, "不停地咳嗽", "symptom") == [("cough", False)]
    assert found(interpreter, "吃了布洛芬还是不退烧", "symptom") == [("fever", False)]


def test_denial_words_inside_a_symptom_are_part_of_it(interpreter):
    assert found(interpreter, "没劲，闻不到味道", "symptom") == [("fatigue", False), ("loss_of_taste_smell", False)]


def test_longest_word_wins_over_its_parts(interpreter):
    assert found(interpreter, "吐血了", "symptom") == [("hematemesis", False)]
    assert found(interpreter, "手烧伤了", "symptom") == [("burn", False)]
    assert found(interpreter, "吃了退烧药", "symptom") == []


@pytest.mark.parametrize("text, celsius", [
    ("38.5", 38.5), ("38.5℃", 38.5), ("38度5", 38.5), ("三十八度五", 38.5), ("102华氏度", 38.9),
    ("３８．５度", 38.5), ("體溫三十九度二", 39.2), ("烧到39度多", 39.0), ("38度半", 38.5), ("体温37.8", 37.8),
    ("三十八点五度", 38.5), ("发烧最高40", 40.0),
])
def test_temperature_in_celsius_from_every_way_of_writing_it(interpreter, text, celsius):
    assert found(interpreter, text, "temperature") == [celsius]


def test_temperature_is_a_float_and_implausible_degrees_are_not_temperatures(interpreter):
    (value,) = found(interpreter, "39度", "temperature")
    assert isinstance(value, float)
    assert found(interpreter, "转了90度", "temperature") == []


@pytest.mark.parametrize("text, entity, value", [
    ("血氧92", "spo2", 92), ("指脉氧百分之九十三", "spo2", 93), ("血氧饱和度只有88%", "spo2", 88),
    ("心率120次", "heart_rate", 120), ("心跳每分钟一百一", "heart_rate", 110),
    ("呼吸每分钟30次", "respiratory_rate", 30), ("呼吸一分钟28次", "respiratory_rate", 28),
])
def test_vital_signs(interpreter, text, entity, value):
    assert found(interpreter, text, entity) == [value]


@pytest.mark.parametrize("text, hours", [
    ("三天", 72), ("两天半", 60), ("一个礼拜", 168), ("半天", 12), ("一周", 168), ("5个小时", 5),
    ("半个月", 360), ("昨晚开始", 24), ("从前天开始的", 48), ("两三天", 72), ("１２小时", 12), ("一年多", 8760),
])
def test_durations_in_hours(interpreter, text, hours):
    assert found(interpreter, text, "duration") == [hours]


def test_frequencies_and_dates_are_not_durations(interpreter):
    assert found(interpreter, "每天吃三次", "duration") == []
    assert found(interpreter, "一天三次", "duration") == []
    assert found(interpreter, "12月3日开始发烧", "duration") == []


def test_a_corrected_value_replaces_the_one_said_to_be_wrong(interpreter):
    assert found(interpreter, "不是三天，是两天", "duration") == [48]
    assert found(interpreter, "不对，是38度5", "temperature") == [38.5]


@pytest.mark.parametrize("text, years", [
    ("65岁", 65), ("六十五了", 65), ("8个月大", 0.67), ("一岁半", 1.5), ("我妈七十多了", 70),
    ("宝宝3个月", 0.25), ("年龄：45", 45), ("出生20天大", 0.05), ("八十岁的老人", 80),
])
def test_ages_in_years(interpreter, text, years):
    assert found(interpreter, text, "age") == [years]


def test_months_of_illness_are_a_duration_not_an_age(interpreter):
    assert found(interpreter, "孩子咳嗽8个月了", "duration") == [5760]
    assert found(interpreter, "孩子咳嗽8个月了", "age") == []


@pytest.mark.parametrize("text, subject", [
    ("我发烧了", "self"), ("孩子发烧了", "child"), ("宝宝发烧了", "infant"), ("我妈发烧", "parent"),
    ("老人发烧", "parent"), ("我老公发烧", "spouse"), ("我同事发烧", "other"),
])
def test_whose_illness_it_is(interpreter, text, subject):
    assert found(interpreter, text, "subject") == [subject]


def test_a_toddler_called_baobao_is_a_child(interpreter):
    assert found(interpreter, "宝宝3岁发烧", "subject") == ["child"]


def test_wo_is_not_a_patient_in_a_service_request(interpreter):
    assert found(interpreter, "我要挂号", "subject") == []
    assert found(interpreter, "我妈和我都发烧", "subject") == ["parent"]


def test_pregnancy_weeks_when_given_else_true(interpreter):
    assert found(interpreter, "怀孕20周，见红", "pregnancy") == [20]
    assert found(interpreter, "孕8个月", "pregnancy") == [35]
    assert found(interpreter, "我是孕妇", "pregnancy") == [True]


def test_denied_pregnancy_is_a_negated_pregnancy(interpreter):
    assert found(interpreter, "没有怀孕", "pregnancy") == [(True, True)]
    assert found(interpreter, "没有怀孕", "condition") == []


@pytest.mark.parametrize("text, result", [
    ("阳了", "positive"), ("抗原两道杠", "positive"), ("我🐑了", "positive"), ("核酸陽性", "positive"),
    ("抗原一条杠", "negative"), ("不是阳性", "negative"), ("还没阳", "negative"),
])
def test_antigen_results(interpreter, text, result):
    assert found(interpreter, text, "antigen_result") == [result]


@pytest.mark.parametrize("text, doses", [
    ("打了三针疫苗", 3), ("疫苗打过两针", 2), ("没打疫苗", 0), ("疫苗一针都没打", 0), ("打过加强针", 3),
])
def test_vaccine_doses(interpreter, text, doses):
    assert found(interpreter, text, "vaccine_doses") == [doses]


def test_sex_conditions_and_medications(interpreter):
    parsed = interpreter.parse("男，72岁，有高血压和糖尿病，没吃降压药，吃了泰诺林")
    assert [e.value for e in parsed.entities_of("sex")] == ["male"]
    assert [(e.value, e.negated) for e in parsed.entities_of("condition")] == [
        ("hypertension", False), ("diabetes", False)]
    assert [(e.value, e.negated) for e in parsed.entities_of("medication")] == [
        ("antihypertensive", True), ("acetaminophen", False)]


def test_contract_example_parses_exactly_as_documented(interpreter):
    text = "我妈65岁，发烧三天了，最高39度，没有咳嗽，血氧92"
    assert [e.to_dict() for e in interpreter.parse(text).entities] == [
        {"entity": "subject", "value": "parent", "start": 0, "end": 2, "text": "我妈"},
        {"entity": "age", "value": 65, "start": 2, "end": 5, "text": "65岁"},
        {"entity": "symptom", "value": "fever", "negated": False, "start": 6, "end": 8, "text": "发烧"},
        {"entity": "duration", "value": 72, "start": 8, "end": 10, "text": "三天"},
        {"entity": "temperature", "value": 39.0, "start": 14, "end": 17, "text": "39度"},
        {"entity": "symptom", "value": "cough", "negated": True, "start": 20, "end": 22, "text": "咳嗽"},
        {"entity": "spo2", "value": 92, "start": 23, "end": 27, "text": "血氧92"},
    ]


def test_traditional_and_full_width_text_keeps_original_offsets(interpreter):
    text = "發燒３天，體溫３９．２℃"
    parsed = interpreter.parse(text)
    assert [(e.entity, e.value, e.text) for e in parsed.entities] == [
        ("symptom", "fever", "發燒"), ("duration", 72, "３天"), ("temperature", 39.2, "３９．２℃")]


def test_events_per_day_are_not_a_duration(interpreter):
    parsed = interpreter.parse("昨天开始拉肚子，一天拉了七八次")
    assert [e.value for e in parsed.entities_of("duration")] == [24]


def test_per_minute_after_a_rate_is_part_of_the_rate(interpreter):
    parsed = interpreter.parse("呼吸30次一分钟")
    assert [e.value for e in parsed.entities_of("respiratory_rate")] == [30]
    assert parsed.entities_of("duration") == []


def test_asking_when_one_turns_negative_is_not_a_negative_result(interpreter):
    assert found(interpreter, "多久能转阴", "antigen_result") == []
    assert found(interpreter, "转阴了吗", "antigen_result") == []
    assert found(interpreter, "今天转阴了", "antigen_result") == ["negative"]


def test_one_sided_weakness_is_a_stroke_sign_not_tiredness(interpreter):
    assert found(interpreter, "我妈突然说话不清楚 右手没力气", "symptom") == [
        ("slurred_speech", False), ("limb_weakness", False)]


def test_a_bare_integer_is_no_entity_because_it_answers_whatever_was_asked(interpreter):
    assert interpreter.parse("95").entities == []
    assert interpreter.parse("72").entities == []
