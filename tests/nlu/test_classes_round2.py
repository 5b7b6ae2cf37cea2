"""Issue 11, second round: classes of wording that text written outside the project showed failing.

Every sentence here is the NLU developer's own (typed Chinese through the real pipeline and model);
none is copied or paraphrased from a blind set. Each test pins a *class* with several members, so a
fix for one phrasing cannot pass it.
"""
from __future__ import annotations

import pytest

from nlu.interpreter import MedicalInterpreter


def read(interpreter: MedicalInterpreter, text: str) -> list[tuple[str, bool]]:
    return [(e.value, bool(e.negated)) for e in interpreter.parse(text).entities_of("symptom")]


def present(interpreter: MedicalInterpreter, text: str) -> set[str]:
    return {code for code, negated in read(interpreter, text) if not negated}


def values(interpreter: MedicalInterpreter, text: str, entity: str) -> list[object]:
    return [e.value for e in interpreter.parse(text).entities if e.entity == entity]


# ---- red flags in plain words -----------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "我奶奶下午开始怎么喊都喊不醒",
    "外婆睡着了叫也叫不太醒",
    "摇她也没反应",
    "我爸摔了一跤以后一点反应也没有",
    "爷爷跟他说话他都不理人了",
    "我妈今天说话语无伦次",
    "问她在哪都说不上来",
    "问他几点了答不上来",
    "连我是谁都认不出来了",
    "老爸说话东一句西一句的",
])
def test_unrousable_unresponsive_or_disoriented_is_confusion(interpreter, text):
    assert "confusion" in present(interpreter, text)


@pytest.mark.parametrize("text", [
    "孩子嘴唇周围乌乌的",
    "宝宝哭完嘴巴四周青青的",
    "外公手指甲青青紫紫的",
    "孩子的指甲盖有点发青",
])
def test_reduplicated_colours_around_the_mouth_or_nails_are_cyanosis(interpreter, text):
    assert "cyanosis" in present(interpreter, text)


def test_around_the_mouth_is_not_four_weeks(interpreter):
    assert values(interpreter, "宝宝哭完嘴巴四周青青的", "duration") == []
    assert values(interpreter, "咳嗽四周了", "duration") == [672]


@pytest.mark.parametrize("text", [
    "我爸端碗都端不稳",
    "奶奶筷子都拿不住了",
    "他左手拿杯子拿不住",
    "我老公右边身子突然动不了",
    "我左边胳膊到手指头都麻麻酥酥的",
    "我老公左半边身子一点劲都没有",
])
def test_one_side_or_a_grip_lost_is_limb_weakness(interpreter, text):
    assert "limb_weakness" in present(interpreter, text)


@pytest.mark.parametrize("text", ["孩子发烧，脖子往下低不下来", "我后脖子那里发僵", "脖子僵得转不过来"])
def test_a_neck_that_will_not_bend_or_turn_is_stiff_neck(interpreter, text):
    assert "stiff_neck" in present(interpreter, text)


@pytest.mark.parametrize("text", [
    "我头好像被锤子敲了那样疼",
    "我妈头疼得直往墙上撞",
    "我头像被门夹了似的疼",
])
def test_similes_and_head_banging_make_a_headache_severe(interpreter, text):
    got = present(interpreter, text)
    assert "severe_headache" in got and "headache" not in got and "self_harm" not in got


@pytest.mark.parametrize("text", [
    "我胸口这块像刀扎似的疼",
    "心口一紧一紧地疼",
    "胸口里面一抽一抽地痛",
    "我胸前像有东西压着",
    "心口那里像被人攥住一样",
    "我心窝子疼得直冒汗",
])
def test_chest_pain_said_indirectly(interpreter, text):
    assert "chest_pain" in present(interpreter, text)


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


@pytest.mark.parametrize("text", ["我吞了一整板退烧药", "刚才一口气吃了三十片止痛片", "他吃了十二片止疼药", "我把一瓶药片全吃了"])
def test_overdose_of_a_medicine_named_only_by_its_use_is_poisoning(interpreter, text):
    assert "poisoning" in present(interpreter, text)


def test_an_ordinary_dose_of_an_antipyretic_is_not_poisoning(interpreter):
    assert "poisoning" not in present(interpreter, "我吃了两片退烧药")


@pytest.mark.parametrize("text", ["我站在楼顶上，真想跳下去", "我真想从这里跳下去算了", "我真想从桥上跳下去",
                                  "我不想活了，药都准备好了", "我想找个没人的地方结束这一切"])
def test_suicidal_plans_in_plain_words(interpreter, text):
    assert "suicidal_ideation" in present(interpreter, text)


@pytest.mark.parametrize("text", ["爸爸今天拉了黑乎乎的大便", "孩子拉出来的大便带着血", "我拉的大便像墨汁一样黑"])
def test_black_or_bloody_stool_said_colour_first_or_with_a_simile(interpreter, text):
    assert "bloody_stool" in present(interpreter, text)


@pytest.mark.parametrize("text, code", [
    ("月经量特别大，一个小时就湿透一片卫生巾", "vaginal_bleeding"),
    ("我流鼻血流了一个小时还止不住", "bleeding"),
    ("孩子身上出了很多紫红色的小点点，按下去也不褪色", "rash"),
    ("眼前突然一黑，左眼看不到东西了", "vision_loss"),
    ("宝宝在肚子里一下午都不太动", "reduced_fetal_movement"),
    ("宝宝刚才手脚一直抖", "seizure"),
])
def test_other_red_flag_wordings(interpreter, text, code):
    assert code in present(interpreter, text)


# ---- false positives: supposed, feared or asked-about illness ---------------------------------

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


# ---- values -----------------------------------------------------------------------------------

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


@pytest.mark.parametrize("text, code", [
    ("他舌头肿起来了", "facial_swelling"),
    ("眼皮肿得睁不开", "facial_swelling"),
    ("我爸走路走不稳，老往一边倒", "limb_weakness"),
    ("我妈半边脸发麻", "facial_droop"),
    ("老人吃饭往外漏", "facial_droop"),
    ("孩子牙关咬得紧紧的", "seizure"),
    ("外公嘴唇颜色发暗发紫", "cyanosis"),
    ("孩子下巴贴不到胸口", "stiff_neck"),
    ("擦屁股的纸上有血", "bloody_stool"),
    ("拉出来是红的", "bloody_stool"),
    ("我活腻了", "suicidal_ideation"),
    ("孩子把药当糖吃了", "poisoning"),
    ("家里煤气泄漏，老人头晕想吐", "poisoning"),
])
def test_more_red_flag_families(interpreter, text, code):
    assert code in present(interpreter, text)


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


@pytest.mark.parametrize("text", ["昨天拉了三次", "一天拉了七八回"])
def test_diarrhoea_said_by_its_count(interpreter, text):
    assert "diarrhea" in present(interpreter, text)


def test_two_stools_are_not_diarrhoea(interpreter):
    assert "diarrhea" not in present(interpreter, "孩子肚子疼拉了两次")


@pytest.mark.parametrize("text, code", [
    ("阿婆讲话口齿不清，走路也不稳", "limb_weakness"),
    ("她突然倒地，抽了两分钟，现在醒了", "seizure"),
])
def test_gait_and_a_timed_fit(interpreter, text, code):
    assert code in present(interpreter, text)


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
    ("孩子脸憋得青紫", "cyanosis"),
    ("外公手脚发紫，冰凉", "cyanosis"),
    ("胸口刺一下刺一下地疼", "chest_pain"),
    ("胸骨后面闷着痛", "chest_pain"),
    ("宝宝呼吸的时候肋骨下面凹进去", "dyspnea"),
    ("脖子一点都不能动", "stiff_neck"),
    ("吃了野蘑菇以后上吐下泻", "poisoning"),
    ("我儿子说要去死", "suicidal_ideation"),
])
def test_round_two_last_families(interpreter, text, code):
    assert code in present(interpreter, text)


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
