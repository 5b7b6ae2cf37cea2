"""Issue 11, second round: classes of wording that text written outside the project showed failing.

Every sentence here is the NLU developer's own (typed Chinese through the real pipeline and model);
none is copied or paraphrased from a blind set. Each test pins a *class* with several members, so a
fix for one phrasing cannot pass it.

The families that only say "this code is read" or "this code is not read" are rows of the tables below
(`tests/nlu/classes.py`, the helper rounds 2, 3 and 4 share); tests that check more than that stay functions.
"""

from __future__ import annotations

import pytest

from tests.nlu.classes import cases, check, present, read, values

HAS = {
    "confusion": [
        # unrousable unresponsive or disoriented is confusion
        "我奶奶下午开始怎么喊都喊不醒", "外婆睡着了叫也叫不太醒", "摇她也没反应", "我爸摔了一跤以后一点反应也没有", "爷爷跟他说话他都不理人了", "我妈今天说话语无伦次", "问她在哪都说不上来",
        "问他几点了答不上来", "连我是谁都认不出来了", "老爸说话东一句西一句的",
    ],
    "cyanosis": [
        # reduplicated colours around the mouth or nails are cyanosis
        "孩子嘴唇周围乌乌的", "宝宝哭完嘴巴四周青青的", "外公手指甲青青紫紫的", "孩子的指甲盖有点发青",
        # more red flag families
        "外公嘴唇颜色发暗发紫",
        # round two last families
        "孩子脸憋得青紫", "外公手脚发紫，冰凉",
    ],
    "limb_weakness": [
        # one side or a grip lost is limb weakness
        "我爸端碗都端不稳", "奶奶筷子都拿不住了", "他左手拿杯子拿不住", "我老公右边身子突然动不了", "我左边胳膊到手指头都麻麻酥酥的", "我老公左半边身子一点劲都没有",
        # more red flag families
        "我爸走路走不稳，老往一边倒",
        # gait and a timed fit — newcomer trial 13 (talk8): an unsteady gait alone is ataxia (actions/intake_facts.yml),
        # not one-sided weakness; 阿婆讲话口齿不清，走路也不稳 is a stroke by its slurred speech
    ],
    "stiff_neck": [
        # a neck that will not bend or turn is stiff neck
        "孩子发烧，脖子往下低不下来", "我后脖子那里发僵", "脖子僵得转不过来",
        # more red flag families
        "孩子下巴贴不到胸口",
        # round two last families
        "脖子一点都不能动",
    ],
    "chest_pain": [
        # chest pain said indirectly
        "我胸口这块像刀扎似的疼", "心口一紧一紧地疼", "胸口里面一抽一抽地痛", "我胸前像有东西压着", "心口那里像被人攥住一样", "我心窝子疼得直冒汗",
        # round two last families
        "胸口刺一下刺一下地疼", "胸骨后面闷着痛",
    ],
    "poisoning": [
        # overdose of a medicine named only by its use is poisoning
        "我吞了一整板退烧药", "刚才一口气吃了三十片止痛片", "他吃了十二片止疼药", "我把一瓶药片全吃了",
        # more red flag families
        "孩子把药当糖吃了", "家里煤气泄漏，老人头晕想吐",
        # round two last families
        "吃了野蘑菇以后上吐下泻",
    ],
    "suicidal_ideation": [
        # suicidal plans in plain words
        "我站在楼顶上，真想跳下去", "我真想从这里跳下去算了", "我真想从桥上跳下去", "我不想活了，药都准备好了", "我想找个没人的地方结束这一切",
        # more red flag families
        "我活腻了",
        # round two last families
        "我儿子说要去死",
    ],
    "bloody_stool": [
        # black or bloody stool said colour first or with a simile
        "爸爸今天拉了黑乎乎的大便", "孩子拉出来的大便带着血", "我拉的大便像墨汁一样黑",
        # more red flag families
        "擦屁股的纸上有血", "拉出来是红的",
    ],
    "vaginal_bleeding": [
        # other red flag wordings
        "月经量特别大，一个小时就湿透一片卫生巾",
    ],
    "bleeding": [
        # other red flag wordings
        "我流鼻血流了一个小时还止不住",
    ],
    "rash": [
        # other red flag wordings
        "孩子身上出了很多紫红色的小点点，按下去也不褪色",
    ],
    "vision_loss": [
        # other red flag wordings
        "眼前突然一黑，左眼看不到东西了",
    ],
    "reduced_fetal_movement": [
        # other red flag wordings
        "宝宝在肚子里一下午都不太动",
    ],
    "seizure": [
        # other red flag wordings
        "宝宝刚才手脚一直抖",
        # more red flag families
        "孩子牙关咬得紧紧的",
        # gait and a timed fit
        "她突然倒地，抽了两分钟，现在醒了",
    ],
    "facial_swelling": [
        # more red flag families
        "他舌头肿起来了", "眼皮肿得睁不开",
    ],
    "facial_droop": [
        # more red flag families
        "我妈半边脸发麻", "老人吃饭往外漏",
    ],
    "diarrhea": [
        # diarrhoea said by its count
        "昨天拉了三次", "一天拉了七八回",
    ],
    "dyspnea": [
        # round two last families
        "宝宝呼吸的时候肋骨下面凹进去",
    ],
}

LACKS = {
}


@pytest.mark.parametrize("text, code, expected", cases(HAS, LACKS))
def test_classes(interpreter, text, code, expected):
    check(interpreter, text, code, expected)


def test_around_the_mouth_is_not_four_weeks(interpreter):
    assert values(interpreter, "宝宝哭完嘴巴四周青青的", "duration") == []
    assert values(interpreter, "咳嗽四周了", "duration") == [672]


@pytest.mark.parametrize("text", [
    "我头好像被锤子敲了那样疼",
    "我妈头疼得直往墙上撞",
    "我头像被门夹了似的疼",
])
def test_similes_and_head_banging_make_a_headache_severe(interpreter, text):
    got = present(interpreter, text)
    assert "severe_headache" in got and "headache" not in got and "self_harm" not in got


@pytest.mark.parametrize("text, code", [
    ("我前胸闷得慌，不过不疼", "chest_pain"),
    ("肚子胀，但是不疼", "abdominal_pain"),
    ("头晕，不疼", "headache"),
])
def test_a_bare_no_pain_denies_the_pain_of_the_part_just_named(interpreter, text, code):
    assert (code, True) in read(interpreter, text)
    assert code not in present(interpreter, text)


@pytest.mark.parametrize("text", ["我妈喘得话都说不完整", "孩子喘得说不了话", "我爸憋得一句话都讲不出来"])
def test_too_breathless_to_speak_is_dyspnea_not_slurred_speech(interpreter, text):
    got = present(interpreter, text)
    assert "dyspnea" in got and "slurred_speech" not in got


def test_an_ordinary_dose_of_an_antipyretic_is_not_poisoning(interpreter):
    assert "poisoning" not in present(interpreter, "我吃了两片退烧药")


@pytest.mark.parametrize("text", ["万一爸妈阳了怎么办", "担心老人阳了以后会不会变成白肺", "要是我也阳了会传给孩子吗"])
def test_a_feared_positive_is_no_antigen_result_and_not_covid_positive(interpreter, text):
    result = interpreter.parse(text)
    assert not [e for e in result.entities if e.entity == "antigen_result"]
    assert result.intent.name != "covid_positive"


@pytest.mark.parametrize("text", ["这个体温算不算发烧", "我体温三十七度三，这算发烧吗", "听说阳了会嗓子疼，是真的吗"])
def test_questioned_or_hearsay_symptoms_are_not_read(interpreter, text):
    assert read(interpreter, text) == []


def test_nobody_denies_nothing(interpreter):
    assert ("suicidal_ideation", False) in read(interpreter, "想找个没人的地方一了百了")


def test_one_entity_per_symptom_said(interpreter):
    got = read(interpreter, "孩子从昨晚开始一直吐，吐了五六次，喝水也吐")
    assert got.count(("vomiting", False)) == 1


def test_a_symptom_denied_then_had_again_keeps_both(interpreter):
    got = read(interpreter, "昨天不咳了，今天又开始咳嗽")
    assert ("cough", True) in got and ("cough", False) in got


@pytest.mark.parametrize("text, entity, value", [
    ("我左腿麻了一个多小时", "duration", 1),
    ("烧了两个多小时", "duration", 2),
    ("宝宝出生十五天，黄疸", "age", 0.04),
    ("她才二十八，胸口疼", "age", 28),
])
def test_value_forms(interpreter, text, entity, value):
    assert values(interpreter, text, entity) == [value]


def test_only_then_a_temperature_is_no_age(interpreter):
    assert values(interpreter, "才38度就这么难受", "age") == []


def test_gritting_ones_teeth_through_it_is_no_seizure(interpreter):
    assert "seizure" not in present(interpreter, "我咬紧牙关坚持上完了班")


@pytest.mark.parametrize("text, entity, value", [
    ("体温一直在38上下", "temperature", 38.0),
    ("一针都没打", "vaccine_doses", 0),
    ("我家老大六岁半", "subject", "child"),
    ("孙子发烧了", "subject", "child"),
])
def test_more_value_forms(interpreter, text, entity, value):
    assert values(interpreter, text, entity) == [value]


def test_two_stools_are_not_diarrhoea(interpreter):
    assert "diarrhea" not in present(interpreter, "孩子肚子疼拉了两次")


def test_a_feared_diagnosis_is_no_history(interpreter):
    conditions = [e.value for e in interpreter.parse("我手指头发麻，是不是要中风了").entities if e.entity == "condition"]
    assert conditions == []
    history = [e.value for e in interpreter.parse("我妈中风过，今天又头晕").entities if e.entity == "condition"]
    assert history == ["stroke_history"]


@pytest.mark.parametrize("text", ["咳嗽喝什么汤好", "拉肚子能吃香蕉吗", "发烧能洗澡吗", "胃疼要注意什么"])
def test_how_to_questions_about_a_symptom_name_no_patient(interpreter, text):
    assert read(interpreter, text) == []


def test_the_same_question_about_someone_is_a_report(interpreter):
    assert "diarrhea" in present(interpreter, "我家孩子拉肚子能吃香蕉吗")


@pytest.mark.parametrize("text, code", [
    ("人是清醒的", "confusion"),
    ("意识清楚", "confusion"),
    ("现在不抽了", "seizure"),
    ("说话也清楚", "slurred_speech"),
    ("手脚都有力气", "limb_weakness"),
    ("大便颜色正常", "bloody_stool"),
])
def test_a_red_flag_said_absent_is_denied(interpreter, text, code):
    assert read(interpreter, text) == [(code, True)]
