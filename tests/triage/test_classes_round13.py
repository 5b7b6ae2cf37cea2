"""Round 13 (tri16): failure classes of a spent blind set, in typed Chinese of our own.

1. A press denied in words (按着不喊疼, 摸着不叫疼, 压着也不疼, 碰也没事) is no tenderness, in an opening and in an
   answer: a well child's mild belly discomfort is not an acute abdomen. A tender belly still is.
2. Two unnamed fever medicines (两种退烧药都吃过了) are no overdose: which ones and how much is asked, and the answer
   decides (two products with one ingredient → emergency). Every real overdose path still fires at once.
3. A fever gone today (昨天三十七度五今天正常了) is no fever of more than 3 days, whatever the cold's days; the fever's
   own span counts, and a fever still there still does.
4. A week of daily fever getting worse (越烧越高, 一天比一天高, 傍晚烧得越来越高) is urgent, even when the morning is
   normal or the answer says 白天不烧.
5. A tension-type headache of weeks (pressing band, stress, better after sleep, under 50, no red flags) is selfcare;
   the same headache at 58, a worsening or waking one, stays consult (pain.weeks).

Conversations drive the real engine (NLU, flows, interceptors, rules) through the REST channel.
"""
from __future__ import annotations

import httpx
import pytest

from tests.triage.talk import Talk

ADULT = {"subject": "我", "age": "28岁", "pregnant": "没有"}


def _key(text: str) -> int:
    return abs(hash(text))


# ---- 1: a press denied is no tenderness

@pytest.mark.parametrize("opening", [
    "儿子七岁，说肚子有点不舒服，我按着他也不喊疼，饭照常吃",
    "闺女六岁，肚子有点难受，摸着不叫疼，还在客厅玩",
    "我家老二五岁，肚脐周围有点不舒服，压着也不疼，水也喝得下",
    "孩子八岁，说肚子不太得劲，揉了揉碰也没事",
])
async def test_1_a_press_denied_in_an_opening_is_no_acute_abdomen(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r13-press-open-{_key(opening)}")
    await t.say(opening)
    assert t.slots.get("symptoms", {}).get("abdominal_tenderness") is False, t.slots
    assert t.level != "emergency", t.rules
    await t.until({"pain_score": "2"}, default="没有")
    assert t.level in ("selfcare", "consult") and "gi.acute_abdomen" not in t.rules, (t.asked, t.rules)
    assert t.slots["symptoms"].get("abdominal_tenderness") is False, t.slots


@pytest.mark.parametrize("answer", ["按了不喊疼", "摸着不叫疼，该玩还玩", "压着也不疼", "碰也没事", "他说肚子有点不舒服，按着不喊疼"])
async def test_1_a_press_denied_in_an_answer_is_no_tenderness(client: httpx.AsyncClient, answer: str) -> None:
    t = Talk(client, f"r13-press-ans-{_key(answer)}")
    await t.say("女儿六岁，肚子有点不舒服")
    # A pain the parent cannot rate: the tenderness question is asked (flows/intake_complaints.yml).
    await t.until({"pain_score": "说不上来", "symptoms.abdominal_tenderness": answer}, default="没有")
    assert "symptoms.abdominal_tenderness" in t.asked, t.asked
    assert t.slots["symptoms"].get("abdominal_tenderness") is False, (t.asked, t.slots)
    assert t.level == "consult" and "gi.acute_abdomen" not in t.rules, (t.asked, t.rules)


async def test_1_a_belly_answer_to_the_pain_question_is_no_tenderness(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r13-press-pain-question")
    await t.say("孩子五岁，肚子不舒服")
    await t.say("说肚子有点不舒服，按着不喊疼")
    assert t.level != "emergency", (t.asked, t.rules)
    await t.until({"pain_score": "2"}, default="没有")
    assert "gi.acute_abdomen" not in t.rules and t.level in ("selfcare", "consult"), (t.asked, t.rules)


@pytest.mark.parametrize("opening", [
    "孩子四岁，肚子疼，一按就哭，不让碰",
    "儿子九岁肚子疼，按着肚子不疼，一走路就疼得弯着腰",
])
async def test_1_a_tender_belly_is_still_an_emergency(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r13-press-tender-{_key(opening)}")
    await t.say(opening)
    await t.until({"age": "5岁"}, default="没有")
    assert t.level == "emergency" and "gi.acute_abdomen" in t.rules, (t.asked, t.rules)


# ---- 2: two fever medicines are asked about, an overdose is not

async def test_2_two_unnamed_fever_medicines_are_asked_not_an_overdose(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r13-meds-two-fever")
    await t.say("孩子烧到39度2，两种退烧药都用过了")
    assert t.level is None and not t.slots.get("symptoms", {}).get("poisoning"), (t.rules, t.slots)
    await t.until({"age": "3岁", "duration_hours": "一天", "medicines_taken": "美林和泰诺林，按说明书各喂了一次"},
                  default="没有")
    assert "medicines_taken" in t.asked, t.asked
    assert "tox.poisoning" not in t.rules and t.level != "emergency", (t.asked, t.rules)


async def test_2_two_products_of_one_ingredient_in_the_answer_are_an_overdose(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r13-meds-same-ingredient")
    await t.say("女儿发烧39度，两种退烧药都喂过了")
    await t.until({"age": "3岁", "duration_hours": "一天", "medicines_taken": "泰诺林和小儿氨酚黄那敏"}, default="没有")
    assert t.level == "emergency" and "tox.poisoning" in t.rules, (t.asked, t.rules)


@pytest.mark.parametrize("opening", [
    "我老公发烧，两种感冒药一起吃了",
    "一口气吃了二十片布洛芬",
    "我妈吃了半瓶安眠药",
    "发烧吃了泰诺林，后来又吃了白加黑",
    "孩子把奶奶的降压药吃了两片",
])
async def test_2_every_real_overdose_still_fires_at_once(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r13-meds-overdose-{_key(opening)}")
    await t.say(opening)
    assert t.level == "emergency" and "tox.poisoning" in t.rules, (t.asked, t.rules)


# ---- 3: a fever gone today is no fever of more than 3 days

@pytest.mark.parametrize("opening", [
    "感冒四天了，鼻塞咳嗽，前天三十七度六，今天体温正常了",
    "着凉三天了，流鼻涕，昨天有点低烧，今天不烧了",
    "感冒五天了，嗓子有点疼，量了37度1",
    "感冒一个礼拜了，这两天有点发烧37度8",
])
async def test_3_a_cold_s_days_are_not_a_fever_s(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r13-cold-{_key(opening)}")
    await t.say(opening)
    await t.until(ADULT, default="没有")
    assert t.level is not None, t.asked
    assert not {"covid.fever_over_3_days", "fever.week_long", "covid.persistent_fever"} & set(t.rules), (t.asked, t.rules)


@pytest.mark.parametrize("opening", [
    "发烧四天了，今天还是38度2",
    "烧了三天了，今天退了，晚上又烧起来了",
])
async def test_3_a_fever_still_there_still_counts(client: httpx.AsyncClient, opening: str) -> None:
    t = Talk(client, f"r13-fever-still-{_key(opening)}")
    await t.say(opening)
    await t.until(ADULT, default="没有")
    assert {"covid.fever_over_3_days", "covid.persistent_fever"} & set(t.rules), (t.asked, t.rules)


# ---- 4: a week of daily fever getting worse

@pytest.mark.parametrize(("opening", "answers"), [
    ("天天傍晚发烧，有一个礼拜了", {"temperature": "白天不烧，一到傍晚烧得越来越高"}),
    ("这一周每天下午都发烧，早上体温正常，越烧越高", {"temperature": "38.6"}),
    ("我发烧一个礼拜了", {"temperature": "现在36度8，一到晚上就烧，一天比一天高"}),
    ("发烧了", {"temperature": "38度7", "duration_hours": "七八天了，体温一天比一天高"}),
    ("老妈这个礼拜天天晚上发热，体温一天比一天高", {"subject": "我妈", "age": "66岁", "temperature": "38.4"}),
])
async def test_4_a_week_of_fever_getting_worse_is_urgent(client: httpx.AsyncClient, opening: str, answers: dict[str, str]) -> None:
    t = Talk(client, f"r13-worse-{_key(opening + str(answers))}")
    await t.say(opening)
    await t.until({**ADULT, **answers}, default="没有")
    assert t.level in ("urgent", "emergency") and "fever.week_long" in t.rules, (t.asked, t.rules, t.slots.get("fever_resolved"))


async def test_4_a_week_long_fever_gone_is_not_a_week_of_fever(client: httpx.AsyncClient) -> None:
    t = Talk(client, "r13-worse-gone")
    await t.say("发烧了一个礼拜，前天就退了，现在36度5")
    await t.until(ADULT, default="没有")
    assert "fever.week_long" not in t.rules, (t.asked, t.rules)


# ---- 5: a tension-type headache of weeks

@pytest.mark.parametrize(("opening", "answers"), [
    ("最近两个礼拜天天头疼，像箍了一圈紧紧的，快考试了压力大，睡一觉会好点", {"age": "20岁"}),
    ("头疼，两边闷闷的，快三个礼拜了，天天加班到半夜，休息好了就轻一些", {"age": "31岁"}),
    ("头疼两周了", {"age": "22岁", "symptoms.severe_headache": "不是突然的，就是额头一圈发紧，最近赶项目压力大，睡够了会轻一些"}),
])
async def test_5_a_tension_headache_of_weeks_is_selfcare(client: httpx.AsyncClient, opening: str, answers: dict[str, str]) -> None:
    t = Talk(client, f"r13-tension-{_key(opening + str(answers))}")
    await t.say(opening)
    await t.until({**ADULT, **answers}, default="没有")
    assert t.level == "selfcare" and "pain.weeks" not in t.rules, (t.asked, t.rules)
    assert t.slots.get("headache_tension") is True and t.slots.get("headache_stress_or_rest") is True, t.slots


@pytest.mark.parametrize(("opening", "age"), [
    ("最近两个礼拜天天头疼，头两边压着似的，工作压力大，睡一觉会好点", "58岁"),            # new after 50
    ("头疼三个礼拜了，后脑勺发紧，压力大，睡一觉会好点，可是越来越重", "26岁"),            # worsening
    ("这半个月天天头疼，额头像箍着，考研压力大，睡一觉会好点，但半夜会疼醒", "24岁"),      # waking
    ("腰疼三个礼拜了，久坐就酸，休息一下会好点", "35岁"),                                  # another pain
])
async def test_5_other_weeks_long_pains_stay_consult(client: httpx.AsyncClient, opening: str, age: str) -> None:
    t = Talk(client, f"r13-weeks-{_key(opening)}")
    await t.say(opening)
    await t.until({**ADULT, "age": age, "duration_hours": "三周"}, default="没有")
    assert t.level in ("consult", "urgent") and "pain.weeks" in t.rules, (t.asked, t.rules)
