"""The web channel: Rasa-compatible REST webhook, the tracker, NLU parse (CONTRACTS.md §2, §3), the
messages a REST patient receives later (`messages?after=`, a Server-Sent Events stream) and the
patient web chat at /chat (docs/webchat.md)."""
from bot.plugins import Plugin
from bot.runtime import Runtime
from integrations.web import broadcast as _broadcast  # noqa: F401  (registers the `web` broadcast method)
from integrations.web.chat import chat_router
from integrations.web.cli import rest_commands
from integrations.web.messages import messages_router
from integrations.web.push import RestOutput
from integrations.web.rest import RestFastPath, rest_router


async def _register_output(runtime: Runtime) -> None:
    """Doctors' replies and follow-ups pushed to a REST patient wake the patient's open streams."""
    runtime.register_output("rest", RestOutput(runtime.pubsub))


plugin = Plugin(name="web", routers=[rest_router, messages_router, chat_router], commands=[rest_commands],
                on_start=[_register_output], middleware=[RestFastPath])
