"""A plugin whose action asks for a service nobody provides: the runtime must refuse to start."""
from bot.action_api import ActionContext, action


class Pharmacy:
    """A service no plugin provides."""


@action("needs_a_pharmacy_for_test")
async def needs_a_pharmacy_for_test(ctx: ActionContext, pharmacy: Pharmacy) -> None:
    ctx.utter("utter_t_done")
