"""`wenzhen triage …`: check the rule file after an edit, and see what the rules decide for given facts."""
from __future__ import annotations

import json
from typing import Any

import click

from bot.cli import config_from, fail
from bot.state import put_slot

from actions.triage.active import ruleset_for
from actions.triage.decision import decide
from actions.triage.ruleset import LEVELS, Ruleset, RulesetError


@click.group(name="triage")
def triage_group() -> None:
    """Triage rules (actions/triage/rules.yml)."""


@triage_group.command("check")
@click.pass_context
def check(ctx: click.Context) -> None:
    """Load and validate the rules against this configuration's slots, lexicon and responses."""
    ruleset = _ruleset(ctx)
    counts = {level: sum(r.level == level for r in ruleset.rules) for level in LEVELS}
    click.echo(f"rules.yml {ruleset.version}: " + ", ".join(f"{n} {level}" for level, n in counts.items() if n)
               + f", {len(ruleset.modifiers)} modifiers — valid")


@triage_group.command("decide")
@click.argument("facts")
@click.pass_context
def decide_command(ctx: click.Context, facts: str) -> None:
    """Decide for FACTS, a JSON object of slots (dotted names for map keys), e.g. '{"spo2": 92}'."""
    try:
        given = json.loads(facts)
    except json.JSONDecodeError as exc:
        fail(f"FACTS is not JSON: {exc.msg}")
    if not isinstance(given, dict):
        fail("FACTS must be a JSON object of slot names and values")
    slots: dict[str, Any] = {}
    for name, value in given.items():
        put_slot(slots, name, value)
    decision = decide(_ruleset(ctx), slots)
    click.echo(json.dumps(decision.to_event(), ensure_ascii=False, indent=2))


def _ruleset(ctx: click.Context) -> Ruleset:
    from bot.runtime import Runtime  # the runtime wires flows, responses and the lexicon the rules are checked against

    try:
        return ruleset_for(Runtime(config_from(ctx)))
    except RulesetError as exc:
        fail(str(exc))
        raise  # unreachable
