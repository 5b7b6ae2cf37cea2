"""NLU benchmark: training time, model size, parse latency (p50/p95/p99) and process memory;
with --compare, the intent models side by side on the test file and the blind set.

Run: .venv/bin/python bench/nlu.py [--model PATH] [--rounds N] [--compare]
Prints numbers only; the targets of issue 11 are parse p99 ≤ 5 ms, training ≤ 30 s, memory ≤ 300 MB.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nlu.classifier import IntentModel  # noqa: E402
from nlu.evaluation import evaluate  # noqa: E402
from nlu.result import Intent, ParseResult  # noqa: E402
from nlu.interpreter import DEFAULT_DATA, DEFAULT_TEST_DATA, MedicalInterpreter, shared_pipeline, train  # noqa: E402
from nlu.training_data import load_examples  # noqa: E402


BLIND = Path(__file__).resolve().parent.parent / "nlu" / "data" / "blind" / "nlu_blind_v1.yml"
# The features the intent model had before issue 11 added the entity reading (question form, red flag …).
_READING = ("form:", "e:red_flag", "e:subject:", "e:amount", "e:symptoms:")


class _Variant:
    """An intent model over a transformation of the pipeline's features; entities stay the pipeline's."""

    def __init__(self, name: str, transform, threshold: float = 0.45) -> None:
        self.name, self.transform, self.threshold = name, transform, threshold
        self.model: IntentModel | None = None

    def fit(self, examples) -> float:
        began = time.perf_counter()
        pipeline = shared_pipeline()
        samples = [self.transform(pipeline.analyse(e.text)) for e in examples]
        self.model = IntentModel.train(samples, [e.intent for e in examples])
        return time.perf_counter() - began

    def parse(self, text: str) -> ParseResult:
        analysis = shared_pipeline().analyse(text)
        ranking = [Intent(n, p) for n, p in self.model.predict(self.transform(analysis))[:10]]
        best = ranking[0] if ranking[0].confidence >= self.threshold else Intent("out_of_scope", ranking[0].confidence)
        return ParseResult(text, best, ranking, analysis.entities)


def _char_ngrams(analysis) -> list[str]:
    padded = f"^{analysis.normal.text}$"
    return ["bias"] + [f"c{n}:{padded[i:i + n]}" for n in (1, 2, 3, 4) for i in range(len(padded) - n + 1)]


class _SpacyTextcat:
    """spaCy's own text classifier (bag of words/n-grams over the jieba tokens), trained on the same data."""

    name = "spacy textcat (TextCatBOW, 1–2-grams, 20 epochs, no threshold)"

    def fit(self, examples) -> float:
        import random

        import spacy
        from spacy.training import Example as SpacyExample

        began = time.perf_counter()
        self.nlp = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        textcat = self.nlp.add_pipe("textcat", config={"model": {"@architectures": "spacy.TextCatBOW.v3",
                                                                  "exclusive_classes": True, "ngram_size": 2,
                                                                  "no_output_layer": False}})
        labels = sorted({e.intent for e in examples})
        for label in labels:
            textcat.add_label(label)
        data = [SpacyExample.from_dict(self.nlp.make_doc(e.text), {"cats": {lb: float(lb == e.intent) for lb in labels}})
                for e in examples]
        optimizer = self.nlp.initialize(lambda: data)
        rng = random.Random(0)
        for _ in range(20):
            rng.shuffle(data)
            for start in range(0, len(data), 32):
                self.nlp.update(data[start:start + 32], sgd=optimizer, drop=0.1)
        return time.perf_counter() - began

    def parse(self, text: str) -> ParseResult:
        cats = self.nlp(text).cats
        ranking = [Intent(n, p) for n, p in sorted(cats.items(), key=lambda kv: -kv[1])[:10]]
        # No out_of_scope threshold: its probabilities are spread over 26 labels, and a threshold only hurts it.
        return ParseResult(text, ranking[0], ranking, shared_pipeline().analyse(text).entities)


def compare() -> None:
    """Intent accuracy and macro-F1 of each model, trained on nlu/data, on the test file and the blind set."""
    examples = load_examples([DEFAULT_DATA])
    sets = {"test": load_examples([DEFAULT_TEST_DATA])}
    if BLIND.exists():
        sets["blind-v1"] = load_examples([BLIND])
    variants = [
        _Variant("char 1–4-gram linear (numpy logistic regression)", _char_ngrams),
        _Variant("previous: char 1–3 + words + entity types", lambda a: [f for f in a.features if not f.startswith(_READING)]),
        _Variant("current: previous + entity reading (question form, red flag, whose, amount)", lambda a: a.features),
        _SpacyTextcat(),
    ]
    for variant in variants:
        seconds = variant.fit(examples)
        scores = []
        for name, data in sets.items():
            report = evaluate(variant, data)
            scores.append(f"{name} accuracy {report.intent_accuracy:.4f} macro-F1 {report.intent_macro_f1:.4f}")
        print(f"{variant.name}: trained in {seconds:.1f} s; " + "; ".join(scores))


def calibrate(folds: int = 5) -> None:
    """The out_of_scope threshold by cross-validation on the training data (never on test or blind):
    for each threshold, the accuracy over held-out folds, counting a sub-threshold guess as out_of_scope."""
    examples = load_examples([DEFAULT_DATA])
    pipeline = shared_pipeline()
    features = [pipeline.analyse(e.text).features for e in examples]
    thresholds = [round(0.05 * k, 2) for k in range(2, 15)]
    right = dict.fromkeys(thresholds, 0)
    for fold in range(folds):
        train_idx = [i for i in range(len(examples)) if i % folds != fold]
        model = IntentModel.train([features[i] for i in train_idx], [examples[i].intent for i in train_idx])
        for i in range(fold, len(examples), folds):
            name, p = model.predict(features[i])[0]
            for t in thresholds:
                guess = name if p >= t else "out_of_scope"
                right[t] += guess == examples[i].intent
    for t in thresholds:
        print(f"threshold {t:.2f}: cross-validated accuracy {right[t] / len(examples):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", type=Path, default=None, help="use this model instead of training one")
    parser.add_argument("--rounds", type=int, default=20, help="passes over the message set")
    parser.add_argument("--compare", action="store_true", help="compare intent models instead of benchmarking")
    parser.add_argument("--calibrate", action="store_true", help="cross-validate the out_of_scope threshold")
    args = parser.parse_args()
    if args.compare:
        compare()
        return
    if args.calibrate:
        calibrate()
        return

    began = time.perf_counter()
    shared_pipeline()
    print(f"pipeline load (spaCy zh + jieba + lexicon): {time.perf_counter() - began:.2f} s")
    if args.model is None:
        path = Path(tempfile.mkdtemp()) / "bench.model"
        run = train([DEFAULT_DATA], path)
        print(f"training: {run.examples} examples, {run.intents} intents, {run.seconds:.2f} s wall")
    else:
        path = args.model
    print(f"model file: {path.stat().st_size / 1024:.0f} KiB")
    interpreter = MedicalInterpreter(IntentModel.load(path), threshold=0.45)

    messages = [e.text for e in load_examples([DEFAULT_DATA, DEFAULT_TEST_DATA])]
    messages += ["我妈65岁，发烧三天了，最高39度，没有咳嗽，血氧92", "發燒兩天半了，體溫三十九度二", "😀" * 20]
    for text in messages[:50]:
        interpreter.parse(text)  # warm caches (jieba's, the regexes')
    timings: list[float] = []
    cpu: list[float] = []
    for _ in range(args.rounds):
        for text in messages:
            start, start_cpu = time.perf_counter(), time.thread_time()
            interpreter.parse(text)
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.thread_time() - start_cpu) * 1000)

    def report(name: str, values: list[float]) -> None:
        values = sorted(values)

        def pct(p: float) -> float:
            return values[min(len(values) - 1, int(p / 100 * len(values)))]

        print(f"parse {name} over {len(values)} parses of {len(messages)} messages: "
              f"p50 {pct(50):.3f} ms, p95 {pct(95):.3f} ms, p99 {pct(99):.3f} ms, "
              f"max {values[-1]:.3f} ms, mean {statistics.fmean(values):.3f} ms")

    report("latency (wall clock)", timings)
    # CPU time of the parsing thread: what the parse costs when the machine is not shared.
    report("CPU time", cpu)
    print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    long_text = "我发烧三天了，" * 1400
    start = time.perf_counter()
    interpreter.parse(long_text)
    print(f"one {len(long_text)}-character message: {(time.perf_counter() - start) * 1000:.1f} ms")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak memory (max RSS, includes training when it ran here): {peak:.0f} MB")


if __name__ == "__main__":
    main()
