"""Issue 11, fourth round: the classes a fresh blind set showed failing (only their description in
words reached the developer, never its sentences).

Every sentence here is the NLU developer's own, typed Chinese through the real pipeline and model. Each
class is a row of a table with several members and its counter-examples (`tests/nlu/classes.py`), so
a fix for one phrasing cannot pass it.
"""
from __future__ import annotations

import pytest

from tests.nlu.classes import cases, check, check_values, present, value_cases

HAS = {
    # 1. a faint told as a scene
    "syncope": [
        "我妈眼前一黑栽倒了", "他眼前一黑就倒地上了", "外婆站起来眼前一黑，人就软下去了",
        "爸爸眼前一黑瘫下去了", "奶奶刚才人事不省，过了一会儿醒了", "我爸不省人事了几秒钟又醒了",
        "他走着走着突然倒下去了", "老公在卫生间突然倒地", "孩子突然一下倒在地上", "爷爷吃着饭人突然就软下去了",
        "外公人一下子瘫下去了",
    ],
    # 2. confusion in more forms
    "confusion": [
        "爷爷连我都不认得了", "我妈认不出人了", "我爸今天讲些奇怪的话", "外婆老说些莫名其妙的话",
        "我爸发烧后胡说八道", "奶奶人有点迷糊", "他整个人迷迷糊糊的", "老爸叫半天不应",
        "外公認不出人", "奶奶連我都不認得了", "急！宝宝突然没了反应",
    ],
    # 3. a fit said by what is seen
    "seizure": [
        "孩子全身一挺一挺的", "宝宝手脚一抽一抽的", "他倒在地上手脚乱蹬", "我爸口吐白沫，手脚直抖", "他倒在地上口吐白沫",
        "孩子翻白眼了", "宝宝在抽", "快来，孩子正在抽", "我弟又在抽了",
    ],
    # 4. the worst headache of a life, and thunderclap words
    "severe_headache": [
        "头痛得这辈子都没这么疼过", "头疼得从来没这么疼过", "后脑勺像被人敲了一棍子",
        "头像被锤子砸了一样，疼得受不了", "脑袋要炸开了", "头突然一下剧痛",
        "头像被人打了一闷棍", "后脑勺突然炸裂一样疼", "头突然像被人用棍子敲了一下",
    ],
    # 5. cyanosis by region around the mouth
    "cyanosis": ["宝宝嘴巴一圈发青", "孩子嘴唇周围发紫", "口周发乌", "嘴周一圈青紫", "嘴巴周围一圈都发紫了"],
    # 6. fast or fading breathing
    "dyspnea": [
        "孩子呼吸很快", "他呼吸急促", "我爸喘得很快", "呼吸特别快", "奶奶呼吸一下比一下弱",
        "呼吸越来越弱", "爷爷的呼吸有一下没一下的", "奶奶的气一口比一口弱",
    ],
    # 7. FAST in scenes
    "facial_droop": ["漱口的时候水从嘴角漏出来", "喝水从嘴角流出来", "刷牙漱口水往外漏"],
    "slurred_speech": ["我爸说话像喝醉了一样", "奶奶舌头发硬", "他说话含糊不清", "突然口齿不清", "讲话像喝醉酒一样"],
    "limb_weakness": ["右手拿东西老掉", "左手拿不稳东西", "手握不住东西", "我妈腿拖着走", "走路拖着一条腿"],
    # 8. suicidal ideation said softly; self-harm with an object
    "suicidal_ideation": [
        "我有时候会想到死", "我想过死", "真想一了百了", "晚上睡觉的时候希望不想醒过来",
        "我不想再醒过来了", "有时候想死了一了百了", "睡着了最好别再醒过来",
    ],
    "self_harm": [
        "女儿用圆规扎自己", "我用刀片划自己的手腕", "他拿针扎自己的手", "儿子用烟头烫自己",
        "我用小刀割自己的胳膊", "女儿拿美工刀划自己的手", "儿子拿刀片在手腕上划", "她用烟头往手背上烫",
    ],
    # 9. photophobia
    "photophobia": [
        "孩子见不得光", "我看到光就难受", "一开灯就喊眼睛刺", "她拉着窗帘不让开灯", "我有点怕光",
        "一见光眼睛就疼", "开灯就觉得刺眼", "孩子一开灯就眯着眼",
    ],
    # 10. pregnancy findings
    "reduced_fetal_movement": [
        "怀孕34周，胎动少了", "孕33周，宝宝今天不怎么动", "肚子里安安静静的", "我怀孕了，宝宝踢得少了",
        "孕32周，肚子里一上午没动静", "怀孕31周，宝宝今天动得很少", "孕35周，肚子里一天都没动静",
    ],
    "fluid_leakage": ["怀孕36周下面流出一股水", "羊水破了", "孕38周，裤子湿了一大片", "下面一直往外流水", "下面哗一下流出好多水"],
    "vaginal_bleeding": ["怀孕八周下面出血", "孕七周，内裤上有点血", "擦的纸上有血丝", "怀孕六周，下面见血了", "分泌物是褐色的还带血", "怀孕了，今天见红了"],
    "abdominal_pain": ["肚子一阵一阵发紧发疼", "小肚子隐隐作痛", "孕晚期肚子一阵一阵地疼"],
    # 11. coughing or vomiting blood
    "hemoptysis": ["咳嗽带出来一些血丝", "咳出鲜红的血", "咳出来一口血", "早上痰是红的", "咳了血痰", "咳嗽咳出血来了"],
    "hematemesis": ["吐出来的东西黑的像咖啡", "呕出来都是红的", "他吐血了", "吐出来像咖啡渣一样"],
    # 12. little urine and dehydration
    "decreased_urination": [
        "孩子一整天没小便", "一点尿都没有", "宝宝几乎不尿", "一天就尿一次", "尿不湿一晚上都没湿",
        "从早上到现在都没尿过", "大半天没尿尿了",
    ],
    "dehydration": ["孩子眼窝陷下去了", "宝宝囟门凹下去了", "皮肤捏起来半天不回去", "眼眶凹进去了", "前囟凹陷"],
    # 13. the rest of the classes
    "bleeding": ["流鼻血压了好久止不住", "伤口一直冒血", "手上的伤口血一直往外冒"],
    "facial_swelling": ["吃了花生喉咙发紧", "嗓子眼像被掐住了", "喉咙紧紧的喘不上来"],
    "vision_loss": ["右眼看东西少了一半", "视力突然变差", "一只眼睛突然看不清了"],
    "loss_of_taste_smell": ["吃啥都像嚼蜡", "闻不出味儿", "吃东西没味儿", "什么味道都闻不出来"],
    "refusal_to_feed": ["宝宝吃奶吸一会儿就不吸了", "宝宝吃奶吸两口就不吸了", "孩子吃奶没劲", "喂奶吸几口就不吃了"],
    "fever": ["孩子额头摸着有点烫", "身上摸着烫烫的", "摸着发烫"],
    "insomnia": ["最近睡不着", "晚上老睡不着觉"],
    "low_mood": ["干啥都提不起劲", "什么都不想干", "做什么都提不起兴趣"],
    "back_pain": ["腰也酸", "腰酸得很", "后背也酸"],
}

LACKS = {
    "syncope": ["我眼前一黑，蹲了一会儿就好了", "他在地上躺着玩", "我妈眼前一黑", "他倒在地上手脚乱蹬", "倒地以后一直抽"],
    "seizure": ["我在抽烟", "正在抽血", "他正在抽签", "我爸在抽烟斗"],
    "severe_headache": ["头有点疼", "一想到考试就头疼", "后脑勺被人打了一棍子"],
    "headache": ["头痛得这辈子都没这么疼过", "后脑勺像被人敲了一棍子"],
    "cyanosis": ["宝宝嘴巴一圈红红的", "嘴唇周围起了疹子"],
    "dyspnea": ["他说话很快", "走路很快", "心跳很快", "天气快转凉了", "这件衣服透气快干", "口气很弱", "他脾气很急"],
    "slurred_speech": ["他昨晚喝醉了", "说话很清楚"],
    "suicidal_ideation": ["我想过去看看", "死鱼一样的眼神", "想到死胡同里去了", "希望半夜不要再醒了", "想到死去的外婆就难过"],
    "self_harm": ["我用针线缝扣子", "用刀片刮胡子划了个口子", "拿小刀在苹果上划了一道"],
    "photophobia": ["我见不得别人哭", "开灯睡觉睡不着"],
    "reduced_fetal_movement": ["宝宝今天不怎么吃奶", "宝宝三个月，今天不怎么动", "急！宝宝突然没了反应", "宝宝今天不怎么动"],
    "confusion": ["我有点迷糊这个问题", "这个说明书我看得迷迷糊糊", "他认不出这个字"],
    "fluid_leakage": ["鼻子流出一股清水", "裤子被雨淋湿了"],
    "vaginal_bleeding": ["宝宝下面有点红", "这次月经血量不多"],
    "hemoptysis": ["咳嗽有白痰", "吐了口血丝样的口水"],
    "cough": ["咳出鲜红的血", "咳出来一口血"],
    "vomiting": ["吐出来的东西黑的像咖啡", "呕出来都是红的"],
    "decreased_urination": ["尿了一次就睡了", "尿不湿湿了一大片"],
    "dehydration": ["眼睛有点肿"],
    "fatigue": ["宝宝吃奶没劲", "干啥都提不起劲"],
    "drowsiness": ["晚上睡不着"],
    "low_mood": ["什么时候都不想做饭", "今天什么都不想做饭"],
    "poisoning": ["吃了两盒连花清瘟还是咳", "这三天吃了两盒感冒灵", "布洛芬吃了一盒了还烧"],
}


@pytest.mark.parametrize("text, code, expected", cases(HAS, LACKS))
def test_round_four_classes(interpreter, text, code, expected):
    check(interpreter, text, code, expected)


VALUES = [
    ("孩子烧39", "temperature", [39.0]),
    ("最高四十", "temperature", [40.0]),
    ("还是烧三十九", "temperature", [39.0]),
    ("今天最高39度2", "temperature", [39.2]),
    ("发烧10天了", "temperature", []),
    ("宝宝六个月，拉肚子", "age", [0.5]),
    ("宝宝六个月，拉肚子", "duration", []),
    ("宝宝８个月，发烧", "age", [0.67]),
    ("孩子３岁", "age", [3.0]),
    ("咳嗽六个月了", "duration", [4320.0]),
    ("一分钟", "duration", []),
    ("一分钟二十四次", "respiratory_rate", [24]),
    ("孩子喘得厉害，一分钟喘三十几下", "respiratory_rate", [30]),
    ("心跳一分钟一百二十次", "heart_rate", [120]),
]


@pytest.mark.parametrize("text, entity, expected", value_cases(VALUES))
def test_round_four_values(interpreter, text, entity, expected):
    check_values(interpreter, text, entity, expected)


@pytest.mark.parametrize("text, intent", [
    ("我老婆割腕了血止不住怎么办", "emergency_help"),
    ("女儿要跳楼，快帮帮我", "emergency_help"),
    ("我儿子吞了一瓶安眠药，救命", "emergency_help"),
    ("排队太久了", "feedback"),
    ("医生态度太差了", "feedback"),
    ("问什么都答非所问", "feedback"),
    ("取药等了太久", "feedback"),
    ("能挂儿科吗", "book_appointment"),
    ("一分钟二十四次", "inform"),
    ("阳性", "inform"),
    ("没怀孕", "inform"),
    ("我確診了", "covid_positive"),
    ("88", "goodbye"),
    ("我晚上睡不着，有时候会想到死", "psych_support"),  # round 9: a wish to die as the main topic (was report_symptoms)
])
def test_round_four_intents(interpreter, text, intent):
    assert interpreter.parse(text).intent.name == intent


def test_the_fetus_is_not_the_subject_infant(interpreter):
    result = interpreter.parse("怀孕33周，宝宝今天不怎么动")
    assert [e.value for e in result.entities if e.entity == "subject"] != ["infant"]
    assert "reduced_fetal_movement" in present(interpreter, "怀孕33周，宝宝今天不怎么动")
