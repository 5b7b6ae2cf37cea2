"""Shared fixtures: a started runtime on SQLite, an HTTP client on its app, real server processes."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterator

import httpx
import pytest
import yaml

from bot.app import create_app
from bot.config import PROJECT_ROOT, load_config
from bot.runtime import Runtime
from integrations.web.rest_auth import RestAuth
from tests.services import (
    POSTGRES_URL,
    REDIS_URL,
    create_postgres_database,
    drop_postgres_database,
    redis_prefix,
    require,
)

PROJECT_CONFIG = PROJECT_ROOT / "config.yml"
# The browser tests' fixture (`browser_setup`), for every folder.
pytest_plugins = ["tests.browser"]


def write_config(path: Path, **overrides: Any) -> Path:
    """The project's config.yml with `overrides` merged in (one level deep), written to `path`.

    Tests that do not name `rest` talk to Rasa's open REST channel; the `runtime` and `client`
    fixtures, tests/supervision and the authentication tests use token authentication, the
    shipped default, by saying so.
    """
    raw = yaml.safe_load(PROJECT_CONFIG.read_text(encoding="utf-8")) or {}
    overrides.setdefault("rest", {"auth": "open"})
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(raw.get(key), dict):
            raw[key] = {**raw[key], **value}
        else:
            raw[key] = value
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


RuntimeFactory = Callable[..., "Any"]


@pytest.fixture
async def make_runtime(tmp_path: Path) -> AsyncIterator[RuntimeFactory]:
    """Build started runtimes: embedded SQLite by default; `database_url=`/`redis_url=` for shared services."""
    made: list[Runtime] = []

    async def make(database_url: str | None = None, redis_url: str | None = None, **overrides: Any) -> Runtime:
        overrides.setdefault("redis", {"prefix": redis_prefix()})
        config_path = write_config(tmp_path / f"config-{len(made)}.yml", **overrides)
        env = {
            "DATABASE_URL": database_url or f"sqlite:///{tmp_path}/wenzhen-{len(made)}.db",
            "WENZHEN_DATA_DIR": str(tmp_path / "data"),
            "WENZHEN_SECRET_KEY": "test-secret-key-" + "x" * 32,
        }
        if redis_url:
            env["REDIS_URL"] = redis_url
        runtime = Runtime(load_config(config_path, env=env))
        await runtime.start(upgrade=True)
        made.append(runtime)
        return runtime

    yield make
    for runtime in reversed(made):
        await runtime.stop()


@pytest.fixture
async def runtime(make_runtime: RuntimeFactory) -> Runtime:
    """An embedded runtime (SQLite file, in-process cache/locks/pub-sub) with every plugin of config.yml."""
    return await make_runtime(rest={"auth": "token"})


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the app of `runtime` (no network), carrying the deployment's REST token."""
    app = create_app(runtime=runtime)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {RestAuth(runtime.config).deployment_token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://wenzhen.test", headers=headers) as http:
        yield http


@pytest.fixture
async def postgres_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database (skipped without a server, except under CI=true)."""
    url = await create_postgres_database()
    yield url
    await drop_postgres_database(url)


@pytest.fixture
def redis_url() -> str:
    require(REDIS_URL, "redis")
    return REDIS_URL


def free_port() -> int:
    """A loopback port the kernel just handed out (free now; the tests run in parallel, so never a fixed one)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def listening_socket() -> socket.socket:
    """A loopback socket already bound and listening, for an in-process server (`uvicorn.Server.run(sockets=[...])`):
    no window in which another test or worker can take its port."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A loopback port where nothing listens, for the test's whole length: bound but never listening, so a
    connection to it is refused at once and no parallel test can start a server there."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield int(s.getsockname()[1])


class PortTaken(RuntimeError):
    """The server could not bind its port: something else took it between `free_port()` and the start."""


class ServerProcess:
    """A real `wenzhen serve` process on 127.0.0.1."""

    def __init__(self, env: dict[str, str], cwd: Path, workers: int = 1, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = cwd / f"server-{self.port}.log"
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(self.port), "--workers", str(workers)],
            env=env,
            cwd=cwd,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                output = self.log.read_text(errors="replace")
                taken = "address already in use" in output.lower()
                raise (PortTaken if taken else RuntimeError)(f"server exited: {output[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("server did not start in time")

    def terminate(self) -> None:
        """SIGTERM, as a process manager stops a service."""
        self._proc.terminate()

    def wait(self, timeout: float) -> int:
        """The exit status, waiting up to `timeout` seconds (subprocess.TimeoutExpired after that)."""
        return self._proc.wait(timeout)

    def kill(self) -> None:
        """kill -9: the process dies at once, holding whatever it held."""
        self._proc.kill()
        self._proc.wait()

    def stop(self) -> None:
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(20)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start real server processes: `start_server(database_url=..., redis_url=..., workers=1, **config)`."""
    servers: list[ServerProcess] = []

    def start(database_url: str | None = None, redis_url: str | None = None, workers: int = 1, port: int | None = None,
              **overrides: Any) -> ServerProcess:
        config_path = write_config(tmp_path / f"server-config-{len(servers)}.yml", **overrides)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("WENZHEN_", "DATABASE_URL", "REDIS_URL"))}
        env.update(
            WENZHEN_CONFIG=str(config_path),
            DATABASE_URL=(database_url or f"sqlite:///{tmp_path}/server.db").replace("+asyncpg", ""),
            WENZHEN_DATA_DIR=str(tmp_path / "data"),
            WENZHEN_SECRET_KEY="test-secret-key-" + "x" * 32,
            # Test-only plugins (tests.faults.slow_turn_plugin) import from the checkout.
            PYTHONPATH=os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p),
        )
        if redis_url:
            env["REDIS_URL"] = redis_url
        for attempt in range(3):
            try:
                server = ServerProcess(env, tmp_path, workers, port)
                break
            except PortTaken:
                # A port of free_port()'s, taken by a parallel test before the server bound it: another one.
                if port is not None or attempt == 2:
                    raise
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


__all__ = ["POSTGRES_URL", "REDIS_URL", "write_config"]
