"""The interpreter the engine talks to: `parse(text)` → `ParseResult`, and how it is trained and loaded."""
from __future__ import annotations

import gc
import hashlib
import logging
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Protocol

from nlu.classifier import IntentModel, TrainingSettings
from nlu.pipeline import Pipeline
from nlu.result import Intent, ParseResult
from nlu.training_data import Example, load_examples

log = logging.getLogger(__name__)

NLU_DIR = Path(__file__).parent
DEFAULT_DATA = NLU_DIR / "data"
DEFAULT_TEST_DATA = NLU_DIR / "data" / "test" / "nlu_test.yml"
DEFAULT_MODEL = NLU_DIR / "models" / "wenzhen.model"
OUT_OF_SCOPE = "out_of_scope"
RANKING_SIZE = 10


class Interpreter(Protocol):
    """Anything that reads a message: `parse(text)` never raises, whatever the text."""

    def parse(self, text: str) -> ParseResult: ...


@lru_cache(maxsize=1)
def shared_pipeline() -> Pipeline:
    """One pipeline per process: jieba's dictionary is global, and building it takes a second."""
    pipeline = Pipeline()
    # jieba's and spaCy's tables are hundreds of thousands of objects that live as long as the
    # process; moving them out of the collector's sight keeps full collections (tens of ms,
    # the parse latency's long tail) from walking them again and again.
    gc.freeze()
    return pipeline


class MedicalInterpreter:
    """The trained intent classifier plus the rule-based entity extractors."""

    def __init__(self, model: IntentModel, threshold: float, pipeline: Pipeline | None = None) -> None:
        self.model = model
        self.threshold = float(threshold)
        self.pipeline = pipeline or shared_pipeline()

    def parse(self, text: str) -> ParseResult:
        """Intent and entities of one message; a failure inside becomes out_of_scope, never an exception."""
        text = text if isinstance(text, str) else ""
        try:
            return self._parse(text)
        except Exception:  # the engine must always get an answer; the failure is logged for us
            log.exception("NLU failed on a message of %d characters", len(text))
            return ParseResult(text=text, intent=Intent(OUT_OF_SCOPE, 0.0))

    def _parse(self, text: str) -> ParseResult:
        analysis = self.pipeline.analyse(text)
        if not analysis.entities and not any(c.isalnum() for c in analysis.normal.text):
            # Nothing to read (empty, emoji, punctuation only): not worth asking the classifier.
            return ParseResult(text=text, intent=Intent(OUT_OF_SCOPE, 1.0), intent_ranking=[Intent(OUT_OF_SCOPE, 1.0)])
        ranking = [Intent(name, p) for name, p in self.model.predict(analysis.features)[:RANKING_SIZE]]
        best = ranking[0]
        if best.confidence < self.threshold and best.name != OUT_OF_SCOPE:
            best = Intent(OUT_OF_SCOPE, best.confidence)
        return ParseResult(text=text, intent=best, intent_ranking=ranking, entities=analysis.entities)


@dataclass(frozen=True)
class TrainingRun:
    """What `train` did."""

    model: IntentModel
    examples: int
    intents: int
    seconds: float


def train(data: Iterable[Path] = (DEFAULT_DATA,), model_path: Path | None = DEFAULT_MODEL,
          settings: TrainingSettings = TrainingSettings()) -> TrainingRun:
    """Train the intent classifier from Rasa nlu.yml files and save it (deterministic: no randomness)."""
    began = time.perf_counter()
    data = [Path(p) for p in data]
    examples = load_examples(data)
    if not examples:
        raise ValueError("no training examples found")
    pipeline = shared_pipeline()
    samples = [pipeline.analyse(e.text).features for e in examples]
    meta = {"examples": len(examples), "data_sha256": _digest(examples), "default_data": data == [DEFAULT_DATA]}
    model = IntentModel.train(samples, [e.intent for e in examples], settings, meta=meta)
    if model_path is not None:
        model.save(model_path)
    return TrainingRun(model, len(examples), len(model.labels), time.perf_counter() - began)


def load_interpreter(model_path: Path | None = None, threshold: float = 0.45) -> MedicalInterpreter:
    """The interpreter for the engine; trains the model from nlu/data first when the file is missing or stale."""
    path = Path(model_path) if model_path is not None else DEFAULT_MODEL
    try:
        model = _current_model(path)
    except ValueError as exc:
        if path.exists():
            log.warning("retraining the NLU model: %s", exc)
        else:
            log.info("no NLU model at %s: training it from %s", path, DEFAULT_DATA)
        model = train(model_path=path).model
    return MedicalInterpreter(model, threshold)


def _current_model(path: Path) -> IntentModel:
    """The model at `path` if it is usable and up to date; ValueError otherwise."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise ValueError(f"{path}: {exc.strerror}") from exc
    return _checked_model(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _checked_model(path: Path, mtime_ns: int, size: int) -> IntentModel:
    # Keyed by the file's mtime and size: every runtime a process starts shares one loaded model
    # (the model is read-only), and a retrained file is read again.
    model = IntentModel.load(path)
    if model.meta.get("default_data") and model.meta.get("data_sha256") != _shipped_data_digest():
        # Trained from an older nlu/data: the shipped data changed (an update), so the model must too.
        raise ValueError(f"{path} was trained from an older nlu/data")
    return model


@lru_cache(maxsize=1)
def _shipped_data_digest() -> str:
    return _digest(load_examples([DEFAULT_DATA]))


def _digest(examples: list[Example]) -> str:
    return hashlib.sha256("\n".join(f"{e.intent}\t{e.text}" for e in examples).encode()).hexdigest()[:16]
