"""Plugins: the modules named in config.yml that add actions, routes, commands and background work.

The engine never imports a channel; config.yml names the modules, and each may expose
`plugin = Plugin(...)`. Importing a module also runs its `@action` / `@interceptor` registrations.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable

if TYPE_CHECKING:
    from bot.runtime import Runtime

RouterFactory = Callable[["Runtime"], Any]  # returns a fastapi.APIRouter
Hook = Callable[["Runtime"], Awaitable[None]]


@dataclass
class Plugin:
    """What one module contributes beyond its registered actions."""

    name: str
    routers: list[RouterFactory] = field(default_factory=list)
    commands: list[Any] = field(default_factory=list)  # click commands/groups added to `wenzhen`
    on_start: list[Hook] = field(default_factory=list)  # run when a runtime starts (serve, chat)
    on_stop: list[Hook] = field(default_factory=list)
    middleware: list[Any] = field(default_factory=list)  # ASGI middleware classes, built with `runtime=`
    # Factories of the services this plugin provides (bot/services.py): the return annotation is the
    # type, the parameters are the services they need. Built once when the runtime is made.
    services: list[Callable[..., Any]] = field(default_factory=list)


def load_plugins(names: list[str]) -> list[Plugin]:
    """Import every named module; a module that fails to import is a configuration error."""
    from bot.config import ConfigError

    found: list[Plugin] = []
    for name in names:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise ConfigError(f"plugin {name!r} cannot be imported: {exc}") from exc
        plugin = getattr(module, "plugin", None)
        if plugin is not None:
            found.append(plugin)
    return found
