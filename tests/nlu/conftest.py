"""One interpreter trained from the shipped data for the whole NLU test session."""
from __future__ import annotations

from pathlib import Path

import pytest

from nlu.interpreter import MedicalInterpreter, train


@pytest.fixture(scope="session")
def model_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("nlu") / "wenzhen.model"
    train(model_path=path)
    return path


@pytest.fixture(scope="session")
def interpreter(model_file: Path) -> MedicalInterpreter:
    from nlu.classifier import IntentModel

    return MedicalInterpreter(IntentModel.load(model_file), threshold=0.45)
