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
