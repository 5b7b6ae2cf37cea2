"""Configuration: config.yml (path from --config / WENZHEN_CONFIG) overlaid by the environment."""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(ValueError):
    """The configuration cannot be used; the message says which key and why."""


@dataclass
class Config:
    """The settings every part reads. Plugin-specific sections stay in `raw` (see `section`)."""

    path: Path | None
    raw: dict[str, Any] = field(default_factory=dict)
    database_url: str = ""
    redis_url: str | None = None
    secret_key: str = ""
    plugins: list[str] = field(default_factory=list)
    language: str = "zh"
    data_dir: Path = Path(".wenzhen")

    def section(self, name: str) -> dict[str, Any]:
        value = self.raw.get(name) or {}
        if not isinstance(value, dict):
            raise ConfigError(f"{self.path}: '{name}' must be a mapping")
        return value

    def get(self, dotted: str, default: Any = None) -> Any:
        node: Any = self.raw
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        return node

    def resolve(self, path: str | Path) -> Path:
        """A path from the configuration: relative paths are relative to the project root."""
        p = Path(path)
        return p if p.is_absolute() else PROJECT_ROOT / p

    @property
    def embedded(self) -> bool:
        return self.database_url.startswith("sqlite") and not self.redis_url


def async_database_url(url: str) -> str:
    """Give plain `sqlite://` and `postgresql://` URLs their async drivers."""
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///"):]
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        return "postgresql+asyncpg://" + url[len("postgresql://"):]
    return url


def load_config(path: str | Path | None = None, env: dict[str, str] | None = None) -> Config:
    """Read the configuration file (if any) and the environment."""
    env = dict(os.environ if env is None else env)
    chosen = path or env.get("WENZHEN_CONFIG")
    if chosen is None and Path("config.yml").exists():
        chosen = "config.yml"
    if chosen is None and (PROJECT_ROOT / "config.yml").exists():
        chosen = PROJECT_ROOT / "config.yml"
    raw: dict[str, Any] = {}
    cfg_path = Path(chosen) if chosen else None
    if cfg_path is not None:
        if not cfg_path.exists():
            raise ConfigError(f"configuration file not found: {cfg_path}")
        try:
            raw = yaml.safe_load(cfg_path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{cfg_path}: not valid YAML ({exc.__class__.__name__})") from exc
        if not isinstance(raw, dict):
            raise ConfigError(f"{cfg_path}: the top level must be a mapping")
    if env.get("WENZHEN_REDIS_PREFIX"):  # several deployments (or a benchmark) sharing one Redis
        raw["redis"] = {**(raw.get("redis") or {}), "prefix": env["WENZHEN_REDIS_PREFIX"]}
    data_dir = Path(env.get("WENZHEN_DATA_DIR") or raw.get("data_dir") or ".wenzhen")
    database_url = env.get("DATABASE_URL") or raw.get("database_url") or "sqlite:///wenzhen.db"
    plugins = raw.get("plugins") or []
    if not isinstance(plugins, list) or not all(isinstance(p, str) for p in plugins):
        raise ConfigError(f"{cfg_path}: 'plugins' must be a list of module names")
    language = raw.get("language", "zh")
    if language not in ("zh", "en"):
        raise ConfigError(f"{cfg_path}: 'language' must be zh or en, not {language!r}")
    return Config(
        path=cfg_path,
        raw=raw,
        database_url=async_database_url(database_url),
        redis_url=env.get("REDIS_URL") or raw.get("redis_url") or None,
        secret_key=env.get("WENZHEN_SECRET_KEY") or "",
        plugins=list(plugins),
        language=language,
        data_dir=data_dir,
    )


def ensure_secret_key(config: Config) -> str:
    """The key for sessions and field encryption: from the environment, or (embedded only) a local file."""
    if config.secret_key:
        return config.secret_key
    if not config.embedded:
        raise ConfigError("WENZHEN_SECRET_KEY must be set when DATABASE_URL or REDIS_URL point at shared services")
    key_file = config.data_dir / "secret_key"
    if key_file.exists():
        config.secret_key = key_file.read_text().strip()
    else:
        config.data_dir.mkdir(parents=True, exist_ok=True)
        config.secret_key = secrets.token_urlsafe(48)
        key_file.write_text(config.secret_key)
        key_file.chmod(0o600)
    return config.secret_key
