"""Home monitoring at the edges: the device API (`POST /api/readings`), the doctors' pages, the CLI."""
from bot.plugins import Plugin
from integrations.monitoring.cli import monitoring_commands
from integrations.monitoring.console import monitoring_console
from integrations.monitoring.devices import devices_api

plugin = Plugin(name="monitoring-edges", routers=[devices_api, monitoring_console], commands=[monitoring_commands])
