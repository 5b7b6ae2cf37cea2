"""Triage measured in words (issue 10): simulated patients talk to the bot through REST in Chinese.

The words driver (tests/triage/words.py) opens with each vignette's text and answers every
question from its facts in the patient's words — never a payload. Two sets, reported apart:

- the developer set (tests/triage/vignettes_dev.yml), written by people who know the rules;
- blind set v1 (tests/triage/blind/triage_blind_v1.yml), written by a helper who never saw the
  rules, lexicon, flows or training data; frozen (its sha256 is checked against docs/triage.md).

Run with `-s` to see the report (accuracy, emergency recall, under-triage, self-care accuracy,
no decision, questions before the decision, confusion matrix). `bench/triage_words.py FILE`
runs any other file the same way.
"""
from __future__ import annotations

import hashlib
import re
import statistics
from pathlib import Path

import httpx

from bot.config import PROJECT_ROOT
from tests.triage.words import HUMAN, NO_DECISION, WordsScore, WordVignette, load_word_vignettes, run_set

HERE = Path(__file__).parent
DEV_SET = HERE / "vignettes_dev.yml"
BLIND_V1 = HERE / "blind" / "triage_blind_v1.yml"
CLASSES = HERE / "vignettes_classes.yml"
ROUND2 = HERE / "vignettes_round2.yml"
ROUND3 = HERE / "vignettes_round3.yml"
ROUND8 = HERE / "vignettes_round8.yml"
CONCURRENT = 6


def assert_issue_10_targets(score: WordsScore, accuracy: float, selfcare: float) -> None:
    report = score.report("")
    counts = score.question_counts
    assert score.under_triaged_emergencies == [], report
    assert score.undecided == [], report
    assert score.accuracy >= accuracy, report
    assert score.accuracy_of("selfcare") >= selfcare, report
    # Issue 10 asks for a median of 7 and a maximum of 15 questions; reached on blind v1 (a spent
    # set) after the v4 classes (docs/triage.md): this guards against the intake getting longer.
    assert statistics.median(counts) <= 7, report
    assert max(counts) <= 15, report


def test_the_blind_set_is_the_frozen_one() -> None:
    recorded = re.search(r"triage_blind_v1\.yml.*?`([0-9a-f]{64})`", (PROJECT_ROOT / "docs" / "triage.md").read_text(encoding="utf-8"))
    assert recorded, "docs/triage.md records the blind set's sha256"
    assert hashlib.sha256(BLIND_V1.read_bytes()).hexdigest() == recorded.group(1)
    vignettes = load_word_vignettes(BLIND_V1)
    assert len(vignettes) >= 150 and len({v.id for v in vignettes}) == len(vignettes)


async def test_blind_set_v1_in_words(client: httpx.AsyncClient) -> None:
    score = await run_set(client, load_word_vignettes(BLIND_V1), CONCURRENT, prefix="blind-v1")
    print("\n" + score.report("Blind set v1, in words through REST:"))
    # Reached on v1 (see docs/triage.md for the numbers); the lead's second blind set decides.
    assert_issue_10_targets(score, accuracy=0.95, selfcare=0.90)


async def test_developer_set_in_words(client: httpx.AsyncClient) -> None:
    score = await run_set(client, load_word_vignettes(DEV_SET), CONCURRENT, prefix="dev")
    print("\n" + score.report("Developer set, in words through REST:"))
    report = score.report("")
    assert score.under_triaged_emergencies == [] and score.undecided == [], report
    assert score.accuracy >= 0.95 and score.accuracy_of("selfcare") >= 0.90, report


async def test_the_failure_classes_of_blind_v4_in_words(client: httpx.AsyncClient) -> None:
    """Our own cases for each class of failure v4 showed, both sides of each line: every one exact."""
    score = await run_set(client, load_word_vignettes(CLASSES), CONCURRENT, prefix="classes")
    print("\n" + score.report("Failure classes of blind v4, in words through REST:"))
    wrong = [t.vignette.id for t in score.talks if t.decided != t.vignette.expected]
    assert wrong == [], score.report("")
    assert max(score.question_counts) <= 15, score.report("")


async def test_the_round_2_failure_classes_in_words(client: httpx.AsyncClient) -> None:
    """Our own cases for each class the lead reported from a fresh blind set (round 2): cardiac
    equivalents, an unplaced complaint, dizziness as an accompaniment, pain and SpO2 in words, a
    sting's local swelling, 血压失控 — both sides of each line, every one exact."""
    score = await run_set(client, load_word_vignettes(ROUND2), CONCURRENT, prefix="round2")
    print("\n" + score.report("Round-2 failure classes, in words through REST:"))
    wrong = [t.vignette.id for t in score.talks if t.decided != t.vignette.expected]
    assert wrong == [], score.report("")
    assert max(score.question_counts) <= 15, score.report("")


async def test_the_round_3_failure_classes_in_words(client: httpx.AsyncClient) -> None:
    """Our own cases for each class the lead reported from blind v6 (round 3): every answer form to
    the suicidal-thoughts question, testicular pain said as lower-belly pain, a non-blanching rash
    with a fever, fever with confusion in the elderly, over-reading, unknown answers, others'
    conditions, postpartum mood — both sides of each line, every one exact."""
    score = await run_set(client, load_word_vignettes(ROUND3), CONCURRENT, prefix="round3")
    print("\n" + score.report("Round-3 failure classes, in words through REST:"))
    wrong = [t.vignette.id for t in score.talks if t.decided != t.vignette.expected]
    assert wrong == [], score.report("")
    assert max(score.question_counts) <= 15, score.report("")


async def test_the_round_8_failure_classes_in_words(client: httpx.AsyncClient) -> None:
    """Our own cases for each class of round 8 (routing, rules, question order): a pregnant woman's 宝宝, black
    stool, a severe sore throat, fever with weakness, short mild and mixed cases, a baby's breathing — every one
    exact, none asked more than 15 questions."""
    score = await run_set(client, load_word_vignettes(ROUND8), CONCURRENT, prefix="round8")
    print("\n" + score.report("Round-8 failure classes, in words through REST:"))
    wrong = [t.vignette.id for t in score.talks if t.decided != t.vignette.expected]
    assert wrong == [], score.report("")
    assert max(score.question_counts) <= 15, score.report("")


NONSENSE = ("啊啊啊", "嗯？？", "哈哈哈哈", "……", "asdfgh", "今天星期几", "我家猫很可爱", "😀😀", "随便", "12345abc")


async def test_a_patient_who_answers_only_nonsense_reaches_a_decision_or_a_human_within_15_turns(
    client: httpx.AsyncClient,
) -> None:
    """Whatever is said after the opening, the bot never loops: it decides (conservatively) or hands off."""
    for opening in ("我发烧了，嗓子疼", "孩子肚子疼", "我妈头晕"):
        sender = f"nonsense-{opening}"
        reply = (await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": opening})).json()
        decided = None
        for turn in range(15):
            decided = next(((m.get("custom") or {}).get("triage") for m in reply if (m.get("custom") or {}).get("triage")), None)
            if decided:
                break
            tracker = (await client.get(f"/conversations/{sender}/tracker")).json()
            if (tracker.get("handoff") or {}).get("status"):
                decided = {"level": HUMAN}
                break
            assert tracker["stack"], f"{opening!r}: the intake ended without a decision after {turn} turns"
            reply = (await client.post("/webhooks/rest/webhook",
                                       json={"sender": sender, "message": NONSENSE[turn % len(NONSENSE)]})).json()
        assert decided is not None, f"{opening!r}: no decision or human within 15 turns"
        # Unanswered red flags are never read as "no": the decision is at least consult.
        assert decided["level"] in ("emergency", "urgent", "consult", HUMAN), (opening, decided)


def test_the_driver_answers_in_words_only() -> None:
    """The simulated patient never sends a payload: facts in words, else 没有 / 不清楚."""
    from tests.triage.words import answer_for

    facts = {"temperature": "三十九度二", "symptoms": {"dyspnea": "不喘"}, "spo2": "家里没有血氧仪"}
    assert answer_for("temperature", facts) == "三十九度二"
    assert answer_for("symptoms.dyspnea", facts) == "不喘"
    assert answer_for("symptoms.cough", facts) == "没有"
    assert answer_for("has_oximeter", facts) == "家里没有血氧仪"
    assert answer_for("conditions_answer", facts) == "不清楚"
    vignette = WordVignette(id="x", opening="发烧", expected="selfcare", facts=facts)
    assert not any(answer_for(s, vignette.facts).startswith("/") for s in ("age", "spo2", "symptoms.rash"))
    assert NO_DECISION != HUMAN
