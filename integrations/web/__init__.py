"""The web channel: Rasa-compatible REST webhook, the tracker, and NLU parse (CONTRACTS.md §2, §3)."""
from bot.plugins import Plugin
from integrations.web.cli import rest_commands
from integrations.web.rest import rest_router

plugin = Plugin(name="web", routers=[rest_router], commands=[rest_commands])
