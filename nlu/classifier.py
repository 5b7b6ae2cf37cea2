"""The intent classifier: sparse features → multinomial logistic regression, trained in numpy.

A linear model over character n-grams, jieba words and entity types is small (a few MB), trains
in seconds and answers in microseconds. Training starts from zero weights and uses full-batch
updates, so it has no randomness at all: the same data always gives the same model.
"""
from __future__ import annotations

import io
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

FORMAT_VERSION = 2


@dataclass(frozen=True)
class TrainingSettings:
    """Optimiser settings; the defaults are what `wenzhen nlu train` uses (chosen by 5-fold
    cross-validation on the training data, never on the test file)."""

    epochs: int = 300
    learning_rate: float = 0.2
    l2: float = 1e-6


class IntentModel:
    """Weights over named features; `predict` gives every intent's probability, best first."""

    def __init__(self, labels: Sequence[str], features: Sequence[str], weights: np.ndarray, bias: np.ndarray,
                 meta: dict[str, object] | None = None) -> None:
        self.labels = list(labels)
        self.index = {f: i for i, f in enumerate(features)}
        self.weights = weights.astype(np.float32)
        self.bias = bias.astype(np.float32)
        self.meta = dict(meta or {})

    def predict(self, features: Sequence[str]) -> list[tuple[str, float]]:
        """(intent, probability) for every intent, most probable first."""
        rows = sorted({self.index[f] for f in features if f in self.index})
        scores = self.bias.copy()
        if rows:
            scores += self.weights[rows].sum(axis=0) / np.sqrt(len(rows))
        probs = _softmax(scores[None, :])[0]
        order = np.argsort(-probs, kind="stable")
        return [(self.labels[i], float(probs[i])) for i in order]

    @classmethod
    def train(cls, samples: Sequence[Sequence[str]], labels: Sequence[str],
              settings: TrainingSettings = TrainingSettings(), meta: dict[str, object] | None = None) -> "IntentModel":
        """Fit on feature lists with their intents (Adam, full batch, zero start: deterministic)."""
        classes = sorted(set(labels))
        names = sorted({f for s in samples for f in s})
        index = {f: i for i, f in enumerate(names)}
        cols_per_row = [sorted({index[f] for f in s}) for s in samples]
        counts = np.array([max(len(c), 1) for c in cols_per_row])
        rows = np.repeat(np.arange(len(samples)), [len(c) for c in cols_per_row])
        cols = np.fromiter((c for cs in cols_per_row for c in cs), dtype=np.int64, count=len(rows))
        vals = (1.0 / np.sqrt(counts))[rows].astype(np.float32)
        y = np.zeros((len(samples), len(classes)), dtype=np.float32)
        y[np.arange(len(samples)), [classes.index(label) for label in labels]] = 1.0
        # Every intent counts the same, however many examples it has.
        sample_weight = (1.0 / y.sum(axis=0))[np.argmax(y, axis=1)]
        sample_weight /= sample_weight.sum()

        row_starts = np.concatenate(([0], np.cumsum([len(c) for c in cols_per_row])[:-1]))
        order = np.argsort(cols, kind="stable")
        sorted_cols = cols[order]
        present, first = np.unique(sorted_cols, return_index=True)
        w = np.zeros((len(names), len(classes)), dtype=np.float32)
        b = np.zeros(len(classes), dtype=np.float32)
        adam = _Adam(w.shape, len(classes), settings.learning_rate)
        for _ in range(settings.epochs):
            # Rows are contiguous and never empty (every sample has the bias feature).
            scores = np.add.reduceat(w[cols] * vals[:, None], row_starts, axis=0) + b
            grad_scores = (_softmax(scores) - y) * sample_weight[:, None]
            contrib = (grad_scores[rows] * vals[:, None])[order]
            grad_w = settings.l2 * w
            grad_w[present] += np.add.reduceat(contrib, first, axis=0)
            adam.step(w, b, grad_w, grad_scores.sum(axis=0))
        return cls(classes, names, w, b, meta)

    def save(self, path: Path) -> None:
        """Write the model as one small zip of .npy arrays (fixed timestamps: same model, same bytes)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {
            "weights": self.weights.astype(np.float16),
            "bias": self.bias,
            "features": np.array(list(self.index), dtype=str),
            "labels": np.array(self.labels, dtype=str),
            "meta": np.array(json.dumps({"format": FORMAT_VERSION, **self.meta}, sort_keys=True)),
        }
        # Two processes may train at first start: each writes its own file, the rename is atomic.
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, array in arrays.items():
                buffer = io.BytesIO()
                np.save(buffer, array, allow_pickle=False)
                archive.writestr(zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0)), buffer.getvalue())
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> "IntentModel":
        """Read a saved model; raises ValueError when the file is not a model of this format."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data["meta"]))
                arrays = (list(data["labels"]), list(data["features"]), data["weights"], data["bias"])
        except (OSError, KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
            raise ValueError(f"{path}: not a wenzhen NLU model ({type(exc).__name__})") from exc
        if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path}: model format {meta.get('format') if isinstance(meta, dict) else '?'}, "
                             f"expected {FORMAT_VERSION}")
        return cls(*arrays, meta)


class _Adam:
    def __init__(self, shape: tuple[int, int], classes: int, rate: float) -> None:
        self.rate, self.t = rate, 0
        # float32 halves the memory traffic of every step; the model is stored as float16 anyway.
        self.m_w, self.v_w = np.zeros(shape, np.float32), np.zeros(shape, np.float32)
        self.m_b, self.v_b = np.zeros(classes, np.float32), np.zeros(classes, np.float32)

    def step(self, w: np.ndarray, b: np.ndarray, grad_w: np.ndarray, grad_b: np.ndarray) -> None:
        self.t += 1
        for param, grad, m, v in ((w, grad_w, self.m_w, self.v_w), (b, grad_b, self.m_b, self.v_b)):
            m *= 0.9
            m += 0.1 * grad
            v *= 0.999
            v += 0.001 * grad * grad
            m_hat = m / (1 - 0.9 ** self.t)
            v_hat = v / (1 - 0.999 ** self.t)
            param -= self.rate * m_hat / (np.sqrt(v_hat) + 1e-8)


def _softmax(scores: np.ndarray) -> np.ndarray:
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)
