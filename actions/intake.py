"""Small actions of the intake flows that are not guidance, scoring or follow-up."""
from __future__ import annotations

from bot.action_api import ActionContext, action


@action("end_intake")
async def end_intake(ctx: ActionContext) -> None:
    """An emergency was announced: end every running flow, so that no question follows."""
    ctx.end_flows("emergency")
