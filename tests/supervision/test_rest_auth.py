"""The REST channel needs a bearer token by default: the deployment's, or the sender's own signed token."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from bot.app import create_app
from bot.config import PROJECT_ROOT, load_config
from bot.runtime import Runtime
from integrations.web.rest_auth import RestAuth

WEBHOOK = "/webhooks/rest/webhook"


def _anonymous(runtime: Runtime) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(runtime=runtime)), base_url="http://t")


def test_the_shipped_configuration_authenticates_the_rest_channel() -> None:
    assert load_config(PROJECT_ROOT / "config.yml", env={}).get("rest.auth") == "token"


async def test_without_a_token_nobody_posts_as_a_patient_or_reads_their_conversation(runtime: Runtime) -> None:
    async with _anonymous(runtime) as http:
        assert (await http.post(WEBHOOK, json={"sender": "alice", "message": "我发烧了"})).status_code == 401
        assert (await http.get("/conversations/alice/tracker")).status_code == 401
        wrong = {"Authorization": "Bearer 0123"}
        assert (await http.post(WEBHOOK, json={"sender": "alice", "message": "你好"}, headers=wrong)).status_code == 401
    assert not await runtime.store.exists("alice")


async def test_a_senders_token_works_for_that_sender_only(runtime: Runtime) -> None:
    auth = RestAuth(runtime.config)
    alice = {"Authorization": f"Bearer {auth.sender_token('alice')}"}
    async with _anonymous(runtime) as http:
        assert (await http.post(WEBHOOK, json={"sender": "alice", "message": "你好"}, headers=alice)).status_code == 200
        assert (await http.get("/conversations/alice/tracker", headers=alice)).status_code == 200
        assert (await http.post(WEBHOOK, json={"sender": "bob", "message": "你好"}, headers=alice)).status_code == 401
        assert (await http.get("/conversations/wechat:o1/tracker", headers=alice)).status_code == 403


async def test_the_deployment_token_may_speak_for_any_sender(runtime: Runtime) -> None:
    operator = {"Authorization": f"Bearer {RestAuth(runtime.config).deployment_token}"}
    async with _anonymous(runtime) as http:
        for sender in ("alice", "bob"):
            assert (await http.post(WEBHOOK, json={"sender": sender, "message": "你好"}, headers=operator)).status_code == 200


async def test_open_mode_is_rasas_channel_only_when_configured(make_runtime) -> None:
    runtime = await make_runtime(rest={"auth": "open"})
    async with _anonymous(runtime) as http:
        assert (await http.post(WEBHOOK, json={"sender": "carol", "message": "你好"})).status_code == 200
        assert (await http.get("/conversations/carol/tracker")).status_code == 200
        assert (await http.get("/conversations/wechat:o1/tracker")).status_code == 403


def test_the_cli_prints_the_tokens_the_server_accepts(tmp_path: Path) -> None:
    env = {"WENZHEN_SECRET_KEY": "k" * 40, "DATABASE_URL": f"sqlite:///{tmp_path}/w.db", "PATH": "/usr/bin:/bin",
           "PYTHONPATH": str(PROJECT_ROOT), "WENZHEN_DATA_DIR": str(tmp_path)}
    auth = RestAuth(load_config(PROJECT_ROOT / "config.yml", env=env))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot.cli", "rest", *args], env=env, capture_output=True, text=True)

    assert run("token").stdout.strip() == auth.deployment_token
    assert run("sign", "u1").stdout.strip() == auth.sender_token("u1")
    assert run("sign", " ").returncode == 2
