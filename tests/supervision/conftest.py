"""The console tests' browser-like clients (https, REST token), shared with the supervision tests."""
from tests.console.conftest import client, other_client

__all__ = ["client", "other_client"]
