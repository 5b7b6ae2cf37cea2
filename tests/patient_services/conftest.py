"""Fixtures borrowed from the console tests (https clients: Secure session cookies) and the WeChat
tests (the local WeChat platform and API server, a runtime served on 127.0.0.1)."""
from tests.console.conftest import client, other_client  # noqa: F401 (fixtures)
from tests.wechat.conftest import make_wechat, wechat, wechat_api, wechat_env  # noqa: F401 (fixtures)
