"""The guidance actions flows call: the full home-care guidance, or only the red flags to watch."""
from __future__ import annotations

from bot.action_api import ActionContext, action
from bot.messages import BotMessage

from actions.guidance.content import default_content
from actions.guidance.selection import select

RED_FLAGS_GROUP = "red_flags"


async def _send_guidance(ctx: ActionContext, only_group: str | None) -> None:
    content = default_content()
    language = ctx.state.language
    guidance = select(content, ctx.slots, language)
    if only_group is not None:
        guidance = guidance.only(only_group)
    for text in guidance.messages(content, language):
        ctx.send(BotMessage(text=text))
    ctx.emit("guidance", {"version": content.version, "entries": guidance.entry_ids})
    # The last message carries the way to a person and to 120.
    ctx.utter("utter_guidance_reach")


@action("home_care_guidance")
async def home_care_guidance(ctx: ActionContext) -> None:
    """Medicines, care, isolation, monitoring and the red flags, for the symptoms found."""
    await _send_guidance(ctx, None)


@action("red_flag_reminder")
async def red_flag_reminder(ctx: ActionContext) -> None:
    """Only the red flags that mean "go to hospital now", for this patient (child, pregnancy …)."""
    await _send_guidance(ctx, RED_FLAGS_GROUP)
