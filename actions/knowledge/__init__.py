"""Health education: answers from the reviewed knowledge base (content/kb/) and broadcast campaigns.

Named under `plugins:` in config.yml as `actions.knowledge`: registers the actions
`answer_question`, `show_article`, `broadcast_opt_in`, the free-question and opt-out
interceptors, and the `wenzhen broadcast` and `wenzhen kb` commands.
"""
from __future__ import annotations

from bot.broadcasts import Settings, schedule_tag_sync
from bot.broadcasts.sending import build_rate_limiter
from bot.config import Config, ConfigError
from bot.plugins import Plugin

from actions.knowledge import subscription  # noqa: F401  (registers the opt-out interceptor and opt-in action)
from actions.knowledge.answering import build_knowledge_base, knowledge_base
from actions.knowledge.articles import Article, KnowledgeError
from actions.knowledge.broadcast_cli import broadcast_group
from actions.knowledge.kb_cli import kb_group
from actions.knowledge.retrieval import Answer, KnowledgeBase

def _knowledge_base(config: Config) -> KnowledgeBase:
    # Built at start: a broken article fails the start with its file name, not a patient's turn.
    try:
        return build_knowledge_base(config)
    except KnowledgeError as exc:
        raise ConfigError(f"knowledge base: {exc}") from exc


plugin = Plugin(
    name="knowledge",
    commands=[broadcast_group, kb_group],
    on_start=[schedule_tag_sync],
    services=[_knowledge_base, Settings.from_config, build_rate_limiter],
)

__all__ = ["Answer", "Article", "KnowledgeBase", "KnowledgeError", "knowledge_base", "plugin"]
