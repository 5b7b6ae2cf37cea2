"""Issue 11, fourteenth round (engineer nlu15): the classes a blind evaluation showed failing, fixed as families.

Every sentence here is the NLU developer's own, typed through the real pipeline and model; none shares a run of 8
characters with a blind or held-out line up to v14 (`test_no_sentence_here_copies_a_blind_line`). Each class has
several wordings and counter-examples (`tests/nlu/classes.py`).
"""
from __future__ import annotations

import pytest

from tests.nlu.classes import assert_copies_no_measured_line, cases, check, read, values

HAS = {
    # 1. pregnancy warning signs in lay words
    "reduced_fetal_movement": ["孕30周，今天宝宝动得好少", "怀孕八个月，娃一下午都没动静", "孕34周小家伙今天不怎么踢我了",
                               "怀孕九个月，肚子里静悄悄的一上午", "孕33周，肚里的娃今天一点动静都没有"],
    "fluid_leakage": ["怀孕35周感觉下面一直在往外渗水", "孕32周，好像羊水在往外流", "孕38周，睡醒内裤湿了，闻着不像是尿",
                      "怀孕37周，羊水渗出来了一点"],
    "vaginal_bleeding": ["孕早期上完厕所一擦有血丝", "怀孕七周，今天下边出血了", "例假才干净四天又来了，还挺多",
                         "孕十周，擦的纸上有点血"],
    # 2. feelings
    "low_mood": ["这段日子就是开心不起来", "我觉得自己就是家里的累赘", "最近心里老堵着，人也烦，啥事都懒得干",
                 "和老公吵架后心里一直堵着，好难过", "感觉自己是个负担，拖累孩子"],
    "anxiety": ["我一直担心孩子会出事", "脑子停不下来，老是想些有的没的", "总怕我妈出什么意外", "我总是怕自个儿得了啥大病"],
    "insomnia": ["整宿合不上眼", "凌晨三点了还醒着", "我成晚瞓唔著", "后半夜还睁着眼", "一宿没睡"],
    # 3. Cantonese / Hakka / Minnan
    "diarrhea": ["我今日屙肚屙咗好多次", "𠊎肚屎泻", "佢屙水屙到冇力"],
    "fatigue": ["我好攰", "做完嘢好攰呀", "成个人冇晒力"],
    "hoarseness": ["我讲嘢声沙咗", "喉咙声沙好几日", "把声沙晒"],
    "chest_tightness": ["我心口翳", "阿爸话心口好翳", "胸口翳住唔舒服"],
    "refusal_to_feed": ["BB唔肯食奶", "个女今日唔肯食嘢", "宝宝一直不肯食奶"],
    "wound": ["阿姆跋倒了", "阿公今朝跋落去", "佢跌亲个膝头"],
    "headache": ["頭殼好痛", "伊頭殼痛"],
    # 4. lay symptom words
    "hematuria": ["小便淡红色", "尿出来粉红色的", "尿像洗肉水一样"],
    "loss_of_taste_smell": ["东西都闻不出来了", "吃饭吃不出味道来"],
    "palpitations": ["心里突突地跳", "心咚咚咚跳个不停", "心口扑通扑通地跳"],
    "photophobia": ["孩子见了亮就流眼泪", "一开灯他就往被子里躲", "见光就躲，说眼睛疼"],
    "syncope": ["奶奶突然不省人事", "我爸眼前一黑栽到地上"],
    "confusion": ["爷爷胡话连篇", "老爸人木木的，叫他也不太理", "我妈认不出人了"],
    "hemoptysis": ["咳出来一个血块", "咳嗽咳出血块"],
    "limb_weakness": ["吃饭时筷子突然掉了", "杯子从手里掉到地上，右手没劲", "手抬不起来了"],
    "decreased_urination": ["娃一上午一泡尿都没有", "宝宝从昨晚到现在一次尿都没有"],
    "burn": ["被开水烫了，皮都掉了"],
    "sore_throat": ["吞口水像在吞玻璃", "咽东西像吞碎玻璃"],
    "joint_pain": ["膝盖關節腫痛", "手指关节又肿又痛"],
    "wheezing": ["吸气的时候嗓子有响声", "喘气时喉咙里吱吱的", "呼吸有哨音"],
    "severe_headache": ["头像被锤子砸一样疼", "头突然一下炸开似的疼"],
    "back_pain": ["发烧、咳嗽、背痛"],
    "facial_swelling": ["嘴唇肿起来了"],
    "chills": ["我好怕冷", "这两天特别怕冷"],
    # 5. double negation
    "cough": ["倒也不是不咳", "也不是不咳嗽，就是不多"],
    "fever": ["倒不是没有发烧，就是不高"],
}

LACKS = {
    # 1. no pregnancy reading outside a pregnancy or a period
    "reduced_fetal_movement": ["宝宝三个月，睡着了没动静", "娃在房间里静悄悄的"],
    "vaginal_bleeding": ["他刚走又来了", "大便后擦出来有血"],
    "fluid_leakage": ["这不是尿路感染吧", "裤子湿了，是尿"],
    # 2. 心里堵得慌 with no feeling said stays the chest
    "low_mood": ["心里堵得慌，喘不上气"],
    "anxiety": ["我好怕冷", "很怕冷"],
    # 4. hemoptysis is no bloody stool; 不省人事 a faint, not confusion; a noise on breathing no breathlessness
    "bloody_stool": ["咳出来一个血块", "痰里带点血丝"],
    "confusion": ["奶奶突然不省人事"],
    "dyspnea": ["吸气的时候嗓子有响声"],
    "limb_weakness": ["手机掉了", "东西掉了吗"],
    # 5. not X but Y
    "fever": ["不是发烧，是咳嗽"],
}

NEGATED = [
    ("不是发烧，是咳嗽", "fever"),
    ("不是拉肚子，是吐", "diarrhea"),
]

INTENTS = [
    ("thx 医生", "thanks"), ("thanks啦医生", "thanks"),
    ("怎么跟你说话", "help"), ("怎样跟你对话", "help"),
    ("可以视频吗", "request_doctor"), ("能视频看一下吗", "request_doctor"), ("能视频问诊吗", "request_doctor"),
    ("120拨了几遍都打不通", "emergency_help"), ("菜刀切到手指血止不住怎么办", "emergency_help"),
    ("咳嗽食咩药好", "ask_medication"), ("𠊎肚屎痛食乜嘢药", "ask_medication"),
    ("烧到39度还能在家扛吗", "ask_when_hospital"), ("血氧94还能在家扛着吗", "ask_when_hospital"),
    ("挂号费多少钱", "ask_hospital_info"), ("专家号要多少钱", "ask_hospital_info"),
    ("核酸结果查不到", "query_report"), ("核酸报告查不着", "query_report"),
    ("我担心得整晚睡不着", "psych_support"), ("一想到房贷就整宿睡不着", "psych_support"),
]


@pytest.mark.parametrize("text, code, expected", cases(HAS, LACKS))
def test_round14_class(interpreter, text, code, expected):
    check(interpreter, text, code, expected)


@pytest.mark.parametrize("text, code", NEGATED)
def test_not_x_but_y_denies_x(interpreter, text, code):
    got = read(interpreter, text)
    assert (code, True) in got and (code, False) not in got, got


@pytest.mark.parametrize("text, intent", INTENTS)
def test_round14_intents(interpreter, text, intent):
    assert interpreter.parse(text).intent.name == intent, text


@pytest.mark.parametrize("text, entity, expected", [
    ("𠊎发烧", "subject", ["self"]), ("佢发烧", "subject", ["other"]), ("伊咳嗽三日", "subject", ["other"]),
    ("阿姆咳嗽", "subject", ["parent"]), ("𠊎阿姆跋倒", "subject", ["parent"]), ("BB唔肯食奶", "subject", ["infant"]),
    ("伊利牛奶能喝吗", "subject", []),
    ("一针都没打", "vaccine_doses", [0]), ("疫苗一针也没打过", "vaccine_doses", [0]),
])
def test_round14_values(interpreter, text, entity, expected):
    assert values(interpreter, text, entity) == expected


def test_no_sentence_here_copies_a_blind_line():
    mine = [*(t for ts in HAS.values() for t in ts), *(t for ts in LACKS.values() for t in ts),
            *(t for t, _ in NEGATED), *(t for t, _ in INTENTS)]
    assert_copies_no_measured_line(mine, "nlu/data/round14_classes.yml", newest_blind=14)
