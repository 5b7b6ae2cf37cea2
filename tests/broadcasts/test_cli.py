"""`wenzhen broadcast …` from the command line: create with preview, schedule, report; bad input exits 2."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from bot.cli import main
from bot.config import load_config
from bot.messages import UserMessage
from bot.runtime import Runtime
from integrations.wechat.channel import channel_for
from tests.broadcasts.conftest import FAST
from tests.broadcasts.mass_wechat import MassWeChat
from tests.conftest import write_config


@pytest.fixture
def cli_env(tmp_path: Path, wechat_env: dict[str, str]) -> dict[str, str]:
    return {
        **wechat_env,
        "WENZHEN_CONFIG": str(write_config(tmp_path / "config.yml", **FAST)),
        "DATABASE_URL": f"sqlite:///{tmp_path}/cli.db",
        "WENZHEN_DATA_DIR": str(tmp_path / "data"),
        "WENZHEN_SECRET_KEY": "test-secret-key-" + "x" * 32,
    }


def wenzhen(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, ["broadcast", *args], env=env)


def followers(env: dict[str, str], ages: dict[str, int]) -> None:
    """WeChat followers the bot knows, written through a runtime as the webhook would."""

    async def prepare() -> None:
        runtime = Runtime(load_config(env["WENZHEN_CONFIG"], env=env))
        await runtime.start(run_jobs=False, upgrade=True)
        try:
            channel = channel_for(runtime)
            assert channel is not None
            for openid, age in ages.items():
                await runtime.engine.handle(UserMessage("wechat", openid, payload=f'/inform{{"age": {age}}}'))
                await channel.contacts.interacted(openid)
        finally:
            await runtime.stop()

    asyncio.run(prepare())


def test_create_preview_schedule_and_report_from_the_command_line(cli_env: dict[str, str], wechat: MassWeChat) -> None:
    followers(cli_env, {"cli-old": 81, "cli-young": 22})
    created = wenzhen(cli_env, "create", "--name", "老人防护", "--article", "elderly-warning-signs",
                      "--group", "elderly", "--method", "wechat_mass")
    assert created.exit_code == 0, created.output
    assert "campaign 1 created (draft)" in created.output
    assert "家里老人阳了，要特别注意什么？" in created.output  # the preview shows the message
    assert "wechat_mass: 1" in created.output

    scheduled = wenzhen(cli_env, "schedule", "1", "--wait")
    assert scheduled.exit_code == 0, scheduled.output
    assert len(wechat.inbox["cli-old"]) == 1 and wechat.inbox["cli-young"] == []

    reported = wenzhen(cli_env, "report", "1")
    report = json.loads(reported.output)
    assert report["status"] == "done" and report["counts"]["sent"] == 1
    assert "1\tdone\tarticle\twechat_mass\t老人防护" in wenzhen(cli_env, "list").output


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (("create", "--name", "x", "--article", "no-such", "--method", "wechat_mass"), "no article 'no-such'"),
        (("create", "--name", "x", "--message", "hi", "--group", "martians", "--method", "wechat_mass"), "unknown audience group"),
        (("create", "--name", "x", "--message", "hi", "--method", "carrier_pigeon"), "unknown delivery method"),
        (("report", "999"), "no campaign 999"),
        (("schedule", "1", "--at", "next tuesday"), "ISO format"),
    ],
)
def test_bad_input_exits_2_with_one_line(cli_env: dict[str, str], args: tuple[str, ...], reason: str) -> None:
    result = wenzhen(cli_env, *args)
    assert result.exit_code == 2, result.output
    assert reason in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
