"""Broadcasts to patients on Telegram, through the fake Bot API server and python-telegram-bot."""
from __future__ import annotations

from typing import Any, Iterator

import pytest

from bot import broadcasts as bc
from bot.messages import UserMessage
from tests.broadcasts.conftest import FAST, run_until_finished
from tests.telegram.fake_bot_api import FakeBotApi
from tests.telegram.conftest import telegram_variables


@pytest.fixture
def bot_api() -> Iterator[FakeBotApi]:
    api = FakeBotApi().start()
    yield api
    api.stop()


async def test_a_campaign_reaches_telegram_patients_once_and_skips_the_opted_out(
    make_runtime: Any, bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in telegram_variables(bot_api).items():
        monkeypatch.setenv(name, value)
    runtime = await make_runtime(**FAST)
    for chat in (7001, 7002, 7003):
        await runtime.engine.handle(UserMessage("telegram", str(chat), payload='/inform{"age": 70}'))
    await bc.record_opt_out(runtime, "telegram", "7003", source="test")
    content = bc.Content(title="通知", text="发热门诊本周六延长开放。回复“退订”不再接收。")
    campaign_id = await bc.create_campaign(runtime, "通知", content, bc.Audience(groups=("elderly",)), ["telegram"], "admin:t")
    await bc.schedule_campaign(runtime, campaign_id)
    report = await run_until_finished(runtime, campaign_id)
    assert report.counts["delivered"] == 2 and report.reasons["skipped"] == {bc.OPTED_OUT: 1}
    assert bot_api.texts_to(7001) == [content.text]
    assert bot_api.texts_to(7002) == [content.text]
    assert bot_api.texts_to(7003) == []
