"""A plugin only one engine test loads: its start hook fails, as a refused bot token would."""
from bot.plugins import Plugin


async def refuse(runtime) -> None:
    raise ConnectionRefusedError("the service refused us")


plugin = Plugin(name="failing", on_start=[refuse])
