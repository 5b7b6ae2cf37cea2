"""`wenzhen nlu train | test | parse` as a hospital's IT team runs them."""
from __future__ import annotations

import json

from click.testing import CliRunner

from nlu.cli import nlu


def test_parse_prints_the_contract_json(model_file):
    result = CliRunner().invoke(nlu, ["parse", "我妈65岁，发烧三天了", "--model", str(model_file)])
    assert result.exit_code == 0, result.output
    parsed = json.loads(result.output)
    assert parsed["text"] == "我妈65岁，发烧三天了"
    assert parsed["intent"]["name"] == "report_symptoms"
    assert {"entity": "age", "value": 65, "start": 2, "end": 5, "text": "65岁"} in parsed["entities"]
    assert "我妈" in result.output  # ensure_ascii=False: Chinese stays readable


def test_parse_with_a_file_that_is_not_a_model_exits_2_with_one_line(tmp_path):
    junk = tmp_path / "junk.model"
    junk.write_text("hello")
    result = CliRunner().invoke(nlu, ["parse", "发烧", "--model", str(junk)])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1


def test_test_writes_every_report(model_file, tmp_path):
    out = tmp_path / "reports"
    result = CliRunner().invoke(nlu, ["test", "--model", str(model_file), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "intent accuracy" in result.output
    names = {p.name for p in out.iterdir()}
    assert names == {"summary.json", "intent_report.json", "entity_report.json", "confusion_matrix.json",
                     "confusion_matrix.png", "errors.json", "red_flags.json"}
    assert (out / "confusion_matrix.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    matrix = json.loads((out / "confusion_matrix.json").read_text(encoding="utf-8"))
    assert len(matrix["labels"]) == len(matrix["matrix"])
    intents = json.loads((out / "intent_report.json").read_text(encoding="utf-8"))
    assert set(intents["report_symptoms"]) == {"precision", "recall", "f1", "support"}


def test_test_scores_any_file_with_red_flags_and_per_code_symptoms(model_file, tmp_path):
    data = tmp_path / "mine.yml"
    data.write_text('version: "3.1"\nnlu:\n- intent: report_symptoms\n  examples: |\n'
                    '    - [嘴唇有点发紫]{"entity": "symptom", "value": "cyanosis"}\n'
                    '    - [胸口一阵阵地疼]{"entity": "symptom", "value": "chest_pain"}，出了一身冷汗\n', encoding="utf-8")
    out = tmp_path / "reports"
    result = CliRunner().invoke(nlu, ["test", "--model", str(model_file), "--data", str(data), "--out", str(out),
                                      "--vocabulary-only"])
    assert result.exit_code == 0, result.output
    assert "red-flag symptom recall 1.0000" in result.output
    assert "(vocabulary codes only)" in result.output
    red = json.loads((out / "red_flags.json").read_text(encoding="utf-8"))
    assert red["confusion"] == {"chest_pain": {"chest_pain": 1}, "cyanosis": {"cyanosis": 1}}
    entities = json.loads((out / "entity_report.json").read_text(encoding="utf-8"))
    # 一身冷汗 is the project's own code `sweating`: not counted against a vocabulary-only set.
    assert entities["symptom"]["precision"] == 1.0
    assert set(entities["symptoms"]) == {"chest_pain", "cyanosis"}


def test_test_with_a_missing_file_exits_2(model_file, tmp_path):
    result = CliRunner().invoke(nlu, ["test", "--model", str(model_file), "--data", str(tmp_path / "none.yml")])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_train_with_bad_data_exits_2(tmp_path):
    bad = tmp_path / "nlu.yml"
    bad.write_text("nlu: []\n", encoding="utf-8")
    result = CliRunner().invoke(nlu, ["train", "--data", str(bad), "--out", str(tmp_path / "m.model")])
    assert result.exit_code == 2
    assert "no training examples" in result.output


def test_train_writes_a_small_model(tmp_path):
    data = tmp_path / "nlu.yml"
    data.write_text("nlu:\n- intent: greet\n  examples: |\n    - 你好\n- intent: thanks\n  examples: |\n    - 谢谢\n",
                    encoding="utf-8")
    result = CliRunner().invoke(nlu, ["train", "--data", str(data), "--out", str(tmp_path / "m.model")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "m.model").stat().st_size < 100_000
