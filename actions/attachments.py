"""A picture sent outside a live session is acknowledged, never answered with "I did not understand".

Patients send photos of an antigen test, a report or a rash on every channel (the web chat's 图片
button, WeChat, Telegram). The channel stores the file and the doctor sees it in the intake panel;
the dialogue has nothing to read in it. So the bot says it was received and kept for the doctor,
then puts the pending question again — or, with none pending, offers the doctor and the menu.
In a live session the relay (priority 20) has already handed the picture to the doctor.
"""
from __future__ import annotations

from bot.action_api import ActionContext, interceptor
from bot.flow_loader import FlowSet
from bot.session_facts import in_live_session

PRIORITY = 30  # after the safety screen (10) and the live-session relay (20)


@interceptor("image_received", priority=PRIORITY)
async def image_received(ctx: ActionContext, flows: FlowSet) -> bool:
    message = ctx.message
    if message is None or (message.text or "").strip() or message.payload is not None:
        return False
    if not any(a.kind == "image" for a in message.attachments) or in_live_session(ctx.state):
        return False
    stack = ctx.state.stack
    frame = stack[-1] if stack else None
    if frame is not None and frame.waiting_for:
        flow = flows.flows.get(frame.flow)
        step = flow.steps[frame.step] if flow is not None and 0 <= frame.step < len(flow.steps) else None
        if step is not None and step.ask:
            ctx.utter("utter_image_received_go_on")
            ctx.utter(step.ask)
            return True
    ctx.utter("utter_image_received")
    return True
