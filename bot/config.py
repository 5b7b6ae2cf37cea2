"""Configuration: config.yml (path from --config / WENZHEN_CONFIG) overlaid by the environment."""
from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nlu.yaml_files import load_yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The shipped configuration: config.yml of a checkout, or its copy inside an installed wheel (setup.py).
PACKAGED_CONFIG = Path(__file__).with_name("default_config.yml")


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
    data_dir: Path = field(default_factory=lambda: user_data_dir(dict(os.environ)))

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
        """A content path from the configuration (flows, rules, knowledge base, lexicon, model).

        Relative paths are relative to the installed package root (the checkout when developing),
        where the content ships as package data; local files belong under `data_dir` instead.
        """
        p = Path(path).expanduser()
        return p if p.is_absolute() else PROJECT_ROOT / p

    def data_path(self, path: str | Path) -> Path:
        """A local-file path from the configuration (media): relative paths are under `data_dir`."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else self.data_dir / p

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


def user_data_dir(env: dict[str, str]) -> Path:
    """Where local files live unless WENZHEN_DATA_DIR says otherwise: a per-user folder, never the current one."""
    if env.get("WENZHEN_DATA_DIR"):
        return Path(env["WENZHEN_DATA_DIR"]).expanduser().absolute()
    home = Path(env.get("HOME") or Path.home())
    if sys.platform == "win32":
        base = Path(env.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(env.get("XDG_DATA_HOME") or home / ".local" / "share")
    return (base / "wenzhen").absolute()


def default_config_path() -> Path | None:
    """The configuration used when none is named: ./config.yml, the checkout's, or the packaged one."""
    for candidate in (Path("config.yml"), PROJECT_ROOT / "config.yml", PACKAGED_CONFIG):
        if candidate.exists():
            return candidate
    return None


def load_config(path: str | Path | None = None, env: dict[str, str] | None = None) -> Config:
    """Read the configuration file (if any) and the environment."""
    env = dict(os.environ if env is None else env)
    chosen = path or env.get("WENZHEN_CONFIG") or default_config_path()
    raw: dict[str, Any] = {}
    cfg_path = Path(chosen) if chosen else None
    if cfg_path is not None:
        if not cfg_path.exists():
            raise ConfigError(f"configuration file not found: {cfg_path}")
        try:
            raw = load_yaml(cfg_path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise ConfigError(f"{cfg_path}: not valid YAML ({exc.__class__.__name__})") from exc
        if not isinstance(raw, dict):
            raise ConfigError(f"{cfg_path}: the top level must be a mapping")
    if env.get("WENZHEN_REDIS_PREFIX"):  # several deployments (or a benchmark) sharing one Redis
        raw["redis"] = {**(raw.get("redis") or {}), "prefix": env["WENZHEN_REDIS_PREFIX"]}
    if raw.get("data_dir") and not env.get("WENZHEN_DATA_DIR"):
        # A relative data_dir in a config file is relative to that file, not to where the command started.
        data_dir = (cfg_path.parent if cfg_path else Path.cwd()) / Path(str(raw["data_dir"])).expanduser()
        data_dir = data_dir.absolute()
    else:
        data_dir = user_data_dir(env)
    database_url = env.get("DATABASE_URL") or raw.get("database_url") or f"sqlite:///{data_dir / 'wenzhen.db'}"
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
