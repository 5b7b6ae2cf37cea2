"""Fixtures of the console tests: an HTTPS client on the app (session cookies are Secure), and `console_site` for
the browser tests that drive a real server in Chromium (doctors on the roster, a patient typing over REST)."""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterator

import httpx
import pytest

from bot.app import create_app
from bot.runtime import Runtime
from integrations.web.rest_auth import RestAuth
from tests.browser import CHROMIUM, CHROMIUM_ARGS, cli
from tests.conftest import write_config
from tests.services import IN_CI


def _patient_side(runtime: Runtime) -> dict[str, str]:
    """The deployment's REST token: these clients also play the patient on the REST channel."""
    return {"Authorization": f"Bearer {RestAuth(runtime.config).deployment_token}"}


@pytest.fixture
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """Like the project's `client`, over https://, so the browser-like cookie jar sends Secure cookies."""
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    async with httpx.AsyncClient(transport=transport, base_url="https://wenzhen.test", headers=_patient_side(runtime)) as http:
        yield http


@pytest.fixture
async def other_client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser: its own cookies, the same app."""
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    async with httpx.AsyncClient(transport=transport, base_url="https://wenzhen.test", headers=_patient_side(runtime)) as http:
        yield http


@dataclass
class ConsoleSite:
    """A real server on `port` with its own SQLite database, the `wenzhen` CLI against it, and a patient's REST client."""
    server: Any
    config: Path
    database: str
    patient: httpx.Client
    _browsers: list[Any] = field(default_factory=list)

    def doctor(self, username: str, name: str, department: str, title: str = "主治医师") -> None:
        """A doctor on duty all day in `department`."""
        cli(["staff", "add", username, "--name", name, "--title", title, "--department", department], self.config, self.database)
        cli(["roster", "add", username, department, "daily", "00:00", "24:00"], self.config, self.database)

    @contextmanager
    def chromium(self) -> Iterator[Any]:
        """Headless Chromium (the system's /usr/bin/chromium), closed afterwards."""
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()


@pytest.fixture
def console_site(tmp_path: Path, start_server: Callable[..., Any]) -> Iterator[Callable[[int], ConsoleSite]]:
    """`console_site(port)`: Chromium checked (required in CI), a server started, a config file for the CLI."""
    if not CHROMIUM.exists():
        (pytest.fail if IN_CI else pytest.skip)("Chromium is missing: apt-get install -y chromium")
    sites: list[ConsoleSite] = []

    def open_site(port: int) -> ConsoleSite:
        server = start_server(port=port)
        site = ConsoleSite(server=server, config=write_config(tmp_path / f"setup-{len(sites)}.yml"),
                           database=f"sqlite:///{tmp_path}/server.db",
                           patient=httpx.Client(base_url=server.url, timeout=30))
        sites.append(site)
        return site

    yield open_site
    for site in sites:
        site.patient.close()
