"""Health education: answers from the reviewed knowledge base (content/kb/) and broadcast campaigns.

Named under `plugins:` in config.yml as `actions.knowledge`: registers the actions
`answer_question`, `show_article`, `broadcast_opt_in`, the free-question and opt-out
interceptors, and the `wenzhen broadcast` and `wenzhen kb` commands.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from bot.broadcasts import schedule_tag_sync
from bot.config import ConfigError
from bot.plugins import Plugin

from actions.knowledge import subscription  # noqa: F401  (registers the opt-out interceptor and opt-in action)
from actions.knowledge.answering import knowledge_base
from actions.knowledge.articles import Article, KnowledgeError
from actions.knowledge.broadcast_cli import broadcast_group
from actions.knowledge.kb_cli import kb_group
from actions.knowledge.retrieval import Answer, KnowledgeBase

if TYPE_CHECKING:
    from bot.runtime import Runtime


async def _load(runtime: "Runtime") -> None:
    # Build the index at start: a broken article fails the start with its file name, not a patient's turn.
    try:
        knowledge_base(runtime)
    except KnowledgeError as exc:
        raise ConfigError(f"knowledge base: {exc}") from exc


plugin = Plugin(name="knowledge", commands=[broadcast_group, kb_group], on_start=[_load, schedule_tag_sync])

__all__ = ["Answer", "Article", "KnowledgeBase", "KnowledgeError", "knowledge_base", "plugin"]
