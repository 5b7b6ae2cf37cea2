"""Issue 11, third round: classes of wording a fresh blind set showed failing (only its class names were
given to the developer, never its sentences).

Every sentence here is the NLU developer's own, typed Chinese through the real pipeline and model. Each
test pins a *class* with several members, and each class has its counter-examples, so a fix for one
phrasing cannot pass it.

The families that only say "this code is read" or "this code is not read" are rows of the tables below
(`tests/nlu/classes.py`, the helper rounds 2, 3 and 4 share); tests that check more than that stay functions.
"""

from __future__ import annotations

import pytest

from tests.nlu.classes import cases, check, present

HAS = {
    "suicidal_ideation": [
        # passive death wish is suicidal ideation
        "我觉得活着真的很没意思", "活着一点意思都没有", "觉得活着没啥意思", "我活得没意思", "活着有什么意思呢", "有时候想，活着还有什么用", "我真是活够了", "有时候觉得死了算了",
        "我有时候想不如死掉算了", "死了倒好，省得拖累家里", "我不太想活了", "我妈老说她活着没盼头",
        # wider members of the round3 families
        "活着究竟图啥呢", "总觉得我活着是个累赘",
    ],
    "chest_pain": [
        # pain on breathing or coughing is chest pain
        "我一吸气就疼", "深呼吸的时候痛得厉害", "胸口吸气的时候疼", "胸口咳得疼", "一咳嗽胸口就痛", "咳得胸口疼", "右边胸一深呼吸就扯着疼", "心口一咳就像针扎",
    ],
    "dyspnea": [
        # breathlessness in more forms is dyspnea
        "呼吸不太順", "呼吸有点不顺畅", "我爸气不太顺", "喘不過氣來", "睡下去就憋醒", "半夜总被憋醒", "一躺平就喘不上气", "躺下去就憋得慌", "得坐起来才能喘气", "要把枕头垫高才喘得过气",
        "晚上不能平躺",
    ],
    "facial_droop": [
        # facial droop with trigger or direction
        "一笑嘴巴就往右边歪", "他嘴角往左边歪", "笑起来两边脸不一样", "笑的时候两边嘴角一高一低", "鼓不起腮帮子", "腮帮子一鼓就漏气", "口角有点歪斜",
        # wider members of the round3 families
        "他一讲话嘴巴就往左偏", "右边脸动不了，眼睛也闭不上",
    ],
    "cyanosis": [
        # dusky or dark lips and nails are cyanosis
        "嘴唇乌了", "孩子嘴唇有点乌", "嘴唇发乌", "嘴唇乌青乌青的", "脸发黑发紫", "嘴唇灰灰的", "我爸嘴唇灰白灰白的", "指甲青", "手指甲有点发青",
    ],
    "seizure": [
        # bare chou after time word or adverb is seizure
        "孩子刚才突然抽了", "宝宝又抽了一下", "烧着烧着就抽起来了", "我爸刚刚抽了一阵", "半夜抽了好几下", "孩子一发烧就抽", "他睡着睡着抽起来了",
    ],
    "poisoning": [
        # too much medicine or a swallowed poison is poisoning
        "我爸把降压药吃多了", "安眠药吃了一把", "奶奶一下吃了一大把安眠药", "我多吃了几片布洛芬", "感冒药不小心吃过量了", "他把降糖药多吃了", "我妈吃了好多止痛片", "孩子吞了一个硬币",
        "孩子误吞了一块磁铁", "吃了山上的野蘑菇", "一家人吃了变质的肉", "在家煤气中毒了",
        # wider members of the round3 families
        "小孩把一瓶钙片偷偷吃了一大半", "女儿吃了好多鱼肝油", "孩子吞了几颗巴克球",
    ],
    "sore_throat": [
        # a dry throat is sore throat
        "就是嗓子有点干", "喉咙发干",
    ],
}

LACKS = {
    "suicidal_ideation": [
        # everyday exaggeration is not suicidal ideation
        "今天上班累死了", "天太热了，热死了", "孩子一直闹，烦死了", "困死了，想睡觉", "饿死了，还没吃饭", "这个电视剧真没意思",
        # near misses of the round3 families
        "活着就要好好锻炼身体",
    ],
    "cyanosis": [
        # pallor jaundice and bruise are not cyanosis
        "嘴唇发白", "脸色发黄", "腿上青了一块",
    ],
    "seizure": [
        # smoking blood draw spare time and calf cramp are not seizure
        "他又抽了一根烟", "上午刚刚抽了血", "早上抽了一次血，结果还没出来", "周末抽空去医院看看", "半夜小腿抽筋了", "腿肚子又转筋了",
    ],
    "poisoning": [
        # questions fears and ordinary doses are not poisoning
        "布洛芬吃多了会伤胃吗", "如果降压药吃多了怎么办", "降压药都吃了", "感冒药可以多吃几片吗", "晚饭吃多了胃疼", "安眠药一次吃一片",
        # how much to take is not poisoning
        "孩子两岁，美林吃多少毫升", "布洛芬一次吃多少片", "泰诺林吃多久能退烧",
        # near misses of the round3 families
        "维生素一天吃一片",
    ],
    "facial_droop": [
        # near misses of the round3 families
        "脸色偏黄",
    ],
}


@pytest.mark.parametrize("text, code, expected", cases(HAS, LACKS))
def test_classes(interpreter, text, code, expected):
    check(interpreter, text, code, expected)


@pytest.mark.parametrize("text, code", [
    ("吸气时嗓子疼", "sore_throat"),
    ("吸气的时候肚子痛", "abdominal_pain"),
    ("一咳嗽头就疼", "headache"),
])
def test_another_part_named_keeps_its_own_pain(interpreter, text, code):
    found = present(interpreter, text)
    assert code in found and "chest_pain" not in found


def test_calf_cramp_is_muscle_pain_and_fever_is_kept(interpreter):
    assert "myalgia" in present(interpreter, "我半夜小腿抽筋，疼醒了")
    assert {"fever", "seizure"} <= present(interpreter, "孩子一发烧就抽")


@pytest.mark.parametrize("text, intent", [
    # positive AND something worth triaging: a symptom report
    ("我阳了第四天，现在喘得厉害，血氧93", "report_symptoms"),
    ("老爸感染新冠五天了，高烧39度5一直不退", "report_symptoms"),
    ("阳了以后胸口疼，心跳也快", "report_symptoms"),
    ("孩子阳了，嘴唇发紫", "report_symptoms"),
    # mainly the positive result, mild or nothing
    ("我阳了，就有点流鼻涕", "covid_positive"),
    ("抗原阳了，没啥感觉", "covid_positive"),
    ("刚测出阳性，嗓子稍微有点疼", "covid_positive"),
    # the common course (fever and cough of the first days, nothing alarming) stays covid_positive
    ("阳了第三天，发烧咳嗽，别的还好", "covid_positive"),
    ("抗原阳了，烧了两天，咳嗽", "covid_positive"),
    # severe, but no cry for help: a report; with one: an emergency
    ("我爸胸口剧痛，满头大汗", "report_symptoms"),
    ("我妈突然嘴歪了，右手抬不起来", "report_symptoms"),
    ("救命！我爸胸口剧痛，快叫救护车", "emergency_help"),
    # sleep and mood with bodily complaints: a report; asking for someone to talk to: psych_support
    ("我睡不着，头晕，胃也不舒服", "report_symptoms"),
    ("最近失眠，浑身乏力，胸口闷", "report_symptoms"),
    ("我想找个心理咨询师聊聊", "psych_support"),
    ("心里很苦，有没有人能听我说说", "psych_support"),
    # too much medicine, no number: a report, not a medicine question
    ("我爸把降压药吃多了，头晕", "report_symptoms"),
])
def test_intent_boundaries(interpreter, text, intent):
    assert interpreter.parse(text).intent.name == intent


@pytest.mark.parametrize("text, positive", [
    ("我妈感染了，血氧只有91了", True),
    ("老公也感染新冠了", True),
    ("伤口感染了，一直流脓", False),
    ("尿路感染了，尿尿疼", False),
])
def test_infected_is_a_positive_result_unless_an_infection_is_named(interpreter, text, positive):
    found = [e.value for e in interpreter.parse(text).entities if e.entity == "antigen_result"]
    assert (found == ["positive"]) is positive


def test_pressure_at_work_is_not_fatigue(interpreter):
    assert "fatigue" not in present(interpreter, "我最近压力特别大，想找个心理咨询师聊聊")
