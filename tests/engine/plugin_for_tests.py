"""A plugin only the engine tests load: an action that always fails, to test rollback."""
from bot.action_api import ActionContext, action


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
