"""The `broadcasts:` section of config.yml."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.broadcasts.model import DeliveryMethod
from bot.config import Config, ConfigError
from bot.expressions import Expression, ExpressionError, compile_expression

if TYPE_CHECKING:
    from bot.runtime import Runtime


@dataclass
class Settings:
    """The `broadcasts:` section of config.yml."""

    audiences: dict[str, Expression]
    batch_size: int = 1000
    rate_limits: dict[str, float] = field(default_factory=dict)  # method -> calls per second
    retry_delays: tuple[float, ...] = (1.0, 5.0, 15.0)  # in-job retries of a transient failure
    monthly_limits: dict[str, int] = field(default_factory=dict)  # method -> per recipient per month

    def monthly_limit(self, method: "DeliveryMethod") -> int | None:
        return self.monthly_limits.get(method.name, method.monthly_limit)

    @classmethod
    def of(cls, runtime: "Runtime") -> "Settings":
        return runtime.services.get(Settings)

    @classmethod
    def from_config(cls, config: Config) -> "Settings":
        """Read once at start: the service factory the runtime registers."""
        section = config.section("broadcasts")
        audiences: dict[str, Expression] = {}
        for name, source in (section.get("audiences") or {}).items():
            try:
                audiences[str(name)] = compile_expression(str(source))
            except ExpressionError as exc:
                raise ConfigError(f"broadcasts.audiences.{name}: {exc}") from exc
        return cls(
            audiences=audiences,
            batch_size=max(1, int(section.get("batch_size", 1000))),
            rate_limits={str(k): float(v) for k, v in (section.get("rate_limits") or {}).items()},
            retry_delays=tuple(float(d) for d in section.get("retry_delays", (1.0, 5.0, 15.0))),
            monthly_limits={str(k): int(v) for k, v in (section.get("monthly_limits") or {}).items()},
        )
