"""The old vignette suite (issue 4), kept as a unit test of the rules alone.

`vignettes.yml` holds each case's facts as slots; scoring the rules over them separates a rule's
error from the NLU's or the intake's. It is not the headline: conversations are measured in
words by tests/triage/test_words.py (the developer set and the frozen blind set).
"""
from __future__ import annotations

from collections import Counter


from actions.triage.decision import decide
from actions.triage.ruleset import LEVELS, Ruleset
from tests.triage.vignettes import Score, load_vignettes

VIGNETTE_LIST = load_vignettes()


def assert_targets(score: Score) -> None:
    report = score.report("")
    assert score.under_triaged_emergencies == [], report
    assert score.accuracy >= 0.90, report
    assert score.accuracy_of("selfcare") >= 0.80, report


def test_the_suite_covers_what_issue_4_asks() -> None:
    levels = Counter(v.expected for v in VIGNETTE_LIST)
    assert len(VIGNETTE_LIST) >= 80
    assert all(levels[level] >= 15 for level in LEVELS), levels
    assert set(levels) == set(LEVELS)
    assert len({v.id for v in VIGNETTE_LIST}) == len(VIGNETTE_LIST)
    tags = Counter(t for v in VIGNETTE_LIST for t in v.tags)
    for tag in ("child", "infant", "pregnancy", "elderly", "chronic", "crisis", "negation", "numerals"):
        assert tags[tag] >= 3, tag
    assert any({"elderly", "chronic"} <= set(v.tags) for v in VIGNETTE_LIST)


def test_the_rules_alone_triage_the_vignettes_facts(ruleset: Ruleset) -> None:
    score = Score()
    for vignette in VIGNETTE_LIST:
        score.add(vignette, decide(ruleset, vignette.slots()).level)
    print("\n" + score.report("Rules alone, over each vignette's facts:"))
    assert_targets(score)
