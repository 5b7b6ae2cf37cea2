"""A plugin only the engine tests load: an action that always fails, to test rollback; one that writes."""
from bot.action_api import ActionContext, action
from bot.broadcasts.opt_outs import opt_out
from bot.crypto import FieldCipher


@action("crash_for_test")
async def crash_for_test(ctx: ActionContext) -> None:
    ctx.utter("utter_t_sub")
    raise RuntimeError("the action failed")


NOTIFIED: list[str] = []


@action("notify_for_test")
async def notify_for_test(ctx: ActionContext) -> None:
    async def tell() -> None:
        NOTIFIED.append(ctx.conversation_id)

    ctx.after_commit(tell)


@action("record_for_test")
async def record_for_test(ctx: ActionContext, cipher: FieldCipher) -> None:
    """Writes a row in the turn's transaction (any table will do: an opt-out); declares a service."""
    assert isinstance(cipher, FieldCipher)
    await opt_out(await ctx.transaction(), ctx.channel, ctx.sender, source="test")
