"""The rule set a runtime uses: a service built once at start, checked against that runtime's slots,
responses and lexicon (a broken rule stops the start rather than mis-triaging a patient later)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.config import Config
from bot.flow_loader import FlowSet
from bot.responses import Responses
from nlu.lexicon import load_lexicon

from actions.triage.announce import ADVICE_PREFIX, BANNER_PREFIX
from actions.triage.ruleset import DEFAULT_RULES_PATH, Ruleset, load_ruleset

if TYPE_CHECKING:
    from bot.runtime import Runtime


def build_ruleset(config: Config, flows: FlowSet, responses: Responses) -> Ruleset:
    """The validated rule set (config `triage.rules`, default actions/triage/rules.yml).

    Raises RulesetError, naming the rule, when the file is wrong.
    """
    lexicon = load_lexicon()
    return load_ruleset(
        flows.slots,
        config.resolve(config.get("triage.rules", DEFAULT_RULES_PATH)),
        map_keys={
            "symptoms": set(lexicon.terms("symptom").values()),
            "conditions": set(lexicon.terms("condition").values()),
        },
        advice={k.removeprefix(ADVICE_PREFIX) for k in responses.keys if k.startswith(ADVICE_PREFIX)},
        banners={k.removeprefix(BANNER_PREFIX) for k in responses.keys if k.startswith(BANNER_PREFIX)},
    )


def ruleset_for(runtime: "Runtime") -> Ruleset:
    """The runtime's rule set (for the edges that hold a runtime: commands, tests)."""
    return runtime.services.get(Ruleset)
