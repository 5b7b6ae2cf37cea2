"""The console's https clients (Secure session cookies), for the administrators' list of complaints."""
from tests.console.conftest import client, other_client  # noqa: F401 (fixtures)
