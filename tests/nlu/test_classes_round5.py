"""Issue 11, fifth round: the classes a fresh blind set showed failing (only their description in words
reached the developer, never its sentences).

Every sentence here is the NLU developer's own, typed Chinese through the real pipeline and model, and none
is a line of the held-out file `nlu/data/heldout/nlu_heldout_round5.yml`. Each class is a table row with
several members and its counter-examples (`tests/nlu/classes.py`), so a fix for one phrasing cannot pass it.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from nlu.evaluation import evaluate, vocabulary_codes_only, vocabulary_view
from nlu.lexicon import load_lexicon
from nlu.training_data import Annotation, Example
from tests.nlu.classes import cases, check, check_values, present, read, value_cases

HAS = {
    # 1. Minnan (闽南话) as Fujian patients type it
    "headache": ["阮头壳痛", "阿母头壳足痛", "阮老爸头壳疼两工了", "太阳穴一跳一跳地疼", "太阳穴突突跳"],
    "dizziness": ["阿嬷头壳昏", "阮头壳眩"],
    "syncope": ["阿公昏倒去", "阮阿爸食饭食一半昏去", "阿母突然昏倒去"],
    "confusion": ["阿嬷叫伊拢无应", "阮老爸叫袂醒", "阿公叫袂应"],
    "abdominal_pain": ["阮囝仔腹肚痛", "阿嬷腹肚足痛"],
    "diarrhea": ["囡仔落屎", "阮落屎落规暝", "拉得人都虚了"],
    "chest_pain": ["阿爸心肝头痛", "心肝头疼，冒冷汗", "胸口像被人用力挤压", "胸口像被擠壓", "心口绞着痛"],
    "chest_tightness": ["阿母心肝头闷"],
    "dyspnea": ["阿公喘袂过来", "阮阿嬷喘袂离", "气喘袂过来"],
    "limb_weakness": ["阿爸跤软", "阿公双跤软，行袂动", "阿嬷手跤无力"],
    "slurred_speech": ["阿公讲话大舌", "阮老爸讲话大舌头"],
    "fever": ["阮囡仔烧烧", "囝仔额头烧烧的"],
    # 2. homophones of pinyin input
    "hemoptysis": ["咳雪了", "痰里有雪", "咳出雪丝"],
    "hematemesis": ["又吐雪了", "刚吐了雪", "他吐了一口血", "吐了一地的血"],
    "bloody_stool": ["大便有雪", "屎里有雪"],
    "cyanosis": ["嘴唇发子了", "宝宝嘴唇紫紫的"],
    # 3. overdose and poisoning
    "poisoning": [
        "喂了宝宝泰诺林，又给她喝了小儿氨酚黄那敏", "感康吃完又吃了快克", "泰诺林喂了两次，还喂了小儿氨酚黄那敏颗粒",
        "感冒药吃重复了", "我感冒药吃多了，心慌", "孩子泰诺林今天吃了六次", "布洛芬一天吃了7次",
        "我爸胰岛素打重了", "我妈胰岛素多打了一遍", "多打了一针胰岛素", "孩子舔了灭蟑药", "宝宝啃了杀虫剂",
        "奶奶把一瓶降压药全吃了", "吃了泰诺林又吃了白加黑，会不会吃过量", "一家人食物中毒", "农药中毒了", "他们家煤气中毒",
    ],
    # 4. seizure, non-blanching rash, self-harm evidence, affairs put in order
    "seizure": ["宝宝眼睛上翻，手脚乱抽", "孩子两眼往上翻"],
    "nonblanching_rash": [
        "宝宝身上出了紫红点，压着不褪色", "腿上有出血点，按了也不退", "孩子身上的小红点按下去不褪色",
        "紫色小点点，拿玻璃杯压着还在",
    ],
    "self_harm": ["她手腕上好几道口子", "儿子胳膊上全是划痕", "女儿腿上都是刀口"],
    "suicidal_ideation": ["我已经写好遗书了", "爸爸这两天在交代后事", "以后不用再麻烦任何人了", "她把后事都安排好了", "遗书已经写好了"],
    # 5. severe headache, vision loss (crushing chest pain and blood vomited are rows above)
    "severe_headache": ["头痛，这辈子没这么痛过", "頭痛，這輩子沒這麼痛過", "头疼，满分的疼", "头痛到10分", "头疼得十分里的十分"],
    "vision_loss": ["右眼一片黑", "视力一下子变差了", "突然看不清东西"],
    # 6. drowsiness vs fatigue, photophobia, fear
    "drowsiness": ["孩子没精神，发烧", "宝宝一直睡，叫了才醒", "孩子老想睡", "我困得睁不开眼"],
    "photophobia": ["我很怕光", "孩子特别怕光"],
    "anxiety": ["吓得直发抖", "紧张得手发抖"],
    # 8. ordinary findings
    "sore_throat": ["嗓子冒烟", "喉咙像吞了刀片"],
    "nausea": ["胃里翻江倒海的"],
    "urinary_frequency": ["尿都憋不住", "一个小时跑好几趟厕所"],
    "joint_pain": ["关节一个个都疼", "手腕也痛"],
    "myalgia": ["大腿的肉酸胀", "腿上的肉酸胀"],
    "leg_swelling": ["脚踝一按一个坑"],
    "dehydration": ["渴得要命", "口干得不行"],
    "facial_swelling": ["吃了虾喉咙紧紧的", "喉咙像被掐住"],
    "wound": ["额头磕破了", "被玻璃划到了", "被狗咬破皮了"],
    "burn": ["烫起了水泡"],
    "loss_of_taste_smell": ["吃不出咸淡"],
    "low_mood": ["心里空荡荡的", "心里很压抑"],
}

LACKS = {
    "hemoptysis": ["外面下雪了，咳嗽"],
    "severe_headache": ["肚子疼得这辈子没这么疼过", "头疼，十分里打三分", "头有点疼"],
    "nonblanching_rash": ["身上起了红点，按了就褪色", "宝宝身上有小红点"],
    "poisoning": [
        "泰诺林和白加黑能一起吃吗", "泰诺林一天吃三次", "两盒连花清瘟吃了三天还是咳", "新闻说有人喝了消毒液中毒",
        "电视上说一氧化碳中毒很危险", "感冒药会不会吃过量", "泰诺林吃了两片会不会吃过量",
    ],
    "drowsiness": ["我最近没精神", "上班没精神"],
    "fatigue": ["孩子没精神，发烧"],
    "chills": ["吓得直发抖"],
    "photophobia": ["困得睁不开眼"],
    "anxiety": ["我很怕光"],
    "rash": ["手上烫出了水泡"],
    "back_pain": ["脚背红肿"],
    "vomiting": ["他吐了一口血"],
    # 7. not the patient's: news, others' finished stories, jokes and figures, questions
    "abdominal_pain": ["笑得肚子疼", "笑到肚子都疼"],
    "myalgia": ["打字打到手抽筋"],
    "chest_pain": ["股票跌了心痛", "同事上周胸口疼住院了"],
    "chest_tightness": ["胸闷算不算要去急诊"],
    "low_mood": ["心里憋得慌"],
}


@pytest.mark.parametrize("text, code, expected", cases(HAS, LACKS))
def test_round_five_classes(interpreter, text, code, expected):
    check(interpreter, text, code, expected)


def test_news_and_others_stories_read_no_symptom_or_condition(interpreter):
    for text in ("新闻说有人喝了消毒液中毒", "同事上周咳出血住院了", "朋友说她阿嬷中风走了", "咳血是不是一定要去医院"):
        parsed = interpreter.parse(text).without_asked()  # round 11: a general question's symptom is only `asked`
        assert [e.value for e in parsed.entities if e.entity in ("symptom", "condition")] == [], text
    # a friend telling what they see on the patient is the patient's
    assert "cyanosis" in present(interpreter, "朋友说我脸色发青")


def test_a_resolved_fever_is_denied(interpreter):
    assert ("fever", True) in read(interpreter, "烧退了")


def test_the_crushing_or_vomited_blood_is_one_reading(interpreter):
    assert present(interpreter, "我爸吐了一地血") == {"hematemesis"}


VALUES = [
    ("雪氧八十八", "spo2", [88]),
    ("学氧九十一，喘", "spo2", [91]),
    ("阿嬷咳嗽三工了", "duration", [72]),
    ("两工了", "duration", [48]),
    ("十一个月", "age", [0.92]),
    ("四十五天", "age", [0.12]),
    ("宝宝三十天", "age", [0.08]),
    ("三天", "duration", [72]),
    ("发烧四十天了", "duration", [960]),
    ("十一个月", "duration", []),
    ("早上38度，现在39", "temperature", [38.0, 39.0]),
    ("昨晚烧到38.5，今天早上又39了", "temperature", [38.5, 39.0]),
    ("现在39", "temperature", []),
    ("他打工三年了", "duration", [26280]),
]


@pytest.mark.parametrize("text, entity, expected", value_cases(VALUES))
def test_round_five_values(interpreter, text, entity, expected):
    check_values(interpreter, text, entity, expected)


@pytest.mark.parametrize("text, intent", [
    ("没测", "inform"), ("家里没体温计", "inform"), ("什么药也没吃", "inform"), ("快两百斤", "inform"),
    ("帮同事问问", "inform"), ("高压一百六低压一百", "inform"),
    ("怎么把我老婆加进来", "bind_card"), ("帮我孩子建个档", "bind_card"),
    ("推送烦死了，关掉", "unsubscribe"), ("从通知名单里把我删了", "unsubscribe"),
    ("投诉渠道在哪里", "feedback"), ("小程序一打开就闪退", "feedback"),
    ("核酸证明怎么约", "nucleic_acid_test"), ("单采多少钱", "nucleic_acid_test"),
    ("👌", "affirm"), ("👍", "affirm"), ("木有", "deny"), ("先不要了", "cancel"),
    ("紧急情况，要医生", "emergency_help"),
    ("晚上失眠，心慌手抖", "report_symptoms"), ("阮阿母头壳痛", "report_symptoms"),
    ("心里空荡荡的，想找人说说话", "psych_support"),
    ("新闻说有人煤气中毒了", "out_of_scope"), ("笑得肚子疼哈哈", "out_of_scope"),
])
def test_round_five_intents(interpreter, text, intent):
    assert interpreter.parse(text).intent.name == intent


def test_a_nonblanching_rash_is_scored_as_vocabulary_rash(interpreter):
    lexicon = load_lexicon()
    text = "宝宝身上有出血点按了也不退"  # one clause, one sign (round 8: after a comma the pressing is a second sign)
    gold = Example(text, "report_symptoms", (Annotation("symptom", "rash", 5, 13),))
    scored = evaluate(interpreter, [gold], vocabulary_codes_only(lexicon), vocabulary_view(lexicon))
    assert scored.symptoms["rash"].f1 == 1.0
    assert "nonblanching_rash" in present(interpreter, text)


def test_dialect_words_cite_their_dictionary():
    text = (Path(__file__).resolve().parents[2] / "nlu" / "lexicon" / "symptoms.yml").read_text(encoding="utf-8")
    assert "臺灣閩南語常用詞辭典" in text
