"""Campaign content from the knowledge base or from an admin's message, rendered as patients will read it."""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.broadcasts import BroadcastError, Content
from bot.state import ConversationState

from actions.knowledge.answering import knowledge_base, today
from actions.knowledge.retrieval import EXCERPT_CHARS, shorten

if TYPE_CHECKING:
    from bot.runtime import Runtime


def _render(runtime: "Runtime", key: str, language: str, **variables: str) -> str:
    state = ConversationState("broadcast", slots={"language": language})
    return runtime.responses.text(key, state, variables)


def article_content(runtime: "Runtime", article_id: str, language: str = "zh") -> Content:
    """A reviewed, unexpired article as a broadcast: title, its first paragraph, source, how to opt out."""
    article = knowledge_base(runtime).get(article_id)
    if article is None:
        raise BroadcastError(f"no article {article_id!r} in the knowledge base")
    if not article.servable(today()):
        raise BroadcastError(f"article {article_id!r} expired on {article.expires.isoformat()}")
    excerpt = shorten(article.paragraphs()[0], EXCERPT_CHARS)
    text = _render(runtime, "broadcast_article", language, title=article.title, excerpt=excerpt, source=article.source)
    return Content(
        title=article.title, text=text, source=article.source, article_id=article.id,
        expires=article.expires.isoformat(),
    )


def message_content(runtime: "Runtime", title: str, message: str, language: str = "zh") -> Content:
    """An admin's own message, with the opt-out line every broadcast carries."""
    if not message.strip():
        raise BroadcastError("the message is empty")
    return Content(title=title.strip() or message.strip()[:30], text=message.strip() + _render(runtime, "broadcast_message_footer", language))
