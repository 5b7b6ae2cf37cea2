"""Triage: the rule set (`rules.yml`), the decision, the `triage` action and the safety screen.

Importing this plugin registers the action and the interceptor; starting it loads and checks the
rule set, so a broken rule stops the server at start rather than mis-triaging a patient later.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.plugins import Plugin

from actions.triage import action, screen  # noqa: F401  (registration)
from actions.triage.active import build_ruleset, ruleset_for
from actions.triage.asking import question_filter
from actions.triage.cli import triage_group
from actions.triage.decision import Decision, decide
from actions.triage.ruleset import LEVELS, Rule, Ruleset, RulesetError, load_ruleset

if TYPE_CHECKING:
    from bot.runtime import Runtime

async def _filter_questions(runtime: "Runtime") -> None:
    """Questions that cannot change the decision are not asked (actions/triage/asking.py)."""
    runtime.engine.runner.ask_filter = question_filter(ruleset_for(runtime), runtime.flows)


plugin = Plugin(name="triage", commands=[triage_group], services=[build_ruleset], on_start=[_filter_questions])

__all__ = ["LEVELS", "Decision", "Rule", "Ruleset", "RulesetError", "decide", "load_ruleset", "plugin", "ruleset_for"]
