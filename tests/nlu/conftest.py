"""One interpreter trained from the shipped data for the whole NLU test session."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from nlu.interpreter import MedicalInterpreter, train


@pytest.fixture(scope="session")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The model trained from the checkout's nlu/data and lexicon, once per test run.

    Under pytest-xdist (`make test`) the workers share their run's temporary folder (the parent of
    each worker's own): the first to get here trains, the others wait on the lock and read its file.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder = root / "nlu-session"
    folder.mkdir(exist_ok=True)
    path = folder / "wenzhen.model"
    with (folder / "train.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            train(model_path=path)
    return path


@pytest.fixture(scope="session")
def interpreter(model_file: Path) -> MedicalInterpreter:
    from nlu.classifier import IntentModel

    return MedicalInterpreter(IntentModel.load(model_file), threshold=0.45)
