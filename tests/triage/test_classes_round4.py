"""Round 4 of issue 10: the failure classes the lead reported from a fresh blind set, pinned in typed Chinese.

Every test drives the real engine (the project's NLU, flows, interceptors and rules) through the REST
channel, as a patient types; the words are our own, both sides of each line (a case that must rise
and one that must not). The vignettes of tests/triage/vignettes_round4.yml are driven by the words
driver (tests/triage/words.py) and must each be decided exactly, with no question asked more than
twice and the question budget of issue 10 (median ≤ 7, max ≤ 15).

Classes: (1) an overdose or a suicidal yes said in the answer to another question; (2) descriptive
answers (no fever, a neck that bends, a described rash) and no question repeated word for word;
(3) carbon monoxide in a household; (4) self-harm or a plan in the opening; (5) a resolved fever is
not a week of fever; (6) a child who cannot keep fluids down; (8) the question for whom it is asked;
(10) Chinese phrases live in data files, not in code.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from pathlib import Path

import httpx
import pytest

from actions.intake_facts import read_facts
from bot.answers import no_fever_said, plain_yes_first
from bot.config import PROJECT_ROOT
from tests.triage.talk import Talk
from tests.triage.words import load_word_vignettes, run_set

ROUND4 = Path(__file__).parent / "vignettes_round4.yml"


async def answer_until(t: Talk, stop: str | None, answers: dict[str, str], default: str = "没有") -> None:
    """Answer each question from `answers` (else `default`) until `stop` is asked or a decision is made."""
    for _ in range(16):
        if t.level is not None or t.waiting is None or t.waiting == stop:
            return
        await t.say(answers.get(t.waiting, default))


async def talk(client: httpx.AsyncClient, sender: str, *messages: str) -> Talk:
    t = Talk(client, sender)
    for text in messages:
        await t.say(text)
        if t.level is not None:
            break
    return t


# ---- class 4: self-harm, an overdose or a plan in the opening: emergency at once, crisis line and 120

@pytest.mark.parametrize("opening", ["刚才又划了手腕，流了挺多血", "我拿刀划了好几道胳膊", "我已经想好了，今晚就从楼顶跳下去",
                                     "我把一整瓶安眠药都吃了", "准备今晚吃安眠药自杀"])
async def test_self_harm_or_a_plan_in_the_opening_is_an_emergency_with_the_crisis_line(client: httpx.AsyncClient, opening: str) -> None:
    t = await talk(client, f"r4-harm-{opening}", opening)
    assert t.level == "emergency", (opening, t.texts)
    said = "".join(t.texts)
    assert "120" in said
    if "安眠药都吃了" not in opening:
        assert "12356" in said  # the crisis line (criteria: self-harm → crisis lines and 120/110)


@pytest.mark.parametrize("text", ["切菜的时候划了手指，流了点血", "怕孩子自残，该怎么跟他沟通", "冬天家里烧炭取暖安全吗"])
def test_words_that_only_look_like_self_harm_are_not_read_as_it(text: str) -> None:
    facts = read_facts(text)
    assert facts.get("symptoms.self_harm") is not True and facts.get("symptoms.suicidal_ideation") is not True, facts
    assert facts.get("suicide_plan") is not True, facts


# ---- class 1a: an overdose said to any question

@pytest.mark.parametrize("opening,age,medicines", [
    ("发烧一天了，浑身疼", "32岁", "吃了泰诺林，晚上又吃了白加黑"),
    ("孩子发烧了", "5岁", "喂了泰诺林，还喂了小儿氨酚黄那敏颗粒"),
    ("发烧头疼", "40岁", "一下子吃了十二片对乙酰氨基酚"),
])
async def test_an_overdose_said_when_asked_about_medicines_is_an_emergency(
        client: httpx.AsyncClient, opening: str, age: str, medicines: str) -> None:
    sender = f"r4-med-{medicines}"
    t = Talk(client, sender)
    await t.say(opening)
    answers = {"subject": "孩子" if "孩子" in opening else "我自己", "temperature": "38度8", "duration_hours": "一天", "age": age,
               "medicines_taken": medicines, "fever_persists_despite_medication": medicines}
    for _ in range(16):
        if t.level is not None or t.waiting is None:
            break
        await t.say(answers.get(t.waiting, "没有"))
    assert "medicines_taken" in t.asked or "fever_persists_despite_medication" in t.asked, t.asked
    assert t.level == "emergency" and "tox.poisoning" in t.rules, (t.asked, t.rules)


async def test_one_fever_medicine_at_its_dose_is_no_overdose(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r4-med-one")
    await t.say("发烧嗓子疼，一天了")
    answers = {"subject": "我自己", "temperature": "38度5", "medicines_taken": "吃了一片布洛芬", "age": "26岁",
               "pregnant": "没怀孕", "symptoms.cough": "有点咳"}
    for _ in range(16):
        if t.level is not None or t.waiting is None:
            break
        await t.say(answers.get(t.waiting, "没有"))
    assert t.level in ("selfcare", "consult") and "tox.poisoning" not in t.rules, (t.asked, t.rules)


# ---- class 1b: a yes with an elaboration to the suicidal-thoughts question

MOOD = {"subject": "我自己", "phq2_interest": "几乎每天", "phq2_mood": "几乎每天", "gad2_nervous": "好几天", "gad2_worry": "好几天"}


@pytest.mark.parametrize("answer", ["有，想去找她", "想去找他", "想跟她一起去算了", "不想活了", "想过怎么死", "有"])
async def test_a_yes_with_an_elaboration_to_the_suicide_question_is_read_at_once(client: httpx.AsyncClient, answer: str) -> None:
    t = await talk(client, f"r4-sui-{answer}", "老伴走了以后，我天天睡不着，心里空落落的")
    await answer_until(t, "symptoms.suicidal_ideation", MOOD)
    assert t.waiting == "symptoms.suicidal_ideation", t.asked
    await t.say(answer)
    # Read the first time: an emergency now, or the plan question next (never the same question again).
    assert t.level == "emergency" or t.waiting == "suicide_plan", (answer, t.asked, t.texts[-3:])
    if t.level is None:
        await t.say("有")
    assert t.level == "emergency", (answer, t.asked)


async def test_no_suicidal_thoughts_said_with_an_elaboration_is_a_no(client: httpx.AsyncClient) -> None:
    t = await talk(client, "r4-sui-no", "最近心情不好，干什么都提不起劲")
    await answer_until(t, "symptoms.suicidal_ideation", MOOD)
    assert t.waiting == "symptoms.suicidal_ideation", t.asked
    await t.say("没有，就是心里烦")
    assert t.level != "emergency" and t.asked.count("symptoms.suicidal_ideation") == 1, (t.asked, t.rules)


# ---- class 3: carbon monoxide

async def test_a_household_with_headaches_is_asked_about_a_co_source_and_exposure_is_an_emergency(client: httpx.AsyncClient) -> None:
    t = await talk(client, "r4-co-1", "我们全家都头疼头晕，有点恶心，是不是都阳了")
    if t.waiting == "subject":
        await t.say("我自己")
    assert t.waiting == "co_exposure", t.asked
    await t.say("卫生间用的燃气热水器，昨晚门窗都关着")
    assert t.level == "emergency" and "tox.carbon_monoxide" in t.rules, t.rules
    assert any("通风" in text for text in t.texts)  # the CO waiting advice


async def test_co_exposure_said_in_the_opening_is_an_emergency_at_once(client: httpx.AsyncClient) -> None:
    t = await talk(client, "r4-co-2", "我们几个都头晕想吐，昨晚在屋里烧炭取暖")
    assert t.level == "emergency" and "tox.carbon_monoxide" in t.rules, (t.asked, t.rules)
    assert t.slots.get("suicide_plan") is not True  # 烧炭取暖 is heating, not a method


async def test_a_household_with_covid_and_no_co_source_is_not_an_emergency(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r4-co-3")
    await t.say("我们全家都头疼，还发烧嗓子疼")
    answers = {"subject": "我自己", "co_exposure": "没有，家里是暖气", "temperature": "38度2", "duration_hours": "一天",
               "age": "34岁", "medicines_taken": "没吃", "symptoms.cough": "有点咳"}
    for _ in range(16):
        if t.level is not None or t.waiting is None:
            break
        await t.say(answers.get(t.waiting, "没有"))
    assert t.level != "emergency", (t.asked, t.rules)


async def test_a_faint_said_in_a_later_answer_raises_a_household_headache(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r4-co-4")
    await t.say("全家都头疼，我爸还说恶心")
    answers = {"subject": "我爸", "co_exposure": "不清楚", "symptoms.confusion": "人是清醒的，就是早上晕倒了一下", "age": "70岁"}
    for _ in range(16):
        if t.level is not None or t.waiting is None:
            break
        await t.say(answers.get(t.waiting, "没有"))
    assert t.level == "emergency", (t.asked, t.rules)


# ---- class 2 and 5: descriptive answers, fever gone, never asked word for word again

@pytest.mark.parametrize("answer", ["没发烧", "退了四五天了", "不烧了", "烧早退了"])
async def test_a_no_fever_answer_to_the_temperature_question_is_read_and_a_week_of_illness_is_not_a_week_of_fever(
        client: httpx.AsyncClient, answer: str) -> None:
    t = Talk(client, f"r4-nofever-{answer}")
    await t.say("咳嗽一个星期了，之前发过烧")
    answers = {"subject": "我自己", "temperature": answer, "age": "30岁", "pregnant": "我是男的", "symptoms.cough": "咳嗽"}
    for _ in range(16):
        if t.level is not None or t.waiting is None:
            break
        await t.say(answers.get(t.waiting, "没有"))
    assert t.asked.count("temperature") == 1, t.asked
    assert "fever.week_long" not in t.rules and "covid.fever_over_3_days" not in t.rules, t.rules


def test_no_fever_words_and_their_counter_examples() -> None:
    assert no_fever_said("退了四五天了") == "gone" and no_fever_said("烧早退了") == "gone"
    assert no_fever_said("没发烧") == "none" and no_fever_said("体温正常") == "none"
    assert no_fever_said("38度5") is None                 # a reading is a reading
    assert no_fever_said("退了两天又烧起来了") is None      # a fever that came back is not gone
    assert no_fever_said("吃了药退了，现在又39度") is None


async def test_a_week_of_daily_fever_is_still_urgent(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r4-fever-week")
    await t.say("发烧一个星期了，每天都烧到三十九度")
    answers = {"subject": "我自己", "temperature": "三十九度", "fever_persists_despite_medication": "吃了布洛芬还是烧", "age": "36岁"}
    for _ in range(16):
        if t.level is not None or t.waiting is None:
            break
        await t.say(answers.get(t.waiting, "没有"))
    assert t.level == "urgent" and "fever.week_long" in t.rules, (t.asked, t.rules)


async def test_a_neck_that_bends_is_no_stiff_neck(client: httpx.AsyncClient) -> None:
    t = await talk(client, "r4-neck", "最近考试压力大，头像被箍住一样疼", "我自己", "没有")
    assert t.waiting == "symptoms.stiff_neck", t.asked
    await t.say("脖子肩膀酸，低头抬头都可以")
    assert t.slots["symptoms"].get("stiff_neck") is False and t.waiting != "symptoms.stiff_neck", t.asked


async def test_a_neck_that_will_not_bend_is_a_stiff_neck(client: httpx.AsyncClient) -> None:
    t = await talk(client, "r4-neck-yes", "头疼得厉害，还发烧", "我自己", "没有")
    while t.waiting not in ("symptoms.stiff_neck", None) and t.level is None:
        await t.say("没有")
    await t.say("脖子硬，低不下头")
    assert t.level == "emergency", (t.asked, t.rules)


async def test_an_unread_answer_is_asked_once_more_in_other_words_then_kept_unknown(client: httpx.AsyncClient) -> None:
    t = await talk(client, "r4-boy", "我儿子突然小肚子疼，疼得直哭", "12岁")
    while t.waiting not in ("symptoms.testicular_pain", None) and t.level is None:
        await t.say("没有")
    assert t.waiting == "symptoms.testicular_pain", t.asked
    first = t.texts[-1]
    await t.say("小肚子下面偏左，往下扯着疼")
    assert t.waiting == "symptoms.testicular_pain"
    assert "蛋蛋" in "".join(t.texts[-2:]) and t.texts[-1] != first  # asked plainly, not word for word
    await t.say("往下扯着疼")
    # Unread twice: unknown, and the flow moves on (the floor rule keeps it at least consult).
    assert t.waiting != "symptoms.testicular_pain"
    assert t.slots["symptoms"].get("testicular_pain") == "unknown"


# ---- class 6: a child who cannot keep fluids down; ordinary throat pain

def test_cannot_keep_fluids_is_read_and_drinking_well_is_not() -> None:
    for text in ("喝水就吐", "喝什么吐什么", "一喝就吐", "奶都喝不进去"):
        assert read_facts(text).get("symptoms.cannot_keep_fluids") is True, text
    for text in ("能喝水，喝得下", "吐了一次，后来喝水没事", "尿也正常"):
        assert read_facts(text).get("symptoms.cannot_keep_fluids") is not True, text


def test_a_yes_said_first_then_explained() -> None:
    assert plain_yes_first("有，想去找她") and plain_yes_first("是的，疼得厉害")
    assert not plain_yes_first("有，不过没想过怎么做") and not plain_yes_first("没有，就是烦")


# ---- class 8: for whom the question is asked

async def test_the_patient_who_types_is_asked_their_own_age(client: httpx.AsyncClient) -> None:
    t = await talk(client, "r4-age", "我牙疼两天了")
    for _ in range(12):
        if t.level is not None or t.waiting in ("age", None):
            break
        await t.say("我自己" if t.waiting == "subject" else "没有")
    assert t.waiting == "age", t.asked
    assert "您今年多大年龄" in t.texts[-1] and "患者" not in t.texts[-1]


async def test_an_adult_is_not_asked_the_childrens_signs(client: httpx.AsyncClient) -> None:
    t = await talk(client, "r4-adult-dyspnea", "我发烧咳嗽，38度2", "一天")
    while t.waiting not in ("symptoms.dyspnea", None) and t.level is None:
        await t.say("没有")
    assert t.waiting == "symptoms.dyspnea", t.asked
    assert "孩子" not in t.texts[-1]


# ---- class 9 and all classes: the developer vignettes, each exact, within the question budget

async def test_the_round_4_classes_in_words(client: httpx.AsyncClient) -> None:
    score = await run_set(client, load_word_vignettes(ROUND4), 6, prefix="round4")
    print("\n" + score.report("Round-4 failure classes, in words through REST:"))
    wrong = [t.vignette.id for t in score.talks if t.decided != t.vignette.expected]
    assert wrong == [], score.report("")
    counts = score.question_counts
    assert statistics.median(counts) <= 7 and max(counts) <= 15, score.report("")
    for t in score.talks:
        twice = {slot: n for slot, n in Counter(t.asked).items() if n > 2}
        assert not twice, (t.vignette.id, twice)


# ---- class 10: Chinese phrases are data

def test_no_chinese_phrase_regex_in_the_screen_or_the_engine() -> None:
    chinese_regex = re.compile(r"re\.compile\([^)]*[\u4e00-\u9fff]")
    for path in [PROJECT_ROOT / "bot" / "engine.py", *sorted((PROJECT_ROOT / "actions" / "triage").glob("*.py"))]:
        assert not chinese_regex.search(path.read_text(encoding="utf-8")), path
