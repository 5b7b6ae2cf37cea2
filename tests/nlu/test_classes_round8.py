"""Issue 11, eighth round: the classes blind v8 and the lead's conversations showed failing (v8 is spent: its errors
were read).

Every sentence here is the NLU developer's own, typed Chinese through the real pipeline and model. None may share a
run of 8 characters with a blind or held-out line (`test_no_sentence_here_copies_a_blind_line` checks it), so the
tests pin the class, not the items. Each class has several members and counter-examples (`tests/nlu/classes.py`).
"""
from __future__ import annotations

import pytest

from bot.monitoring.parse import read_readings
from nlu.blood_pressure import read_blood_pressure
from nlu.text import normalise, numeric_view
from tests.nlu.classes import assert_copies_no_measured_line, cases, check, check_values, read, value_cases

HAS = {
    # shingles in everyday words, and the miswritings of 水泡 (vocabulary.yml has no shingles code: a rash)
    "rash": ["我爸长了缠腰龙", "外婆腰上生了蛇盘疮", "他生蛇了，疼得睡不着", "肚子上一圈水泡", "背上起了好多水抛", "手臂上有几个小水炮"],
    # a listless child in everyday words
    "drowsiness": ["娃今天有点蔫", "孙女比平时蔫", "宝宝打蔫了", "小家伙发蔫，不爱动", "吃了感冒药以后好困"],
    # milk or food refused with 也/都 between: the cue is the refusal
    "refusal_to_feed": ["宝宝奶也不喝了", "闺女米糊都不肯吃", "孩子奶粉一口也不喝", "娃吃奶吃得很少"],
    # a pregnant woman's bleeding said with no body part
    "vaginal_bleeding": ["孕九周，刚才发现出血了", "怀孕二十周又流血了", "我是孕妇，今天出了点血"],
    # reported speech does not hide speech that is unclear
    "slurred_speech": ["他说不清楚话了", "我爸头疼，她说不清楚话了", "他讲不清楚话了"],
    # a throat that burns or itches is a sore throat (not fever, not the skin's itch)
    "sore_throat": ["喝了洗洁精，喉咙好烧", "嗓子火辣辣的", "喉咙发痒老想咳", "嗓子干痒"],
    # spots that stay when pressed, said in the next clause
    "nonblanching_rash": ["腿上一片红点子，用手按一按还是不退", "身上好多紫点，拿玻璃杯压还是紫的"],
    # scalded with the agent between, and the burn's blister
    "burn": ["孩子被热粥烫到了脚", "手让蒸锅烫了一下，起了个水泡"],
    # the overdose as an act
    "poisoning": ["爷爷把半瓶降糖药全吃了", "快克吃了两包又喝了感康，两样一起吃了"],
    # more families
    "bloody_stool": ["我解大号是黑色的"],
    "urinary_frequency": ["尿特别急", "没过一会又要上厕所，尿不多"],
    "dysuria": ["尿完还疼"],
    "joint_pain": ["手腕疼了好几天", "关节酸胀得很"],
    "vision_loss": ["右眼看东西一半黑了"],
    "facial_droop": ["外公脸突然歪一边"],
    "hives": ["胳膊上起了好多大包"],
    "chills": ["冷得牙齿都在打架"],
    "ear_pain": ["宝宝老抓耳朵", "娃一直扯耳朵哭"],
    "nasal_congestion": ["鼻子堵了只能用嘴呼吸", "晚上张着嘴睡"],
    "chest_tightness": ["老想长出一口气"],
    "wheezing": ["喘气有哨子声", "呼吸像吹哨子"],
    "chest_pain": ["咳得肋骨痛"],
    "low_mood": ["这些天心里难受得很"],
    "back_pain": ["后背都是僵的"],
}

LACKS = {
    "drowsiness": ["我最近没精神"],  # an adult's 没精神 stays fatigue (round 5)
    "rash": ["手让蒸锅烫了一下，起了个水泡"],  # the burn's blister
    "vaginal_bleeding": ["孕妇刷牙发现牙龈出血", "我发现出血了"],  # a part named; no pregnancy spoken of
    "slurred_speech": ["他说不清", "他说不清楚", "说不清，体温计坏了"],  # "cannot tell" (test_cannot_tell.py)
    "fever": ["喝了洗洁精，喉咙好烧"],
    "itching": ["嗓子干痒"],
    "nonblanching_rash": ["脚肿了，按下去不消"],
    "wheezing": ["肚子咕噜咕噜叫"],
    "refusal_to_feed": ["吃奶也挺好"],
}


@pytest.mark.parametrize("text, code, expected", cases(HAS, LACKS))
def test_round8_class(interpreter, text, code, expected):
    check(interpreter, text, code, expected)


@pytest.mark.parametrize("text", ["宝宝吃奶也正常", "孩子现在奶吃得好多了"])
def test_feeding_said_fine_denies_refusal(interpreter, text):
    assert ("refusal_to_feed", True) in read(interpreter, text)


def test_a_sense_come_back_denies_its_loss(interpreter):
    assert ("loss_of_taste_smell", True) in read(interpreter, "嗅觉也恢复了")


def test_each_sign_in_another_clause_is_its_own_entity(interpreter):
    codes = [c for c, _ in read(interpreter, "吃了海鲜，眼皮肿了，舌头也肿")]
    assert codes.count("facial_swelling") == 2
    # the same word said again is one sign (round 2)
    assert [c for c, _ in read(interpreter, "一直吐，吐了五六次，喝水也吐")].count("vomiting") == 1


def test_an_overdose_span_covers_the_act(interpreter):
    [poisoning] = [e for e in interpreter.parse("孩子把一整板退烧药吞光了").entities if e.value == "poisoning"]
    assert poisoning.text.endswith("吞光了")


@pytest.mark.parametrize("text, entity, expected", value_cases([
    ("宝宝半岁，发烧", "age", [0.5]),
    ("宝宝一个半月，吐奶", "age", [0.12]),
    ("她八十二了，一直咳", "age", [82]),
    ("我二十几岁", "age", []),
    ("他38了", "age", []),  # a bare temperature, maybe: no age
    ("新冠疫苗一共打了三针", "vaccine_doses", [3]),
    ("手指头一共缝了五针", "vaccine_doses", []),
    ("夹手指的那个显示93", "spo2", [93]),
]))
def test_round8_values(interpreter, text, entity, expected):
    check_values(interpreter, text, entity, expected)


@pytest.mark.parametrize("text, expected", [
    ("血压148/92", {"systolic": 148, "diastolic": 92}),
    ("今天高压165低压102，头有点胀", {"systolic": 165, "diastolic": 102}),
    ("刚量的血压一百三十五八十五", {"systolic": 135, "diastolic": 85}),
    ("血压一百五九十五", {"systolic": 150, "diastolic": 95}),
    ("高压一百七", {"systolic": 170}),
])
def test_blood_pressure_entity(interpreter, text, expected):
    assert [e.value for e in interpreter.parse(text).entities_of("blood_pressure")] == [expected]


@pytest.mark.parametrize("text", ["血压高了3次", "血压多少算正常？", "高压一百六正常吗？"])
def test_no_blood_pressure_read_from_a_count_or_a_question(interpreter, text):
    assert interpreter.parse(text).entities_of("blood_pressure") == []


def test_monitoring_reads_the_nlu_blood_pressure():
    text = "早上血压一百四十二九十一，体温36度8"
    [bp] = read_blood_pressure(numeric_view(normalise(text)).text.lower())
    assert (bp.systolic, bp.diastolic) == (142, 91)
    found = {(f.measure, f.value) for f in read_readings(text, [])}
    assert {("sbp", 142), ("dbp", 91)} <= found


def test_no_sentence_here_copies_a_blind_line():
    mine = [t for table in (HAS, LACKS) for texts in table.values() for t in texts]
    mine += ["宝宝吃奶也正常", "孩子现在奶吃得好多了", "嗅觉也恢复了", "吃了海鲜，眼皮肿了，舌头也肿", "一直吐，吐了五六次，喝水也吐",
             "孩子把一整板退烧药吞光了", "宝宝半岁，发烧", "宝宝一个半月，吐奶", "她八十二了，一直咳", "新冠疫苗一共打了三针",
             "手指头一共缝了五针", "夹手指的那个显示93", "今天高压165低压102，头有点胀", "刚量的血压一百三十五八十五",
             "早上血压一百四十二九十一，体温36度8"]
    assert_copies_no_measured_line(mine, "nlu/data/round8_classes.yml")
