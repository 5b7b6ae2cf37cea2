"""Answering over the REST channel: excerpts with title and source, honest "no answer", digressions, 退订."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from bot.app import create_app
from bot.broadcasts import OptOutRow
from bot.runtime import Runtime
from tests.knowledge.conftest import article_text

Replies = list[dict[str, Any]]


async def say(client: httpx.AsyncClient, sender: str, text: str) -> Replies:
    response = await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
    assert response.status_code == 200, response.text
    return response.json()


def texts(replies: Replies) -> str:
    return "\n".join(r.get("text") or "" for r in replies)


def payloads(replies: Replies) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons", [])]


async def test_a_medication_question_is_answered_with_title_excerpt_and_source(client: httpx.AsyncClient) -> None:
    replies = await say(client, "kb1", "布洛芬和对乙酰氨基酚能一起吃吗")
    text = texts(replies)
    assert "【布洛芬和对乙酰氨基酚能一起吃吗？】" in text
    assert "不建议同时吃" in text
    assert "来源：国家卫生健康委《新冠病毒感染者居家治疗常用药参考表》" in text
    assert "120" in text and "转人工" in text  # never a diagnosis; a human and 120 are always offered
    assert "/request_doctor" in payloads(replies)


async def test_the_full_article_is_one_tap_away(client: httpx.AsyncClient) -> None:
    replies = await say(client, "kb2", "阳了几天能转阴啊")
    full = [p for p in payloads(replies) if p.startswith("/read_article")]
    assert full and '"kb_article": "when-negative"' in full[0]
    article = texts(await say(client, "kb2", full[0]))
    assert "连续两次抗原检测阴性" in article  # from the second paragraph, not in the excerpt
    assert "审核：" in article and "来源：" in article


async def test_a_question_the_knowledge_base_cannot_answer_says_so_and_offers_a_doctor(client: httpx.AsyncClient) -> None:
    replies = await say(client, "kb3", "痛风发作吃什么药")
    assert "暂时没有可靠的答案" in texts(replies)
    assert "/request_doctor" in payloads(replies)
    assert "【" not in texts(replies)


async def test_a_red_flag_in_the_question_goes_to_the_emergency_screen_not_to_an_article(client: httpx.AsyncClient) -> None:
    replies = await say(client, "kb4", "吃了布洛芬还是喘不上气，嘴唇发紫，能和对乙酰氨基酚一起吃吗")
    levels = [r["custom"]["triage"]["level"] for r in replies if (r.get("custom") or {}).get("triage")]
    assert levels == ["emergency"]
    assert "来源：" not in texts(replies)


async def test_a_question_in_the_middle_of_an_intake_is_answered_then_the_intake_resumes(client: httpx.AsyncClient) -> None:
    first = await say(client, "kb5", "/covid_positive")
    pending = texts(first)
    assert pending  # the intake asked its first question
    replies = await say(client, "kb5", "布洛芬和对乙酰氨基酚能一起吃吗")
    text = texts(replies)
    assert "不建议同时吃" in text
    assert "我们接着刚才的问题" in text
    assert text.index("不建议同时吃") < text.index("我们接着刚才的问题")
    tracker = (await client.get("/conversations/kb5/tracker")).json()
    assert tracker["active_flow"] != "knowledge_answer"


async def test_a_menu_tap_without_a_question_lists_the_topics_articles(client: httpx.AsyncClient) -> None:
    replies = await say(client, "kb6", "/ask_medication")
    articles = [p for p in payloads(replies) if p.startswith("/read_article")]
    assert len(articles) >= 3
    assert '"kb_article": "fever-medicine"' in articles[0]


async def test_an_article_that_does_not_exist_is_reported_unavailable(client: httpx.AsyncClient) -> None:
    replies = await say(client, "kb7", '/read_article{"kb_article": "../../etc/passwd"}')
    assert "已下线或正在更新" in texts(replies)


async def test_an_expired_article_is_not_served_to_patients(make_runtime: Any, tmp_path: Path) -> None:
    folder = tmp_path / "kb-expired"
    folder.mkdir()
    (folder / "old-advice.md").write_text(
        article_text(title="布洛芬和对乙酰氨基酚能一起吃吗（旧）", review_date="2022-12-10", expires="2023-06-30"),
        encoding="utf-8",
    )
    runtime = await make_runtime(knowledge={"dir": str(folder), "min_score": 0.1, "min_coverage": 0.1})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(runtime=runtime)), base_url="http://t") as client:
        assert "暂时没有可靠的答案" in texts(await say(client, "kb8", "布洛芬和对乙酰氨基酚能一起吃吗"))
        replies = await say(client, "kb8", '/read_article{"kb_article": "old-advice"}')
        assert "已下线或正在更新" in texts(replies)


async def test_unsubscribing_is_recorded_confirmed_and_reversible(client: httpx.AsyncClient, runtime: Runtime) -> None:
    replies = await say(client, "kb9", "退订")
    assert "已为您退订健康科普推送" in texts(replies)
    async with runtime.db.session() as session:
        assert (await session.scalars(select(OptOutRow).where(OptOutRow.sender == "kb9"))).all()
    replies = await say(client, "kb9", "/subscribe")
    assert "已为您恢复健康科普推送" in texts(replies)
    async with runtime.db.session() as session:
        assert not (await session.scalars(select(OptOutRow).where(OptOutRow.sender == "kb9"))).all()


async def test_the_answer_is_recorded_in_the_conversation_log(client: httpx.AsyncClient) -> None:
    await say(client, "kb10", "布洛芬和对乙酰氨基酚能一起吃吗")
    events = (await client.get("/conversations/kb10/tracker")).json()["events"]
    answers = [e for e in events if e["event"] == "knowledge_answer"]
    assert answers and answers[-1]["article"] == "ibuprofen-with-acetaminophen"


async def test_english_conversations_get_english_framing_around_the_chinese_article(client: httpx.AsyncClient) -> None:
    await say(client, "kb11", '/set_language{"language": "en"}')
    text = texts(await say(client, "kb11", "布洛芬和对乙酰氨基酚能一起吃吗"))
    assert "Source:" in text and "call 120" in text


async def test_a_general_question_gets_the_article_for_who_the_patient_is(client: httpx.AsyncClient) -> None:
    adult = texts(await say(client, "kb12", "发烧吃什么药"))
    assert "【发烧了吃什么退烧药？】" in adult
    await say(client, "kb13", '/inform{"subject": "child", "age": 3}')
    child = texts(await say(client, "kb13", "发烧吃什么药"))
    assert "【孩子发烧怎么用退烧药？】" in child
    await say(client, "kb14", '/inform{"pregnant": true}')
    pregnant = texts(await say(client, "kb14", "发烧吃什么药"))
    assert "【孕妇、哺乳期妈妈阳了能吃药吗？】" in pregnant
