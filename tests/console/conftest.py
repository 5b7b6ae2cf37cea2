"""Fixtures of the console tests: an HTTPS client on the app (session cookies are Secure)."""
from __future__ import annotations

from typing import AsyncIterator

import httpx
import pytest

from bot.app import create_app
from bot.runtime import Runtime
from integrations.web.rest_auth import RestAuth


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
