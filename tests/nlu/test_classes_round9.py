"""Issue 11, ninth round (engineer nlu11): the classes blind v10 (and v9, v8) showed failing — v10 is now spent.

Every sentence here is the NLU developer's own, typed through the real pipeline and model. None shares a run of 8
characters with a blind or held-out line up to v10 (`test_no_sentence_here_copies_a_blind_line`), so the tests pin
the class, not the items; each class has several members and counter-examples (`tests/nlu/classes.py`).
"""
from __future__ import annotations

import time

import pytest

from tests.nlu.classes import assert_copies_no_measured_line, cases, check, read, values

HAS = {
    # overdoses: a dose taken twice at one time of day or by someone who forgot; tablets past the daily ceiling;
    # two cold remedies sharing the decongestant; the act after the second product; a syrup bottle drunk
    "poisoning": ["外婆降糖药晚上吃了两回", "爷爷不记得吃过没有，安眠药又吃了一遍", "降压药中午吃了两次，头发沉",
                  "我一天里吃了八片布洛芬", "今天一共吃了七粒芬必得，胃难受", "新康泰克和泰诺一起吃了，心慌",
                  "我把泰诺林和必理通当两样药同时吃了", "娃把一瓶美林喝掉了一大半"],
    "cyanosis": ["宝宝浑身发紫", "孩子整个人都发青了", "老人全身都乌紫乌紫的"],
    "confusion": ["抽完以后他还没完全清醒过来", "醒是醒了，但还没清醒过来", "他人还不太清醒"],
    "dyspnea": ["爬两层楼就得停下来喘口气", "奶奶说几句话就喘", "说一句话要分几口气说"],
    "suicidal_ideation": ["我不想再撑下去了", "真的不想再熬了，太苦了"],
    "self_harm": ["她用刀片划胳膊", "闺女在手腕上划了几刀", "他又拿美工刀划自己"],
    "wound": ["切菜切到手指了", "手被碎玻璃划破了", "脚踩到钉子扎了个洞", "膝盖蹭破了皮", "我左手被菜刀划了"],
    "bloody_stool": ["大便带着血", "解出来有血，鲜红色"],
    "hemoptysis": ["早上咳出带血的痰", "痰里偶尔带点血丝", "咳的痰带点血"],
    "reduced_fetal_movement": ["孕三十六周，宝宝今天很安静", "胎动比昨天少很多"],
    "fluid_leakage": ["孕三十八周，羊水好像破了", "怀孕了，下面像漏尿一样"],
    "rash": ["宝宝屁屁红红的一片", "孩子腋下红了一大片", "手指缝长了好多小泡泡"],
    "joint_pain": ["她的手指关节每天早上僵硬", "膝盖起床的时候发僵"],
    "abdominal_pain": ["胃里烧着疼", "肚子里火辣辣的"],
    "palpitations": ["心口跳得乱乱的", "胸口怦怦跳", "心跳一下快一下慢"],
    "syncope": ["我妈在超市晕到了"],
    "diarrhea": ["娃拉了一整夜", "吐了以后又拉", "今天一直在拉"],
    "vomiting": ["吐了又拉"],
    "anxiety": ["我怕得要命", "天天胡思乱想，越想越慌"],
    "low_mood": ["我情绪很低", "最近心烦，谁也不想见", "感觉快崩溃了"],
    "ear_pain": ["宝宝老是揪耳朵哭"],
    "decreased_urination": ["娃的尿布很干", "一天了一滴尿都没有"],
    "myalgia": ["晚上腿肚子抽筋"],
}

LACKS = {
    "poisoning": ["我早上吃了两次饭", "布洛芬一天吃三次，每次一片", "我今天吃了两粒布洛芬", "泰诺和新康泰克能一起吃吗"],
    "cyanosis": ["身上青一块紫一块的"],  # bruises, not the whole body turning blue
    "self_harm": ["手被菜刀划了个口子"],  # an accident in the kitchen
    "fever": ["胃里烧着疼"],
    "seizure": ["晚上腿肚子抽筋"],
    "confusion": ["人是清醒的"],
    "fatigue": ["活着好累，不想再撑了"],
}


@pytest.mark.parametrize("text, code, expected", cases(HAS, LACKS))
def test_round9_class(interpreter, text, code, expected):
    check(interpreter, text, code, expected)


@pytest.mark.parametrize("text, expected", [
    ("我也中了", "positive"), ("刚测完，两条线都出来了", "positive"), ("孩子抗原t线也出来了", "positive"),
    ("测了，结果是阴的", "negative"), ("自测只有c线", "negative"),
])
def test_antigen_result_in_everyday_words(interpreter, text, expected):
    assert values(interpreter, text, "antigen_result") == [expected]


@pytest.mark.parametrize("text", ["阳了一般几天转阴", "阳了多长时间以后能出门", "为什么有人阳了一直没症状"])
def test_a_covid_question_naming_no_one_gives_no_result(interpreter, text):
    assert values(interpreter, text, "antigen_result") == []


@pytest.mark.parametrize("text", ["我老公阳了，多久能上班", "我阳了第三天，还会传染吗"])
def test_a_covid_question_about_someone_keeps_the_result(interpreter, text):
    assert values(interpreter, text, "antigen_result") == ["positive"]


@pytest.mark.parametrize("text, code", [("布洛分能和感冒灵一起吃吗", "ibuprofen"), ("对乙酰氨基分一次吃几片", "acetaminophen"),
                                        ("阿莫西临是消炎药吗", "antibiotic"), ("莲花清温管用吗", "lianhua_qingwen")])
def test_common_miswritings_of_medicine_names(interpreter, text, code):
    assert code in values(interpreter, text, "medication")


def test_cold_remedies_list_their_shared_ingredients(interpreter):
    [med] = interpreter.parse("吃了一片新康泰克").entities_of("medication")
    assert "pseudoephedrine" in med.ingredients


def test_a_leg_cramp_is_not_a_fit(interpreter):
    assert ("seizure", False) not in read(interpreter, "小腿还抽筋，疼醒了")


# Intents (vocabulary.yml): a wish to die or self-harm as the main topic is psych_support; with a cry for help or
# happening now, emergency_help; questions after a symptom keep the question's intent.
INTENTS = {
    "psych_support": ["我真的不想再撑下去了", "我老想拿刀片划手臂", "我儿子总说活着没劲，想去死", "我觉得自己是个累赘，还不如死了"],
    "emergency_help": ["救命，我妹妹刚吞了一瓶安眠药", "快来人，我爸站在楼顶说要跳"],
    "ask_medication": ["喉咙疼，含喉片管用吗", "咳嗽吃右美沙芬好还是吃氨溴索好", "感冒灵过期三个月了还能喝吗"],
    "ask_home_care": ["宝宝鼻子不通气，怎么帮她弄通", "脚上扎了根木刺，怎么挑出来"],
    "ask_covid_info": ["阳了第六天，还会传给家里人吗"],
    "greet": ["泥好"],
    "unsubscribe": ["退定"],
    "nucleic_acid_test": ["想约个核算"],
}


@pytest.mark.parametrize(("intent", "text"), [(i, t) for i, ts in INTENTS.items() for t in ts])
def test_round9_intent(interpreter, intent, text):
    assert interpreter.parse(text).intent.name == intent, text


def test_a_long_message_parses_well_under_a_second(interpreter):
    text = ("我妈七十多了昨天开始发烧三十九度咳嗽有痰胸口闷喘不上气，吃了布洛芬和泰诺，" * 40)[:2000]
    interpreter.parse(text)  # warm
    start = time.perf_counter()
    interpreter.parse(text)
    assert time.perf_counter() - start < 1.0


def test_no_sentence_here_copies_a_blind_line():
    mine = [*(t for ts in HAS.values() for t in ts), *(t for ts in LACKS.values() for t in ts),
            *(t for ts in INTENTS.values() for t in ts)]
    assert_copies_no_measured_line(mine, "nlu/data/round9_classes.yml", newest_blind=10)
    from tests.intake import test_psych_round9 as dialogue

    assert_copies_no_measured_line(dialogue.DANGER_TO_SELF, "nlu/data/round9_classes.yml", newest_blind=10)
