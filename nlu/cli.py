"""`wenzhen nlu train | test | parse`: the NLU's commands (the bot's CLI mounts this group as `nlu`)."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

import click
import yaml

from nlu.yaml_files import load_yaml

from nlu.classifier import IntentModel
from nlu.evaluation import evaluate, vocabulary_codes_only, vocabulary_view, write_reports
from nlu.interpreter import DEFAULT_DATA, DEFAULT_MODEL, DEFAULT_TEST_DATA, MedicalInterpreter, load_interpreter, train
from nlu.training_data import TrainingDataError, load_examples

_MODEL = click.option("--model", "model_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_MODEL,
                      show_default=True, help="model file")


def _served_threshold(config: Path = Path(__file__).resolve().parents[1] / "config.yml") -> float:
    """The out_of_scope threshold the bot serves with (config.yml's `nlu.threshold`, round 8 of issue 11), so that
    `wenzhen nlu test` measures what patients get; 0.45 when there is no such file or value (an installed wheel).
    The file is read as YAML, not through bot.config: the NLU imports nothing of the bot."""
    try:
        value = (load_yaml(config.read_text(encoding="utf-8")) or {}).get("nlu", {}).get("threshold")
    except (OSError, yaml.YAMLError, AttributeError):
        return 0.45
    return float(value) if isinstance(value, (int, float)) and 0.0 <= value <= 1.0 else 0.45


_THRESHOLD = click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=_served_threshold(), show_default=True,
                          help="below this confidence the intent is out_of_scope (default: config.yml's nlu.threshold)")


def _fail(reason: str) -> NoReturn:
    click.echo(f"wenzhen nlu: {reason}", err=True)
    sys.exit(2)


def _load_model(path: Path) -> IntentModel:
    try:
        return IntentModel.load(path)
    except ValueError as exc:
        _fail(f"{exc}; run `wenzhen nlu train` first" if not path.exists() else str(exc))


@click.group("nlu")
def nlu() -> None:
    """Train, evaluate and try the Chinese medical NLU."""


@nlu.command("train")
@click.option("--data", "data", type=click.Path(path_type=Path), multiple=True, default=[DEFAULT_DATA],
              show_default=True, help="nlu.yml file or directory of them (repeatable)")
@click.option("--out", "model_path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_MODEL,
              show_default=True, help="where to write the model")
def train_command(data: tuple[Path, ...], model_path: Path) -> None:
    """Train the intent classifier from Rasa nlu.yml data (deterministic)."""
    try:
        run = train(data, model_path)
    except (TrainingDataError, ValueError) as exc:
        _fail(str(exc))
    size = model_path.stat().st_size
    click.echo(f"trained on {run.examples} examples, {run.intents} intents in {run.seconds:.1f} s "
               f"→ {model_path} ({size / 1024:.0f} KiB)")


@nlu.command("test")
@_MODEL
@_THRESHOLD
@click.option("--data", "test_file", type=click.Path(path_type=Path), default=DEFAULT_TEST_DATA, show_default=True,
              help="annotated test examples (nlu.yml)")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("reports/nlu"),
              show_default=True, help="directory for the reports")
@click.option("--vocabulary-only", is_flag=True,
              help="score only vocabulary.yml's codes (for sets annotated outside the project, e.g. the blind set)")
@click.option("--exclude-trained", is_flag=True,
              help="leave out examples whose text is also a training example (vocabulary.yml's own examples, short answers)")
def test_command(model_path: Path, threshold: float, test_file: Path, out_dir: Path, vocabulary_only: bool,
                 exclude_trained: bool) -> None:
    """Evaluate on annotated examples: intent and entity scores, red flags, confusion matrix, errors."""
    try:
        examples = load_examples([test_file])
        if exclude_trained:
            trained = {e.text for e in load_examples([DEFAULT_DATA])}
            examples = [e for e in examples if e.text not in trained]
    except TrainingDataError as exc:
        _fail(str(exc))
    if not examples:
        _fail(f"{test_file}: no examples")
    interpreter = MedicalInterpreter(_load_model(model_path), threshold)
    keep = vocabulary_codes_only(interpreter.pipeline.lexicon) if vocabulary_only else None
    view = vocabulary_view(interpreter.pipeline.lexicon) if vocabulary_only else None
    report = evaluate(interpreter, examples, keep, view)
    write_reports(report, out_dir)
    click.echo(f"{test_file}: intent accuracy {report.intent_accuracy:.4f}, macro-F1 {report.intent_macro_f1:.4f} "
               f"on {report.examples} examples" + (" (vocabulary codes only)" if vocabulary_only else ""))
    click.echo(f"red-flag symptom recall {report.red_flag_recall:.4f}; values exact {report.values_exact:.4f}")
    for name, scores in report.entities.items():
        click.echo(f"  {name:<18} P {scores.precision:.3f}  R {scores.recall:.3f}  F1 {scores.f1:.3f}  "
                   f"(n={scores.support})")
    for name, accuracy in report.value_accuracy.items():
        click.echo(f"  {name:<18} exact value {accuracy:.3f}")
    click.echo("symptoms by code (negation counted):")
    for name, scores in report.symptoms.items():
        click.echo(f"  {name:<24} P {scores.precision:.3f}  R {scores.recall:.3f}  F1 {scores.f1:.3f}  "
                   f"(n={scores.support})")
    click.echo("red flags, gold → read as:")
    for gold, row in report.red_flag_confusion.items():
        click.echo(f"  {gold:<24} " + ", ".join(f"{read} {n}" for read, n in row.items()))
    click.echo(f"{len(report.errors)} errors; reports in {out_dir}")


@nlu.command("parse")
@click.argument("text")
@_MODEL
@_THRESHOLD
def parse_command(text: str, model_path: Path, threshold: float) -> None:
    """Parse one message and print the JSON of CONTRACTS §3 (trains the model first if it is missing)."""
    if model_path == DEFAULT_MODEL:
        interpreter = load_interpreter(model_path, threshold)  # the shipped model: trained when missing or stale
    else:
        interpreter = MedicalInterpreter(_load_model(model_path), threshold)
    click.echo(json.dumps(interpreter.parse(text).to_dict(), ensure_ascii=False))
