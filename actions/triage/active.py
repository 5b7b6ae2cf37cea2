"""The rule set a runtime uses: loaded once, checked against that runtime's slots, responses and lexicon."""
from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from nlu.lexicon import load_lexicon

from actions.triage.announce import ADVICE_PREFIX
from actions.triage.ruleset import DEFAULT_RULES_PATH, Ruleset, load_ruleset

if TYPE_CHECKING:
    from bot.runtime import Runtime

# One check per runtime (its slots, responses and configured rule file), forgotten with it.
_loaded: "weakref.WeakKeyDictionary[Runtime, Ruleset]" = weakref.WeakKeyDictionary()


def ruleset_for(runtime: "Runtime") -> Ruleset:
    """The validated rule set (config `triage.rules`, default actions/triage/rules.yml).

    Raises RulesetError, naming the rule, when the file is wrong.
    """
    ruleset = _loaded.get(runtime)
    if ruleset is None:
        lexicon = load_lexicon()
        ruleset = load_ruleset(
            runtime.flows.slots,
            runtime.config.resolve(runtime.config.get("triage.rules", DEFAULT_RULES_PATH)),
            map_keys={
                "symptoms": set(lexicon.terms("symptom").values()),
                "conditions": set(lexicon.terms("condition").values()),
            },
            advice={k.removeprefix(ADVICE_PREFIX) for k in runtime.responses.keys if k.startswith(ADVICE_PREFIX)},
        )
        _loaded[runtime] = ruleset
    return ruleset
