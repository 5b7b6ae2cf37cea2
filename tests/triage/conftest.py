"""Fixtures for the triage tests: the real rule file, checked against the real slots, lexicon and responses."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from bot.config import PROJECT_ROOT
from bot.flows import SlotSpec, load_flows
from bot.responses import Responses
from nlu.lexicon import load_lexicon

from actions.triage.announce import ADVICE_PREFIX
from actions.triage.ruleset import Ruleset, load_ruleset

FLOWS = PROJECT_ROOT / "flows"
SLOT_FILES = ("slots.yml", "triage_slots.yml")


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
