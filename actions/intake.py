"""Small actions of the intake flows that are not guidance, scoring or follow-up."""
from __future__ import annotations

from bot.action_api import ActionContext, action, interceptor
from bot.flow_loader import UNKNOWN

from actions.intake_facts import read_facts


@action("end_intake")
async def end_intake(ctx: ActionContext) -> None:
    """An emergency was announced: end every running flow, so that no question follows."""
    ctx.end_flows("emergency")


@interceptor("intake_facts", priority=5)
async def intake_facts(ctx: ActionContext) -> bool:
    """Fill what a typed message says that the NLU did not read (actions/intake_facts.yml).

    Runs before the safety screen (priority 10), so an overdose by count or a fever after a trip
    to a malaria area is screened at once. It only adds: a known fact stays, except a symptom
    turning from denied to present. It never handles the message itself.
    """
    message = ctx.message
    if message is None or not message.text or message.payload is not None or message.text.startswith("/"):
        return False
    for slot, value in read_facts(message.text).items():
        previous = ctx.slot(slot)
        if previous is None or previous == UNKNOWN or (previous is False and value is True):
            ctx.note_fact(slot, value)
    return False
