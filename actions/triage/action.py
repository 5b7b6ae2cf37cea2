"""The `triage` action that flows call once the intake has asked its questions."""
from __future__ import annotations

from bot.actions import ActionContext, action

from actions.triage.active import ruleset_for
from actions.triage.announce import send_decision
from actions.triage.decision import decide


@action("triage")
async def triage(ctx: ActionContext) -> None:
    """Decide over the conversation's slots and announce it; flows branch on slot `triage_level`."""
    send_decision(ctx, decide(ruleset_for(ctx.runtime), ctx.slots))
