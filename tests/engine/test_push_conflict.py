"""Two processes on one embedded SQLite file (`wenzhen chat` beside `wenzhen serve`): each has its own
lock and cache, so a doctor's reply pushed by one can meet a turn stored by the other. The reply is
appended again on the fresh log, never lost, never a 500 (a newcomer's trial found it lost)."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.messages import BotMessage, UserMessage

pytestmark = pytest.mark.asyncio


async def test_a_pushed_reply_after_another_process_wrote_is_appended_again(make_runtime, tmp_path: Path) -> None:
    shared = f"sqlite:///{tmp_path}/shared.db"
    serve = await make_runtime(database_url=shared)
    chat = await make_runtime(database_url=shared)
    await chat.engine.handle(UserMessage(channel="rest", sender="two-proc", text="你好"))
    stale = await serve.engine.state("two-proc")  # what `serve` knew of the conversation
    await chat.engine.handle(UserMessage(channel="rest", sender="two-proc", text="谢谢"))  # `chat` writes more
    # The race itself: `serve` reads its old copy once (as a stale cache did), then the log.
    real_load, reads = serve.engine.store.load, []

    async def load_once_stale(conversation_id: str, **kwargs: object) -> object:
        reads.append(conversation_id)
        return stale.copy() if len(reads) == 1 else await real_load(conversation_id, **kwargs)

    serve.engine.store.load = load_once_stale  # type: ignore[method-assign]

    await serve.engine.push("two-proc", [BotMessage(text="您好，我是李医生。")], actor="doctor:1")

    assert len(reads) == 2  # the first append met the conflict, the second went through
    events = await chat.engine.events("two-proc")
    assert [e.data.get("text") for e in events if e.actor == "doctor:1"] == ["您好，我是李医生。"]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert (await serve.audit.verify()).ok
