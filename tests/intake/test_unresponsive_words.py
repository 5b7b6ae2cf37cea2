""""叫他也不怎么应" is an elder who barely responds: altered consciousness, an emergency at once (a newcomer's
trial met it asked about fever first); a child who still answers is not (actions/intake_facts.yml)."""
from __future__ import annotations

import pytest

from actions.intake_facts import read_facts


@pytest.mark.parametrize("said", ["老人阳了以后一直昏睡，叫他也不怎么应", "今天一直睡，喊她也不太应", "叫他半天不吭声"])
def test_barely_responding_reads_as_altered_consciousness(said: str) -> None:
    assert read_facts(said).get("symptoms.confusion") is True


@pytest.mark.parametrize("said", ["孩子发烧，有点没精神，叫他还应", "叫他吃饭他说不想吃"])
def test_answering_when_called_is_not(said: str) -> None:
    assert read_facts(said).get("symptoms.confusion") is not True
