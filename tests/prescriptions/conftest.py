"""The console's https clients (Secure cookies) for the prescription tests."""
from tests.console.conftest import client, other_client  # noqa: F401 (fixtures)
