"""Issue 11, eleventh round (engineer nlu13): the classes blind v12 showed failing, described in words by the lead.

Every sentence here is the NLU developer's own, typed through the real pipeline and model; none shares a run of 8
characters with a blind or held-out line up to v12 (`test_no_sentence_here_copies_a_blind_line`). Each class has
several members and counter-examples (`tests/nlu/classes.py`).
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.nlu.classes import assert_copies_no_measured_line, cases, check, check_values, read, value_cases

# 1. Spoken tenths after 度 followed by another number (cn2an joined 七一 into 71, 七两 into 72: the reading fell to 38.0).
TEMPERATURES = [
    ("宝宝三十八度七一直退不下去", "temperature", [38.7]),
    ("三十九度二两天了还在烧", "temperature", [39.2]),
    ("卅八度六三天了", "temperature", [38.6]),
    ("早上量了38度7一整天没退", "temperature", [38.7]),
    ("體溫三十七度八兩天", "temperature", [37.8]),
    ("老人家四十度一，人迷糊", "temperature", [40.1]),
    ("烧到三十八度半一直不退", "temperature", [38.5]),
    ("三十八度七八的样子", "temperature", [38.8]),  # a range of two neighbouring tenths: the upper end
    ("三十九度二两天了还在烧", "duration", [48]),
    ("血氧九十一，喘得厉害", "spo2", [91]),
    ("心跳一分钟一百一十几下", "heart_rate", [110]),
]

# 2. Red flags said in Cantonese, Minnan and Hakka.
HAS = {
    "limb_weakness": ["我阿妈左边半边身冇晒力", "老豆今朝起身半边身郁唔到", "阮阿公半爿身无力",
                      "爷爷半片身冇力，企唔稳"],
    "dyspnea": ["佢行两步就透唔到气", "阿婆半夜唞唔到气", "阮阿母敨袂着气", "伯公透毋到气"],
    "slurred_speech": ["阿爸今日讲嘢唔清楚", "外公讲嘢含含糊糊，口水流", "老豆突然讲嘢黐脷"],
    "confusion": ["我妈今早起来讲话乱七八糟", "阿嫲讲嘢乱七八糟，认唔到人", "外婆人懵咗，问乜都唔识答"],
    "loss_of_taste_smell": ["阮阿公食物件拢无味", "食咩都冇味，发烧两日", "这两工鼻袂着味",
                            "阳了之后失去嗅覺", "味覺好像失去了", "嗅觉没了，吃饭不香"],
    "drowsiness": ["三个月的宝宝哭都没什么力气", "BB喊都冇力，一直瞓", "小孩哭声弱弱的，叫也懒得睁眼"],
    "syncope": ["阿爷行街晕低咗"],
    "seizure": ["细路发烧发羊吊"],
    # 4. a negated name with a word of decrease: the decrease is denied, not the movement
    "hemoptysis": ["咳嗽有痰，痰里面带血"],
    # 5. the correlative 吃什么吐什么 is a report
    "vomiting": ["这两天恶心，吃啥吐啥", "娃喝什么吐什么"],
    "diarrhea": ["肚子绞着疼，吃什么拉什么"],
    # 7. typos and traditional script
    "runny_nose": ["娃流鼻第两天了", "早上起来一直流鼻弟"],
}

LACKS = {
    # a baby too weak to cry is drowsy, not just tired
    "fatigue": ["三个月的宝宝哭都没什么力气", "BB喊都冇力，一直瞓"],
    # 4. 没有胎动减少: no reduced fetal movement; post-posed 不怎么 / 不太 / 还好 deny the symptom before them
    "reduced_fetal_movement": ["怀孕三十一周，并没有胎动减少", "怀孕7个月了，没胎动变少", "这几天也没有胎动异常"],
    "hemoptysis": ["咳嗽，没有痰里带血"],
    "sore_throat": ["嗓子痛现在倒不怎么痛了，主要是咳", "嗓子疼不太疼了"],
    "headache": ["头疼还好，主要是发烧"],
}


@pytest.mark.parametrize("text, entity, expected", value_cases(TEMPERATURES))
def test_spoken_tenths(interpreter, text, entity, expected):
    check_values(interpreter, text, entity, expected)


@pytest.mark.parametrize("text, code, expected", cases(HAS, LACKS))
def test_round11_class(interpreter, text, code, expected):
    check(interpreter, text, code, expected)


@pytest.mark.parametrize("text", ["烧得不太高，就是没精神", "发烧不太高，三十七度八"])
def test_a_low_fever_is_still_a_fever(interpreter, text):
    assert ("fever", False) in read(interpreter, text)


@pytest.mark.parametrize("text, code", [
    ("怀孕三十一周，并没有胎动减少", "reduced_fetal_movement"),
    ("咳嗽，没有痰里带血", "hemoptysis"),
    ("嗓子痛现在倒不怎么痛了，主要是咳", "sore_throat"),
    ("头疼还好，主要是发烧", "headache"),
    ("咳嗽倒不太咳了", "cough"),
])
def test_denied_in_scope(interpreter, text, code):
    assert (code, True) in read(interpreter, text), read(interpreter, text)


# 3. yes and no in the dialects (毋是 was read as yes: a dangerous answer to "是不是突然发生的？").
@pytest.mark.parametrize("text, intent", [
    ("毋是啦", "deny"), ("毋是，伊无咳", "deny"), ("唔係呀", "deny"), ("唔係，佢冇发烧", "deny"), ("冇啊", "deny"),
    ("无啦", "deny"), ("算不上吧", "deny"), ("谈不上", "deny"), ("毋", "deny"),
    ("係啊", "affirm"), ("係呀，係呀", "affirm"), ("著啦", "affirm"), ("是啦", "affirm"), ("有啊", "affirm"),
])
def test_dialect_yes_and_no(interpreter, text, intent):
    assert interpreter.parse(text).intent.name == intent, text


@pytest.mark.parametrize("text", ["毋知", "唔知呀"])
def test_dialect_dont_know_is_never_yes(interpreter, text):
    assert interpreter.parse(text).intent.name != "affirm", text


# 5. A symptom named in a question is reported (CONTRACTS §3), marked `asked` when nobody is named.
@pytest.mark.parametrize("text, code", [
    ("咳得厉害吃什么药止咳比较好", "cough"), ("胸口发闷要去医院吗", "chest_tightness"), ("拉肚子能喝什么", "diarrhea"),
])
def test_symptom_of_a_general_question_is_reported_as_asked(interpreter, text, code):
    found = [e for e in interpreter.parse(text).entities_of("symptom") if e.value == code]
    assert found and found[0].asked and not found[0].negated
    assert found[0].to_dict()["asked"] is True
    assert code not in {e.value for e in interpreter.parse(text).without_asked().entities_of("symptom")}


@pytest.mark.parametrize("text", ["这两天恶心，吃啥吐啥", "娃喝什么吐什么", "肚子绞着疼，吃什么拉什么"])
def test_whatever_goes_in_comes_out_is_a_report(interpreter, text):
    parse = interpreter.parse(text)
    assert parse.intent.name == "report_symptoms", parse.intent
    assert not any(e.asked for e in parse.entities)


# 6. No duration where the hours or days are no illness's.
@pytest.mark.parametrize("text", ["这个胶囊一天能吃几回", "孩子的退烧药一天最多吃几次", "老公抽烟一天差不多一包",
                                  "我爸一天喝一斤白酒", "48小时的核酸还能用吗", "做核酸要多少小时出结果，要24小时内的吗",
                                  "你们发热门诊是不是24小时都有人", "这几天每天只睡四个小时"])
def test_no_duration_outside_an_illness(interpreter, text):
    assert not [e for e in interpreter.parse(text).entities if e.entity == "duration"], text


@pytest.mark.parametrize("text, hours", [("发烧24小时了，要去急诊吗", 24), ("咳了一天，一天咳十几次", 24), ("烧了两天，睡了五个小时", 48)])
def test_an_illness_duration_stays(interpreter, text, hours):
    assert [e.value for e in interpreter.parse(text).entities if e.entity == "duration"][:1] == [hours], text


@pytest.mark.parametrize("text, age", [("BB六個月，咳嗽", 0.5), ("我家bb四個月大，發燒", 0.33), ("啤啤兩個月，吐奶", 0.17)])
def test_a_cantonese_baby_word_gives_an_age(interpreter, text, age):
    parse = interpreter.parse(text)
    assert [e.value for e in parse.entities if e.entity == "age"] == [age]
    assert not [e for e in parse.entities if e.entity == "duration"]
    assert [e.value for e in parse.entities if e.entity == "subject"] == ["infant"]


# 7. The bare number of vaccine doses (the answer to 疫苗打了几针？); stitches are not doses.
@pytest.mark.parametrize("text, doses", [("一针", [1]), ("就打了两针", [2]), ("四针了", [4]), ("三劑", [3]), ("缝了四针", [])])
def test_bare_doses(interpreter, text, doses):
    assert [e.value for e in interpreter.parse(text).entities if e.entity == "vaccine_doses"] == doses


def test_no_sentence_here_copies_a_blind_line():
    # every quoted Chinese string of this file, the parametrized ones included
    mine = re.findall(r'"([^"\n]*[\u4e00-\u9fff][^"\n]*)"', Path(__file__).read_text(encoding="utf-8"))
    assert len(mine) > 80
    assert_copies_no_measured_line(mine, "nlu/data/round11_classes.yml", newest_blind=12)


# Found at the merge: the typo matcher took 闷闷的 (gloomy) for 懵懵的 (dazed), so a relative describing a parent's low
# mood raised an altered-consciousness emergency. A gloomy person is low mood; a dazed one stays confusion; a 心里闷
# stays the chest's tightness (the safe reading).
@pytest.mark.parametrize(("text", "code", "not_code"), [
    ("退休以后整个人闷闷的，不爱出门", "low_mood", "confusion"),
    ("外公这阵子人闷闷的", "low_mood", "confusion"),
    ("她整天闷闷的不说话", "low_mood", "confusion"),
    ("我爸人懵懵的，叫他半天才应", "confusion", "low_mood"),
    ("这两天心里闷闷的，喘气费劲", "chest_tightness", "confusion"),
])
def test_gloomy_is_not_dazed(interpreter, text, code, not_code):
    check(interpreter, text, code, True)
    check(interpreter, text, not_code, False)
