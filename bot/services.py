"""The typed service container: every service of one process, built once at start-up, found by its type.

The runtime adds the core services (config, database, cache, locks, pub/sub, jobs, flows, responses,
the NLU, the engine, the field cipher); each plugin names factories (`Plugin(services=[...])`) whose
return annotation is the type they provide and whose parameters are the services they need.
Actions, interceptors and job handlers declare what they use the same way, as annotated parameters
after their first one, and receive exactly that (`Services.bind`): nothing reaches through a
runtime to the database or Redis.
"""
from __future__ import annotations

import functools
import inspect
import typing
from typing import Any, Callable, TypeVar

from bot.config import ConfigError

T = TypeVar("T")
Factory = Callable[..., Any]


class ServiceError(ConfigError):
    """A service nobody provides, provided twice, or needing itself: the deployment cannot start."""


class Services:
    def __init__(self) -> None:
        self._instances: dict[type[Any], Any] = {}
        self._factories: dict[type[Any], Factory] = {}
        self._building: list[type[Any]] = []
        self._private: set[type[Any]] = set()
        self._bindings: list[Callable[[], dict[str, Any]]] = []

    def add(self, kind: type[T], instance: T | None, private: bool = False) -> None:
        """Register a built service. `private`: for edges (routers, channels), never bound into an action."""
        if kind in self._instances or kind in self._factories:
            raise ServiceError(f"{kind.__name__} is provided twice")
        self._instances[kind] = instance
        if private:
            self._private.add(kind)

    def provide(self, factory: Factory) -> None:
        """Register a factory; the type it provides is its return annotation (`X` or `X | None`)."""
        kind = provided_type(factory)
        if kind in self._instances or kind in self._factories:
            raise ServiceError(f"{kind.__name__} is provided twice")
        self._factories[kind] = factory

    def get(self, kind: type[T]) -> T:
        """The service of this type; ServiceError if nobody provides it (or it is off: None)."""
        found = self.find(kind)
        if found is None:
            raise ServiceError(f"no {kind.__name__} service (is its plugin named under plugins:, and on?)")
        return found

    def find(self, kind: type[T]) -> T | None:
        """The service of this type, or None when it is provided as off (a channel without a token)."""
        if kind in self._instances:
            return typing.cast(T, self._instances[kind])
        factory = self._factories.get(kind)
        if factory is None:
            raise ServiceError(f"no {kind.__name__} service (is its plugin named under plugins:?)")
        if kind in self._building:
            chain = " -> ".join(k.__name__ for k in [*self._building, kind])
            raise ServiceError(f"services need each other: {chain}")
        self._building.append(kind)
        try:
            instance = factory(**self._arguments(factory, skip=0))
        finally:
            self._building.pop()
        self._instances[kind] = instance
        return typing.cast(T, instance)

    def build_all(self) -> None:
        """Build every registered service now (start-up), so a broken one fails the start, not a turn."""
        for kind in list(self._factories):
            self.find(kind)
        for resolve in self._bindings:
            resolve()

    def bind(self, func: Callable[..., T], skip: int = 1, edge: bool = False) -> Callable[..., T]:
        """`func` with the services it declares (its annotated parameters after the first `skip`) filled in.

        The services are looked up once, on `build_all` (at start) or on the first call, whichever
        comes first; a parameter without a type, or asking for an edge-only service (the runtime)
        when `func` is not an edge (a job handler is; an action is not), fails here."""
        declared = needs(func, skip)
        for kind in declared.values():
            if kind in self._private and not edge:
                raise ServiceError(f"{func.__module__}.{func.__qualname__}: {kind.__name__} is not for actions")
        if not declared:
            return func
        resolved: dict[str, Any] = {}

        def resolve() -> dict[str, Any]:
            if not resolved:
                resolved.update(self._arguments(func, skip))
            return resolved

        @functools.wraps(func)
        def bound(*args: Any) -> T:
            return func(*args, **resolve())

        self._bindings.append(resolve)
        return bound

    def _arguments(self, func: Callable[..., Any], skip: int) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, kind in needs(func, skip).items():
            # `X | None`: the function works without it (its plugin off, or not loaded at all).
            optional = _is_optional(typing.get_type_hints(func)[name])
            known = kind in self._instances or kind in self._factories
            values[name] = (self.find(kind) if known else None) if optional else self.get(kind)
        return values


def needs(func: Callable[..., Any], skip: int = 1) -> dict[str, type[Any]]:
    """The services a function declares: its annotated parameters after the first `skip`, by name."""
    hints = typing.get_type_hints(func)
    params = list(inspect.signature(func).parameters.values())[skip:]
    found: dict[str, type[Any]] = {}
    for param in params:
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD) or param.default is not param.empty:
            continue
        if param.name not in hints:
            raise ServiceError(f"{func.__qualname__}: parameter {param.name!r} needs a type to be injected")
        found[param.name] = _strip_optional(hints[param.name])
    return found


def provided_type(factory: Factory) -> type[Any]:
    hints = typing.get_type_hints(factory)
    if "return" not in hints:
        raise ServiceError(f"service factory {factory.__qualname__} needs a return annotation")
    return _strip_optional(hints["return"])


def _is_optional(annotation: Any) -> bool:
    return type(None) in typing.get_args(annotation)


def _strip_optional(annotation: Any) -> type[Any]:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if _is_optional(annotation) and len(args) == 1:
        return typing.cast(type[Any], args[0])
    return typing.cast(type[Any], annotation)
