"""Issue 11, sixth round: the classes blind v6 showed failing (v6 is spent: its errors were read).

Every sentence here is the NLU developer's own, typed Chinese through the real pipeline and model. None may share a
run of 8 characters with a blind or held-out line (`test_no_sentence_here_copies_a_blind_line` checks it), so the
tests pin the class, not the items. Each class has several members and counter-examples (`tests/nlu/classes.py`).
"""
from __future__ import annotations


import pytest

from tests.nlu.classes import assert_copies_no_measured_line, cases, check, check_values, read, value_cases


HAS = {
    # a blade or needle inside the chest: the simile with its tool between part and verb
    "chest_pain": ["胸口好像有根钉子在扎", "心口像有把刀子在搅", "胸前像有个锥子在钻", "胸口里面像有把刀在剜"],
    # nasal flaring, breaths that never fill, Minnan 大心气
    "dyspnea": ["孩子鼻翼一张一张的", "宝宝喘气鼻孔一张一合", "我老觉得气吸不到底", "阿公大心气，行袂动", "一口气吸不上来"],
    # Cantonese 唔/冇, a reply that hardly comes, talk that makes no sense
    "confusion": ["阿婆叫唔醒", "老豆冇反应", "喊他也不太应", "外公说话颠三倒四的"],
    # a fit with the limbs thrashing or the jaw locked
    "seizure": ["孩子手脚乱抽", "她牙关咬得死死的撬不开", "我弟浑身乱抽"],
    # gibberish speech
    "slurred_speech": ["我爸说话叽里咕噜的", "奶奶讲话含混不清"],
    # a sagging half face, corners of the mouth uneven, one eye that will not shut
    "facial_droop": ["我妈右边脸垮了", "外婆左半边脸塌下来了", "奶奶嘴角一高一低的", "他一只眼睛闭不上了"],
    # the wish not to wake, death as a relief to others
    "suicidal_ideation": [
        "要是睡着了再也不醒就好了", "如果能一睡不醒该多好", "我要是不在了家里人都省心", "没有我他们会更轻松",
        "我想着不如走了算了",
    ],
    # blood seen in the toilet bowl
    "bloody_stool": ["解完大便马桶里全是血", "便池里红了一片"],
    # drink or detergent taken in secret or by mistake
    "poisoning": ["儿子偷偷喝了爸爸的药酒", "小孩偷喝了啤酒", "孩子咬破了洗衣凝珠", "我感冒药吃超量了", "降压药吃成双份了"],
    # marks of self-harm said as made by oneself
    "self_harm": ["她腿上是自己抓出来的血痕", "儿子胳膊上那些是他自己划出来的"],
    # blood in sputum or vomit said with new colour words
    "hemoptysis": ["痰里带着血块", "他咳出粉红色泡沫痰", "咳嗽带血两天了"],
    "hematemesis": ["吐出来的是暗红色的血", "呕吐物里面有血"],
    # sputum spat out is not vomit; sleep spoiled is insomnia, not sleepiness
    "sputum": ["吐出来的痰是黄的"],
    "insomnia": ["我总是睡不着", "阿嬷规暝睏袂去", "整宿整宿睡不着觉"],
    # ordinary findings in new words: a voice gone with a sore throat is hoarseness, not slurred speech; dialect ears,
    # wisdom teeth, hot-and-cold spells, an infant who sleeps too much or turns from the breast, 2022 throat slang
    "hoarseness": ["嗓子哑了讲不出话", "声音沙沙的", "喉咙说不出话来了"],
    "ear_pain": ["阮囝耳仔疼", "耳空痛"],
    "toothache": ["智齿疼了一晚上", "大牙痛"],
    "chills": ["身上忽冷忽热", "一会儿冷一会儿热的"],
    "drowsiness": ["宝宝这两天特别能睡", "外公整天打瞌睡", "孩子精神萎萎的"],
    "refusal_to_feed": ["孩子一喂奶就扭头"],
    "myalgia": ["浑身像散了架"],
    "sore_throat": ["嗓子跟水泥封喉一样"],
    "low_mood": ["她整天闷闷不乐"],
    "anxiety": ["总是担惊受怕的", "天天提心吊胆，担惊受怕"],
    # a stroke happening now: the FAST signs the triage rule neuro.stroke_signs reads
    "fast_signs": ["我爸刚才中风了", "奶奶好像中风了", "我妈突然脑梗了", "外公中风发作了"],
}

LACKS = {
    "fast_signs": ["爷爷以前中风过", "我爸前年中风了", "外婆十年前脑梗过", "是不是要中风了"],
    "vomiting": ["吐出来的痰是黄的"],
    "drowsiness": ["我总是睡不着"],
    "slurred_speech": ["外公说话颠三倒四的", "喉咙疼得说不出话来", "嗓子痛得讲不出话"],
    "suicidal_ideation": ["要是不发烧就好了", "他再也不醒酒了", "别再提醒我了", "以后别再叫醒我吃药"],
    "poisoning": ["爸爸喝了二两白酒", "洗衣凝珠怎么用"],
    "chest_pain": ["我手上扎了根刺"],
    "hoarseness": ["我爸突然说不出话了"],
    "bloody_stool": ["马桶坏了"],
}


@pytest.mark.parametrize("text, code, expected", cases(HAS, LACKS))
def test_round_six_classes(interpreter, text, code, expected):
    check(interpreter, text, code, expected)


def test_a_past_stroke_is_history_and_a_stroke_now_is_a_symptom(interpreter):
    past = interpreter.parse("外公以前中风过，这几天咳嗽")
    assert [e.value for e in past.entities if e.entity == "condition"] == ["stroke_history"]
    assert "fast_signs" not in {code for code, _ in read(interpreter, "外公以前中风过，这几天咳嗽")}
    now = interpreter.parse("外公刚刚中风了")
    assert [e.value for e in now.entities if e.entity == "condition"] == []
    assert ("fast_signs", False) in read(interpreter, "外公刚刚中风了")


def test_limbs_said_fine_deny_weakness(interpreter):
    for text in ("手脚都好好的", "他胳膊腿都好好的", "手脚没事"):
        assert ("limb_weakness", True) in read(interpreter, text), text


@pytest.mark.parametrize("text, kept, dropped", [
    ("老伴走了以后我老是睡不着", "self", "spouse"),
    ("爸爸刚走，我整夜失眠", "self", "parent"),
    ("我妈自从我爸去世以后天天哭", "parent", None),
])
def test_the_one_mourned_is_not_the_patient(interpreter, text, kept, dropped):
    subjects = [e.value for e in interpreter.parse(text).entities if e.entity == "subject"]
    assert kept in subjects
    if dropped:
        assert dropped not in subjects


@pytest.mark.parametrize("text", ["我爸走了两步就喘", "我妈刚走到楼下就晕了"])
def test_walking_is_not_dying(interpreter, text):
    assert any(e.entity == "subject" and e.value == "parent" for e in interpreter.parse(text).entities)


def test_a_red_flag_said_again_in_other_words_keeps_each_span(interpreter):
    spans = [e.text for e in interpreter.parse("他嘴角歪了，喝汤从嘴边漏出来").entities if e.value == "facial_droop"]
    assert len(spans) == 2
    # an ordinary symptom said twice is still one entity (吐了三次，喝水也吐)
    assert [c for c, _ in read(interpreter, "吐了三次，喝水也吐")].count("vomiting") == 1


VALUES = [
    # 廿/卅 as numerals; weeks said bare in a pregnancy message; an age after 自己/本人 and the sex
    ("量了一下卅九度二", "temperature", [39.2]),
    ("廿八岁", "age", [28]),
    ("本人，男，五十二", "age", [52]),
    ("见红了，现在三十六周", "pregnancy", [36]),
    ("孕妇咳嗽五周", "pregnancy", [True]),
    ("咳了二十周", "pregnancy", []),
]


@pytest.mark.parametrize("text, entity, expected", value_cases(VALUES))
def test_round_six_values(interpreter, text, entity, expected):
    check_values(interpreter, text, entity, expected)


def test_blood_pressure_is_one_entity_and_no_other_value(interpreter):
    # Round 6 left blood pressure to bot/monitoring; round 8 moved that reader into nlu/ (nlu/blood_pressure.py) and the
    # parse result gives it as `blood_pressure` — its numbers are no other value (no age, no heart rate).
    parsed = interpreter.parse("血压一百七十/一百，有点晕")
    assert {e.entity for e in parsed.entities} == {"blood_pressure", "symptom"}
    assert parsed.entities_of("blood_pressure")[0].value == {"systolic": 170, "diastolic": 100}


@pytest.mark.parametrize("text, intent", [
    ("紧来帮忙，阿公昏倒去叫袂应", "emergency_help"),
    ("手臂痒得整晚没睡着", "report_symptoms"),
    ("孩子夜里吐了，今晚去急诊还是明早看门诊", "ask_when_hospital"),
    ("怎么取消关注", "unsubscribe"),
])
def test_round_six_intents(interpreter, text, intent):
    assert interpreter.parse(text).intent.name == intent


def test_no_sentence_here_copies_a_blind_line():
    mine = [t for texts in (*HAS.values(), *LACKS.values()) for t in texts]
    assert_copies_no_measured_line(mine, "nlu/data/round6_classes.yml")
