"""A plugin only some engine tests load: an interceptor that answers every message itself."""
from bot.action_api import ActionContext, interceptor


@interceptor("answer_everything_for_test", priority=5)
async def answer_everything(ctx: ActionContext) -> bool:
    ctx.utter("utter_t_sub")
    return True
