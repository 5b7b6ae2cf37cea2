"""Health education: answers from the reviewed knowledge base (content/kb/) and broadcast campaigns.

Named under `plugins:` in config.yml as `actions.knowledge`: registers the actions
`answer_question`, `show_article`, `broadcast_opt_in`, the free-question and opt-out
interceptors, and the `wenzhen broadcast` and `wenzhen kb` commands.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.answers import normal
from bot.broadcasts import Settings, schedule_tag_sync
from bot.broadcasts.sending import build_rate_limiter
from bot.config import Config, ConfigError
from bot.plugins import Plugin

from actions.knowledge import subscription  # noqa: F401  (registers the opt-out interceptor and opt-in action)
from actions.knowledge import single_medicine  # noqa: F401  (registers the weight-for-a-dose interceptor)
from actions.knowledge.answering import build_knowledge_base, knowledge_base
from actions.knowledge.articles import Article, KnowledgeError
from actions.knowledge.broadcast_cli import broadcast_group
from actions.knowledge.kb_cli import kb_group
from actions.knowledge.retrieval import Answer, KnowledgeBase

if TYPE_CHECKING:
    from bot.runtime import Runtime

# At most this many characters before a title typed back (the related button's 相关：, a 看 or 请问).
QUOTE_PREFIX = 4


def _knowledge_base(config: Config) -> KnowledgeBase:
    # Built at start: a broken article fails the start with its file name, not a patient's turn.
    try:
        return build_knowledge_base(config)
    except KnowledgeError as exc:
        raise ConfigError(f"knowledge base: {exc}") from exc


async def _titles_are_no_facts(runtime: "Runtime") -> None:
    """An article's title typed back ("相关：孕妇、哺乳期妈妈阳了能吃药吗？", a button's words) says nothing about the
    patient: its 阳了 and 孕妇 set no slot (fix8a). The title may follow a short button prefix (相关：)."""
    titles = tuple(t for t in (normal(a.title) for a in knowledge_base(runtime).articles) if len(t) >= 6)

    def quotes(text: str) -> bool:
        said = normal(text)
        return any(said.endswith(title) and len(said) - len(title) <= QUOTE_PREFIX for title in titles)

    runtime.engine.register_quoted_text(quotes)


plugin = Plugin(
    name="knowledge",
    commands=[broadcast_group, kb_group],
    on_start=[schedule_tag_sync, _titles_are_no_facts],
    services=[_knowledge_base, Settings.from_config, build_rate_limiter],
)

__all__ = ["Answer", "Article", "KnowledgeBase", "KnowledgeError", "knowledge_base", "plugin"]
