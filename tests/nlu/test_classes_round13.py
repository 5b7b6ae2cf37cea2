"""Issue 11, thirteenth round (engineer nlu14): the classes a spent blind set showed failing, fixed as families.

Every sentence here is the NLU developer's own, typed through the real pipeline and model. None shares a run of 8
characters with a blind or held-out line up to v14 (`test_no_sentence_here_copies_a_blind_line`); each class has
several wordings and counter-examples (`tests/nlu/classes.py`).
"""
from __future__ import annotations

import pytest

from tests.nlu.classes import assert_copies_no_measured_line, cases, check, read, values

HAS = {
    # 1. red flags in everyday words
    "facial_droop": ["我爸右边脸垂下来了", "奶奶半边脸耷拉下来了", "他一笑嘴角就往一边歪", "外公脸耷拉着，口水往外流"],
    "slurred_speech": ["他舌头好像大了，讲话含糊", "我妈舌头转不过来了", "老人家说话说不清楚了", "爷爷突然口齿不清楚"],
    "confusion": ["外婆今天人有点迷糊", "我爸突然讲话乱讲", "老伴说话颠三倒四的", "奶奶晚上一直说胡话", "我妈连孙子都认不得人了"],
    "syncope": ["他上厕所的时候晕到了", "老妈刚刚在厨房昏倒了", "我姐突然晕到过去"],
    "reduced_fetal_movement": ["孕33周，打早上起没怎么感觉到踢", "孕36周，肚里宝宝这半天不怎么动了",
                               "孕八个月了，从起床到现在没感觉到小家伙动"],
    "dehydration": ["娃拉了一天，好像脱水了", "宝宝嘴巴干干的，尿也很少", "老人嘴干尿少两天了"],
    "bleeding": ["来大姨妈大出血了", "他摔下楼梯大出血", "产后第三天还大出血"],
    "vaginal_bleeding": ["来大姨妈大出血了", "产后第三天还大出血", "例假来了血止不住"],
    # 2. neighbours in a list each counted
    "urinary_frequency": ["这几天尿急尿频，还有点疼"],
    "eye_pain": ["左眼红眼睛痛"],
    "back_pain": ["腰疼背疼一个星期"],
    "vomiting": ["上吐下泻，吐得胃都疼了"],
    "fever": ["娃发烧烧了五天了", "发冷发烧一整晚"],
    # 4. dialect
    "headache": ["𠊎头那痛好几天", "厓头那疼得很"],
    "abdominal_pain": ["𠊎肚屎痛了一夜"],
    "bloody_stool": ["阿爷今朝屙血", "我屙出血嚟"],
    "anxiety": ["我真系好驚呀"],
    "seizure": ["阮孙仔发惊风，手脚一直搐", "伊烧到惊风"],
    "stiff_neck": ["阿公颔颈硬硬"],
    "severe_headache": ["伊头壳痛到欲爆"],
    "low_mood": ["这阵心情真穤"],
}

LACKS = {
    # 5. not health at all
    "fatigue": ["好嘞医生", "得嘞，明白"],
    "fever": ["煮奶茶的水要烧多久", "开水要烧开才能喝吗"],
    "suicidal_ideation": ["想死你了亲爱的", "妈妈想死您了", "好久没见想死我了"],
    "confusion": ["你们这机器人答非所问", "客服答非所问的"],
    "vision_loss": ["字体太小看不清", "页面上的字太小，看不清楚"],
    # no bleeding of the womb outside a period, a birth or a pregnancy
    "vaginal_bleeding": ["他摔下楼梯大出血"],
    # 1. a listed phrase read once: no second sign from the same word said again
    "reduced_fetal_movement": ["刚满月的娃睡得沉，摸着没感觉到他动", "三个月的小子今儿懒得动弹"],
}

STILL_RED = ["我想死", "活着好累，真想死", "想死了算了", "我真的想死你们别管我"]

NEGATED = [
    ("头疼是头疼，但不是那种炸开的疼", "severe_headache"),
    ("头有点痛，并不是剧烈的那种", "severe_headache"),
    ("舌头没肿，也没觉得喉咙发紧", "facial_swelling"),
]

COUNTS = [
    ("尿急尿频，小便疼", "urinary_frequency", 2),
    ("眼红眼睛疼两天", "eye_pain", 2),
    ("腰痛背痛", "back_pain", 2),
    ("拉肚子呕吐，吐到肚子疼", "vomiting", 2),
    ("发烧烧了快一个月", "fever", 2),
    ("舌头没肿，也没觉得喉咙发紧", "facial_swelling", 2),
    # the same word said again stays one sign
    ("娃吐了四五回，喂口米汤也吐", "vomiting", 1),
    ("咳嗽，又咳了", "cough", 1),
]

INTENTS = [
    ("劳力喔", "thanks"), ("多谢，劳力啦", "thanks"), ("唔该晒晒", "thanks"),
    ("汝好，请问", "greet"),
    ("伓是喔", "deny"),
    ("我欲揣一个先生", "request_doctor"),
    ("莫擱寄了", "unsubscribe"),
    ("阮也阳去啊", "covid_positive"), ("我老婆阳咗", "covid_positive"),
    ("饭要烧多久", "out_of_scope"),
    ("回答答非所问", "feedback"),
]


@pytest.mark.parametrize("text, code, expected", cases(HAS, LACKS))
def test_round13_class(interpreter, text, code, expected):
    check(interpreter, text, code, expected)


@pytest.mark.parametrize("text", STILL_RED)
def test_every_other_wish_to_die_stays_a_red_flag(interpreter, text):
    assert ("suicidal_ideation", False) in read(interpreter, text), text


@pytest.mark.parametrize("text, code", NEGATED)
def test_a_red_flag_said_absent_in_a_contrast_is_denied(interpreter, text, code):
    got = read(interpreter, text)
    assert (code, True) in got and (code, False) not in got, got


@pytest.mark.parametrize("text, code, n", COUNTS)
def test_each_sign_said_counts_once(interpreter, text, code, n):
    assert [c for c, _ in read(interpreter, text)].count(code) == n, read(interpreter, text)


@pytest.mark.parametrize("text, intent", INTENTS)
def test_dialect_and_non_health_intents(interpreter, text, intent):
    assert interpreter.parse(text).intent.name == intent, text


@pytest.mark.parametrize("text, entity, expected", [
    ("我咳咗成个礼拜", "duration", [168]), ("屙血成个月", "duration", [720]),
    ("依妈咳嗽", "subject", ["parent"]), ("𠊎发烧", "subject", ["self"]), ("厓冇咳", "subject", ["self"]),
    ("我老公阳咗", "antigen_result", ["positive"]),
])
def test_dialect_values(interpreter, text, entity, expected):
    assert values(interpreter, text, entity) == expected


def test_no_sentence_here_copies_a_blind_line():
    mine = [*(t for ts in HAS.values() for t in ts), *(t for ts in LACKS.values() for t in ts), *STILL_RED,
            *(t for t, _ in NEGATED), *(t for t, _, _ in COUNTS), *(t for t, _ in INTENTS)]
    assert_copies_no_measured_line(mine, "nlu/data/round13_classes.yml", newest_blind=14)
