"""The `triage` action that flows call once the intake has asked its questions."""
from __future__ import annotations

from bot.action_api import ActionContext, action
from bot.consultations import Consultations

from actions.triage.announce import announce
from actions.triage.decision import decide
from actions.triage.ruleset import Ruleset


@action("triage")
async def triage(ctx: ActionContext, ruleset: Ruleset, consultations: Consultations) -> None:
    """Decide over the conversation's slots and announce it; flows branch on slot `triage_level`.

    An emergency is announced here as the safety screen would (120 first); the calling flow
    ends itself on `triage_level == 'emergency'`.
    """
    announce(ctx, decide(ruleset, ctx.slots), consultations)
