"""The doctor console: pages under /console, its JSON API and live stream under /api/console, and the
`wenzhen staff` / `wenzhen roster` commands."""
from bot.plugins import Plugin
from integrations.console.admin import console_admin_api
from integrations.console.api import console_api
from integrations.console.audit_trail import ConsoleAuditMiddleware
from integrations.console.cli import roster, staff
from integrations.console.pages import console_pages
from integrations.console.stream import console_stream

plugin = Plugin(
    name="console",
    routers=[console_api, console_admin_api, console_stream, console_pages],
    commands=[staff, roster],
    middleware=[ConsoleAuditMiddleware],
)
