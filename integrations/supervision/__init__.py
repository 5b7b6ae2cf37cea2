"""Supervision: the regulator's export and the audit trail, from the console's admin API and the shell
(`wenzhen export …`, `wenzhen audit …`, `wenzhen retention …`). See docs/supervision.md."""
from bot.plugins import Plugin
from integrations.supervision.audit_routes import audit_routes
from integrations.supervision.cli import (
                audit_commands,
                export_commands,
                retention_commands,
)
from integrations.supervision.export_routes import export_routes
from integrations.supervision.schedule import schedule_sweep

plugin = Plugin(name="supervision", routers=[export_routes, audit_routes],
                commands=[export_commands, audit_commands, retention_commands], on_start=[schedule_sweep])
