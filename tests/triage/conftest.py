"""Fixtures for the triage tests: the real rule file, checked against the real slots, lexicon and responses."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.config import PROJECT_ROOT, load_config
from bot.flow_loader import SlotSpec, load_flows
from bot.responses import Responses
from bot.runtime import Runtime
from nlu.lexicon import load_lexicon
from tests.conftest import write_config
from tests.services import redis_prefix

from actions.triage.announce import ADVICE_PREFIX
from actions.triage.ruleset import Ruleset, load_ruleset

FLOWS = PROJECT_ROOT / "flows"
SLOT_FILES = ("slots.yml", "triage_slots.yml")


def embedded_runtime(tmp: Path, **config: Any) -> Runtime:
    """An embedded SQLite runtime (not started) with the project's config.yml plus `config`.

    For tests that need a runtime for a whole module, or one that is expected not to start.
    """
    path = write_config(tmp / "config.yml", redis={"prefix": redis_prefix()}, **config)
    env = {"DATABASE_URL": f"sqlite:///{tmp}/wenzhen.db", "WENZHEN_DATA_DIR": str(tmp / "data"),
           "WENZHEN_SECRET_KEY": "test-secret-key-" + "x" * 32}
    return Runtime(load_config(path, env=env))


def declared_slots(tmp: Path) -> dict[str, SlotSpec]:
    """The slots of flows/slots.yml and flows/triage_slots.yml, parsed by the engine's own loader."""
    for name in SLOT_FILES:
        shutil.copy(FLOWS / name, tmp / name)
    return load_flows(tmp, actions=(), responses=()).slots


@pytest.fixture(scope="session")
def slots(tmp_path_factory: pytest.TempPathFactory) -> dict[str, SlotSpec]:
    return declared_slots(tmp_path_factory.mktemp("slots"))


@pytest.fixture(scope="session")
def map_keys() -> dict[str, set[str]]:
    lexicon = load_lexicon()
    return {
        "symptoms": set(lexicon.terms("symptom").values()),
        "conditions": set(lexicon.terms("condition").values()),
    }


@pytest.fixture(scope="session")
def advice() -> set[str]:
    keys = Responses.load([FLOWS / "responses"]).keys
    return {k.removeprefix(ADVICE_PREFIX) for k in keys if k.startswith(ADVICE_PREFIX)}


@pytest.fixture(scope="session")
def ruleset(slots: dict[str, SlotSpec], map_keys: dict[str, set[str]], advice: set[str]) -> Ruleset:
    return load_ruleset(slots, map_keys=map_keys, advice=advice)


def symptoms(*present: str, **known: bool) -> dict[str, Any]:
    """`symptoms("fever", cough=False)` → the map slot with fever present and cough denied."""
    return {"symptoms": {**{code: True for code in present}, **known}}
