"""The patient's say over health-education broadcasts: 退订 stops them, the 重新订阅 button brings them back.

退订 (intent `unsubscribe`) is honoured by an interceptor, so it holds whichever flow answers the
intent (the follow-up flow also stops its check-ins on it): the opt-out is recorded and confirmed,
and the dialogue goes on.
"""
from __future__ import annotations

from bot.action_api import ActionContext, action, interceptor
from bot.broadcasts.opt_outs import opt_in, opt_out

# After the safety screen (10) and the live-session relay (20); before the free-question answer (60).
OPT_OUT_PRIORITY = 50


@interceptor("broadcast_opt_out", OPT_OUT_PRIORITY)
async def broadcast_opt_out(ctx: ActionContext) -> bool:
    if ctx.parse is None or ctx.parse.intent.name != "unsubscribe":
        return False
    # In the turn's transaction: the opt-out is stored with the 退订 that asked for it. If a later
    # step of the turn fails, the turn keeps the message and apologises, and 退订 is asked again.
    await opt_out(await ctx.transaction(), ctx.channel, ctx.sender, source="patient_message")
    ctx.emit("broadcast_opt_out", {}, actor="patient")
    ctx.utter("utter_broadcast_unsubscribed")
    return False


@action("broadcast_opt_in")
async def broadcast_opt_in(ctx: ActionContext) -> None:
    await opt_in(await ctx.transaction(), ctx.channel, ctx.sender)
    ctx.emit("broadcast_opt_in", {}, actor="patient")
    ctx.utter("utter_broadcast_subscribed")
