"""Telling the patient a triage decision: the one `custom.triage` message and the `triage` event."""
from __future__ import annotations

from bot.actions import ActionContext
from bot.messages import BotMessage

from actions.triage.decision import Decision


def send_decision(ctx: ActionContext, decision: Decision) -> None:
    """Set `triage_level`, send exactly one message carrying custom.triage, record the decision."""
    language = ctx.state.language
    reasons = decision.reasons(language) or [ctx.text("triage_no_reason")]
    ctx.set_slot("triage_level", decision.level)
    # Rendered through the response (for its text and, for emergencies, the 120 button), then
    # given the decision as its custom object.
    key = "triage_decision_emergency" if decision.level == "emergency" else "triage_decision"
    template = ctx.runtime.responses.render(
        key, ctx.state, {"level_name": ctx.text(f"triage_level_{decision.level}"), "reasons": "\n".join(reasons)}
    )[0]
    contract = {**decision.to_contract(language), "reasons": reasons}
    ctx.send(BotMessage(text=template.text, buttons=template.buttons, custom={"triage": contract}))
    ctx.emit("triage", {**decision.to_event(language), "reasons": reasons})
