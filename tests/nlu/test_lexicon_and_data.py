"""The lexicon agrees with the shared vocabulary; training files read as Rasa writes them; training is deterministic."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from nlu.classifier import IntentModel
from nlu.interpreter import DEFAULT_DATA, train
from nlu.lexicon import LEXICON_DIR, LexiconError, check_against_vocabulary, load_lexicon
from nlu.training_data import TrainingDataError, load_examples, parse_example

VOCABULARY = Path(__file__).resolve().parents[3] / "shared" / "spec" / "vocabulary.yml"


@pytest.mark.skipif(not VOCABULARY.exists(), reason="shared/spec/vocabulary.yml is outside this checkout")
def test_lexicon_has_every_vocabulary_code_and_synonym():
    vocabulary = yaml.safe_load(VOCABULARY.read_text(encoding="utf-8"))
    assert check_against_vocabulary(load_lexicon(), vocabulary) == []


def test_training_data_covers_every_vocabulary_intent():
    intents = {e.intent for e in load_examples([DEFAULT_DATA])}
    expected = {"greet", "goodbye", "thanks", "affirm", "deny", "help", "cancel", "request_doctor", "inform",
                "out_of_scope", "report_symptoms", "covid_positive", "ask_home_care", "ask_medication",
                "ask_when_hospital", "ask_covid_info", "emergency_help", "psych_support", "book_appointment",
                "query_report", "renew_prescription", "nucleic_acid_test", "bind_card", "ask_hospital_info",
                "unsubscribe", "feedback"}
    assert intents == expected


def test_every_intent_has_forty_examples_and_the_big_three_more():
    from collections import Counter

    counts = Counter(e.intent for e in load_examples([DEFAULT_DATA]))
    assert min(counts.values()) >= 40
    assert all(counts[i] >= 80 for i in ("report_symptoms", "inform", "covid_positive"))


def test_a_word_with_two_meanings_is_refused(tmp_path):
    for name in ("symptoms.yml", "conditions.yml", "people.yml", "negation.yml"):
        (tmp_path / name).write_text((LEXICON_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "conditions.yml").write_text("conditions:\n  asthma: [发烧]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="发烧"):
        load_lexicon(tmp_path)


def test_rasa_annotations_are_read_with_offsets_of_the_plain_text():
    example = parse_example('[我妈](subject:parent)[发烧]{"entity": "symptom", "value": "fever"}，'
                            '没有[咳嗽]{"entity": "symptom", "value": "cough", "role": "negated"}，[39度]'
                            '{"entity": "temperature", "value": 39.0}', "report_symptoms")
    assert example.text == "我妈发烧，没有咳嗽，39度"
    assert [(a.entity, a.value, example.text[a.start:a.end], a.negated) for a in example.entities] == [
        ("subject", "parent", "我妈", None), ("symptom", "fever", "发烧", None),
        ("symptom", "cough", "咳嗽", True), ("temperature", 39.0, "39度", None)]


def test_a_broken_training_file_names_itself(tmp_path):
    bad = tmp_path / "nlu.yml"
    bad.write_text('nlu:\n- intent: inform\n  examples: |\n    - [38度]{"entity": }\n', encoding="utf-8")
    with pytest.raises(TrainingDataError, match="nlu.yml"):
        load_examples([bad])


def test_training_is_deterministic(tmp_path):
    data = tmp_path / "nlu.yml"
    data.write_text(
        "version: '3.1'\nnlu:\n"
        "- intent: greet\n  examples: |\n    - 你好\n    - 在吗\n    - 医生您好\n"
        "- intent: report_symptoms\n  examples: |\n    - 我发烧了\n    - 孩子咳嗽两天\n    - 嗓子疼\n",
        encoding="utf-8")
    first = train([data], tmp_path / "a.model").model
    second = train([data], tmp_path / "b.model").model
    assert (tmp_path / "a.model").read_bytes() == (tmp_path / "b.model").read_bytes()
    assert np.array_equal(first.weights, second.weights)
    assert IntentModel.load(tmp_path / "a.model").predict(["w:你好"])[0][0] == "greet"


def test_a_file_that_is_not_a_model_is_refused(tmp_path):
    junk = tmp_path / "junk.model"
    junk.write_bytes(b"not a model")
    with pytest.raises(ValueError, match="not a wenzhen NLU model"):
        IntentModel.load(junk)


def test_the_segmenter_keeps_lexicon_words_whole():
    from nlu.interpreter import shared_pipeline

    tokens = [t.text for t in shared_pipeline().nlp("昨天开始刀片嗓还喘不上气")]
    assert "刀片嗓" in tokens
    assert "喘不上气" in tokens


def test_a_model_from_older_shipped_data_is_retrained_but_a_custom_one_is_kept(tmp_path):
    from nlu.interpreter import load_interpreter

    stale = tmp_path / "stale.model"
    IntentModel(["greet", "thanks"], ["w:你好"], np.zeros((1, 2)), np.zeros(2),
                {"default_data": True, "data_sha256": "older"}).save(stale)
    retrained = load_interpreter(stale, 0.45).model
    assert retrained.meta["data_sha256"] != "older"
    assert "report_symptoms" in IntentModel.load(stale).labels

    custom = tmp_path / "custom.model"
    IntentModel(["greet", "thanks"], ["w:你好"], np.zeros((1, 2)), np.zeros(2), {"default_data": False}).save(custom)
    assert load_interpreter(custom, 0.45).model.labels == ["greet", "thanks"]


def test_a_missing_model_is_trained_on_first_start(tmp_path):
    from nlu.interpreter import load_interpreter

    path = tmp_path / "models" / "first.model"
    interpreter = load_interpreter(path, 0.45)
    assert path.exists()
    assert interpreter.parse("转人工").intent.name == "request_doctor"
