"""The phrase table of facts the NLU does not read (actions/intake_facts.yml), one reading each."""
from __future__ import annotations

import pytest

from actions.intake_facts import read_facts


@pytest.mark.parametrize(("text", "expected"), [
    ("上个月去尼日利亚出差，回来就发烧", {"travel_malaria": True}),
    ("没有去过非洲", {"travel_malaria": False}),
    ("前几天上山砍柴，回来身上起红点", {"tick_grass_exposure": True}),
    ("上周刚做完手术，左腿肿", {"recent_immobility": True, "symptoms.leg_swelling": True}),
    ("刚才一口气吃了一整瓶安眠药", {"symptoms.poisoning": True}),
    ("泰诺林和白加黑一起吃的", {"symptoms.poisoning": True}),
    ("按一下不褪色", {"symptoms.nonblanching_rash": True}),
    ("右下边疼得碰都不让碰", {"symptoms.abdominal_tenderness": True}),
    ("脚抬不起来，腰疼", {"symptoms.foot_drop": True, "symptoms.back_pain": True}),
    ("右边背上到肋骨起了一串水泡", {"symptoms.shingles": True}),
    ("头不疼", {"symptoms.headache": False}),
    ("今天已经不烧了", {"fever_resolved": True}),
    ("我有糖尿病，嗓子疼两天了", {"symptoms.sore_throat": True}),
    ("小便有血，不疼", {"symptoms.hematuria": True}),
    # Blind-v4 classes, in our own words: hard to wake, little urine, refusing food said negatively.
    ("摇他半天才睁开眼，马上又闭上了", {"symptoms.confusion": True}),
    ("喊他名字也没什么反应", {"symptoms.confusion": True}),
    ("大半天没尿了，尿布还是干的", {"symptoms.decreased_urination": True}),
    ("从早上到现在一顿没吃", {"symptoms.refusal_to_feed": True}),
    ("右眼看出去雾蒙蒙的", {"symptoms.vision_loss": True}),
    ("打羽毛球崴了脚", {"symptoms.limb_injury": True}),
    ("嗓子疼得流口水", {"symptoms.drooling": True, "symptoms.facial_droop": None}),
    ("嘴角歪了，一边漏水", {"symptoms.facial_droop": True}),
    ("后腰疼得直不起来，一直往大腿根那里窜", {"symptoms.flank_pain": True}),
    ("孩子左边耳朵里流出黄黄的水", {"symptoms.ear_pain": True}),
    ("脚面上红肿起来，红的边一天比一天宽", {"symptoms.spreading_redness": True}),
    ("腰上左边一圈冒出来好几串小水泡", {"symptoms.shingles": True}),
    ("一低头就天旋地转", {"symptoms.dizziness": True}),
    ("头疼好转了", {"symptoms.dizziness": None}),
    ("右手突然端不住碗了", {"symptoms.limb_weakness": True}),
    ("咳嗽一个多礼拜了", {"duration_hours": 168.0}),
    # Round-2 classes, in our own words: cardiac equivalents, bleeding needs a bleeding word, blood
    # pressure out of control, vertigo versus a head that turns.
    ("我婆婆说心口窝堵得慌，脑门上直冒汗", {"symptoms.epigastric_discomfort": True, "symptoms.sweating": True}),
    ("老伴儿烧心烧了一上午，左边膀子也沉", {"symptoms.epigastric_discomfort": True, "symptoms.radiating_pain": True}),
    ("我爷爷忽然一下子就没劲了，出了一身虚汗", {"symptoms.sudden_weakness": True, "symptoms.sweating": True}),
    ("牙龈出血一直止不住", {"symptoms.bleeding": True}),
    ("血压这两天失控了，一直降不下来", {"symptoms.bleeding": None, "underlying_worsening": True, "conditions.hypertension": True}),
    ("早上量了185/112", {"underlying_worsening": True}),
    ("血压140/90，还行", {"underlying_worsening": None}),
    ("换了降压药也不降", {"underlying_worsening": True}),
    ("早上起床一坐起来就晕", {"symptoms.vertigo": True}),
    ("脖子酸，能低头转头", {"symptoms.vertigo": None, "symptoms.dizziness": None}),
    ("头昏昏沉沉的，发烧38度", {"symptoms.vertigo": None}),
    ("我怀孕30周了，今天发烧", {"duration_hours": None}),
    ("刚才夹了一下血氧，挺好的，九十七八", {"spo2": 97.0}),
    ("血氧才九十二", {"spo2": 92.0}),
    ("家里没有血氧仪", {"spo2": None}),
    ("血氧没测，心率90", {"spo2": None}),
    ("孩子让黄蜂给蜇到腿上了", {"symptoms.insect_sting": True}),
    ("腿上被蛰伤的地方肿了一圈", {"symptoms.insect_sting": True}),
    ("蚊虫叮咬起了好多包", {"symptoms.insect_sting": True}),
    ("宝宝5个月了，咳嗽两天了", {"duration_hours": 48.0}),
    ("腰疼好几个星期了", {"duration_hours": 336.0}),
    ("红的范围一天比一天大", {"duration_hours": None}),
    ("胸口堵得慌，出了一身的汗", {"symptoms.sweating": True, "symptoms.chest_tightness": True}),
    ("腰疼，不是那种疼得打滚的", {"symptoms.writhing": False}),
    ("胎动跟平时差不多", {"symptoms.reduced_fetal_movement": None}),
    ("今天胎动少了很多", {"symptoms.reduced_fetal_movement": True}),
])
def test_a_phrase_reads_as_its_fact(text: str, expected: dict) -> None:
    found = read_facts(text)
    assert {k: found.get(k) for k in expected} == expected
    # "糖尿病" is not urine, "小便" is not stool.
    assert found.get("symptoms.dysuria") is not True and "symptoms.bloody_stool" not in found
