"""A plugin only the lock tests load: a turn that says "请慢一点" stalls for a minute inside the lock.

It marks that it has started (a file named `slow-turn-started` in the working directory), so a
test knows when the worker holds the conversation and may be killed.
"""
import asyncio
from pathlib import Path

from bot.action_api import ActionContext, interceptor


@interceptor("stall_for_lock_tests", priority=1)
async def stall(ctx: ActionContext) -> bool:
    if ctx.message is None or ctx.message.text != "请慢一点":
        return False
    Path("slow-turn-started").touch()
    await asyncio.sleep(60)
    return False
