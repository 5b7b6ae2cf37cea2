"""The monitoring tests' runtime: every plugin of config.yml, token auth, and no quiet hours (a reminder
fired by a test must not wait for 07:00 in Shanghai because of when the suite runs)."""
from __future__ import annotations

import pytest

from bot.runtime import Runtime
from tests.conftest import RuntimeFactory

NO_QUIET_HOURS = {"quiet_hours": {"start": "00:00", "end": "00:00"}}


@pytest.fixture
async def runtime(make_runtime: RuntimeFactory) -> Runtime:
    return await make_runtime(rest={"auth": "token"}, monitoring=NO_QUIET_HOURS)


@pytest.fixture
async def console(runtime: Runtime):  # type: ignore[no-untyped-def]
    """A browser-like client over https:// (the console's cookies are Secure), also the REST patient side."""
    import httpx

    from bot.app import create_app
    from integrations.web.rest_auth import RestAuth

    headers = {"Authorization": f"Bearer {RestAuth(runtime.config).deployment_token}"}
    transport = httpx.ASGITransport(app=create_app(runtime=runtime))
    async with httpx.AsyncClient(transport=transport, base_url="https://wenzhen.test", headers=headers) as http:
        yield http
