"""Evaluating the interpreter on annotated examples, like `rasa test nlu`: intent and entity scores,
a confusion matrix, and the list of mistakes.

An entity counts as right when type, value and (for symptoms, conditions, medications and
pregnancy) negation all agree and its span overlaps the annotated one.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

from nlu.interpreter import Interpreter
from nlu.lexicon import Lexicon, load_lexicon
from nlu.result import Entity
from nlu.training_data import Annotation, Example

NEGATABLE = frozenset({"symptom", "condition", "medication", "pregnancy"})
# Entity types whose value is a number: "exact-value accuracy" is reported for them.
NUMERIC = ("temperature", "spo2", "heart_rate", "respiratory_rate", "duration", "age", "vaccine_doses")
# The clinically important symptoms (symptoms.yml `red_flags`): recall and confusion reported.
RED_FLAGS = load_lexicon().red_flags


@dataclass(frozen=True)
class Scores:
    """Precision, recall and F1 of one label, with how many gold items it had."""

    precision: float
    recall: float
    f1: float
    support: int

    @classmethod
    def of(cls, tp: int, fp: int, fn: int) -> "Scores":
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return cls(round(precision, 4), round(recall, 4), round(f1, 4), tp + fn)


@dataclass
class EvaluationReport:
    """Everything `wenzhen nlu test` reports."""

    examples: int
    intent_accuracy: float
    intent_macro_f1: float
    intents: dict[str, Scores]
    entities: dict[str, Scores]
    value_accuracy: dict[str, float]
    labels: list[str]
    confusion: list[list[int]]
    errors: list[dict[str, Any]] = field(default_factory=list)
    symptoms: dict[str, Scores] = field(default_factory=dict)  # per symptom code, negation counted
    red_flag_recall: float = 0.0
    red_flag_confusion: dict[str, dict[str, int]] = field(default_factory=dict)  # gold code -> read as -> n
    values_exact: float = 0.0  # all numeric types together

    def summary(self) -> dict[str, Any]:
        return {
            "examples": self.examples,
            "intent_accuracy": self.intent_accuracy,
            "intent_macro_f1": self.intent_macro_f1,
            "symptom_f1": self.entities.get("symptom", Scores(0, 0, 0, 0)).f1,
            "red_flag_recall": self.red_flag_recall,
            "values_exact": self.values_exact,
            "value_accuracy": self.value_accuracy,
        }


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or str(a).lower() == str(b).lower()
    try:
        return abs(float(a) - float(b)) < 0.01
    except (TypeError, ValueError):
        return str(a) == str(b)


def _negated(entity: Entity | Annotation) -> bool | None:
    return bool(entity.negated) if entity.entity in NEGATABLE else None


def _overlap(a: Entity | Annotation, b: Entity | Annotation) -> bool:
    return a.start < b.end and b.start < a.end


def _matches(gold: Annotation, found: Entity) -> bool:
    return (gold.entity == found.entity and _overlap(gold, found) and _same_value(gold.value, found.value)
            and _negated(gold) == _negated(found))


def vocabulary_codes_only(lexicon: Lexicon) -> Callable[[Entity], bool]:
    """A `keep` filter without the codes the project added to vocabulary.yml (declared in the lexicon) — except
    those scored as a vocabulary code (`scored_as`: nonblanching_rash is a rash), which `vocabulary_view` renames."""
    return lambda e: not (e.entity in ("symptom", "condition", "medication") and e.value in lexicon.added_codes
                          and e.value not in lexicon.scored_as)


def vocabulary_view(lexicon: Lexicon) -> Callable[[Entity], Entity]:
    """An added code as the vocabulary.yml code a set annotated from vocabulary.yml scores it as."""
    return lambda e: replace(e, value=lexicon.scored_as[e.value]) \
        if e.entity == "symptom" and e.value in lexicon.scored_as else e


def _read_as(gold: Annotation, found: list[Entity]) -> str:
    """What the interpreter made of a gold symptom: its code (prefixed "no " when denied) or "missed"."""
    over = [f for f in found if f.entity == "symptom" and _overlap(gold, f)]
    best = next((f for f in over if f.value == gold.value), over[0] if over else None)
    if best is None:
        return "missed"
    return f"no {best.value}" if best.negated else str(best.value)


def evaluate(interpreter: Interpreter, examples: Sequence[Example],
             keep: Callable[[Entity], bool] | None = None,
             view: Callable[[Entity], Entity] | None = None) -> EvaluationReport:
    """Parse every example and compare with its annotations.

    `keep` filters what the interpreter found before scoring: a set annotated with vocabulary.yml's
    codes only is scored without the codes the project added (which its gold cannot contain)."""
    labels = sorted({e.intent for e in examples})
    predictions = []
    entity_counts: dict[str, list[int]] = {}  # type -> [tp, fp, fn]
    value_hits: dict[str, list[int]] = {}  # type -> [right value, gold count]
    errors: list[dict[str, Any]] = []
    symptom_counts: dict[str, list[int]] = {}
    red_confusion: dict[str, dict[str, int]] = {}
    for example in examples:
        result = interpreter.parse(example.text)
        found = [e if view is None else view(e) for e in result.entities if keep is None or keep(e)]
        predicted = result.intent.name
        predictions.append(predicted)
        if predicted not in labels:
            labels.append(predicted)
        if predicted != example.intent:
            errors.append({"kind": "intent", "text": example.text, "expected": example.intent,
                           "predicted": predicted, "confidence": round(result.intent.confidence, 4)})
        unmatched = list(found)
        missed = []
        for gold in example.entities:
            counts = entity_counts.setdefault(gold.entity, [0, 0, 0])
            hit = next((f for f in unmatched if _matches(gold, f)), None)
            code_counts = symptom_counts.setdefault(str(gold.value), [0, 0, 0]) if gold.entity == "symptom" else None
            if hit is None:
                counts[2] += 1
                missed.append(asdict(gold))
            else:
                counts[0] += 1
                unmatched.remove(hit)
            if code_counts is not None:
                code_counts[0 if hit is not None else 2] += 1
                if gold.value in RED_FLAGS:
                    read = _read_as(gold, found) if hit is None else str(gold.value) if not gold.negated \
                        else f"no {gold.value}"
                    key = f"no {gold.value}" if gold.negated else str(gold.value)
                    red_confusion.setdefault(key, {}).setdefault(read, 0)
                    red_confusion[key][read] += 1
            if gold.entity in NUMERIC:
                seen = value_hits.setdefault(gold.entity, [0, 0])
                seen[1] += 1
                seen[0] += any(f.entity == gold.entity and _overlap(gold, f) and _same_value(gold.value, f.value)
                               for f in found)
        for extra in unmatched:
            entity_counts.setdefault(extra.entity, [0, 0, 0])[1] += 1
            if extra.entity == "symptom":
                symptom_counts.setdefault(str(extra.value), [0, 0, 0])[1] += 1
        if missed or unmatched:
            errors.append({"kind": "entities", "text": example.text, "missing": missed,
                           "unexpected": [e.to_dict() for e in unmatched]})

    index = {label: i for i, label in enumerate(labels)}
    confusion = [[0] * len(labels) for _ in labels]
    for example, predicted in zip(examples, predictions):
        confusion[index[example.intent]][index[predicted]] += 1
    intents = {}
    for label, i in index.items():
        tp = confusion[i][i]
        fp = sum(row[i] for row in confusion) - tp
        fn = sum(confusion[i]) - tp
        intents[label] = Scores.of(tp, fp, fn)
    gold_labels = [label for label in labels if intents[label].support]
    correct = sum(confusion[i][i] for i in range(len(labels)))
    return EvaluationReport(
        examples=len(examples),
        intent_accuracy=round(correct / len(examples), 4) if examples else 0.0,
        intent_macro_f1=round(sum(intents[label].f1 for label in gold_labels) / len(gold_labels), 4)
        if gold_labels else 0.0,
        intents=intents,
        entities={t: Scores.of(*c) for t, c in sorted(entity_counts.items())},
        value_accuracy={t: round(h / n, 4) for t, (h, n) in sorted(value_hits.items())},
        labels=labels,
        confusion=confusion,
        errors=errors,
        symptoms={c: Scores.of(*n) for c, n in sorted(symptom_counts.items())},
        red_flag_recall=_recall(red_confusion),
        red_flag_confusion={k: dict(sorted(v.items(), key=lambda kv: -kv[1])) for k, v in sorted(red_confusion.items())},
        values_exact=round(sum(h for h, _ in value_hits.values()) / max(1, sum(n for _, n in value_hits.values())), 4),
    )


def _recall(confusion: dict[str, dict[str, int]]) -> float:
    total = sum(sum(row.values()) for row in confusion.values())
    right = sum(row.get(code, 0) for code, row in confusion.items())
    return round(right / total, 4) if total else 0.0


def write_reports(report: EvaluationReport, out_dir: Path) -> list[Path]:
    """intent_report.json, entity_report.json, confusion_matrix.{json,png}, errors.json, summary.json."""
    import matplotlib

    matplotlib.use("Agg")  # no display on servers; must precede pyplot
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "summary.json": report.summary(),
        "intent_report.json": {k: asdict(v) for k, v in report.intents.items()}
        | {"accuracy": report.intent_accuracy, "macro_f1": report.intent_macro_f1},
        "entity_report.json": {k: asdict(v) for k, v in report.entities.items()}
        | {"value_accuracy": report.value_accuracy, "values_exact": report.values_exact,
           "symptoms": {k: asdict(v) for k, v in report.symptoms.items()}},
        "red_flags.json": {"recall": report.red_flag_recall, "codes": list(RED_FLAGS),
                           "confusion": report.red_flag_confusion},
        "confusion_matrix.json": {"labels": report.labels, "matrix": report.confusion},
        "errors.json": report.errors,
    }
    written = []
    for name, content in files.items():
        path = out_dir / name
        path.write_text(json.dumps(content, ensure_ascii=False, indent=2), encoding="utf-8")
        written.append(path)

    size = max(6.0, 0.38 * len(report.labels))
    fig, ax = plt.subplots(figsize=(size + 2, size))
    ax.imshow(report.confusion, cmap="Blues")
    ax.set_xticks(range(len(report.labels)), report.labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(report.labels)), report.labels, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("expected")
    for i, row in enumerate(report.confusion):
        for j, count in enumerate(row):
            if count:
                ax.text(j, i, str(count), ha="center", va="center", fontsize=6,
                        color="white" if i == j else "black")
    ax.set_title(f"intent accuracy {report.intent_accuracy:.3f}, macro-F1 {report.intent_macro_f1:.3f}")
    fig.tight_layout()
    png = out_dir / "confusion_matrix.png"
    fig.savefig(png, dpi=120)
    plt.close(fig)
    written.append(png)
    return written
