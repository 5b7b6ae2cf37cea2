"""`wenzhen kb …`: for the people who write and review articles — check the folder, try a question."""
from __future__ import annotations

import click

from bot.config import ConfigError

from actions.knowledge.answering import knowledge_settings, today
from actions.knowledge.articles import KnowledgeError
from actions.knowledge.retrieval import KnowledgeBase


def _load(ctx: click.Context) -> KnowledgeBase:
    from bot.cli import config_from, fail

    try:
        return KnowledgeBase.load(*knowledge_settings(config_from(ctx)))
    except (KnowledgeError, ConfigError) as exc:
        fail(str(exc))
        raise  # unreachable: fail exits


@click.group("kb")
def kb_group() -> None:
    """The health-education knowledge base (content/kb/)."""


@kb_group.command("check")
@click.pass_context
def check(ctx: click.Context) -> None:
    """Validate every article; list the ones that expire within 30 days or already have."""
    kb = _load(ctx)
    day = today()
    click.echo(f"{len(kb.articles)} articles valid")
    for article in sorted(kb.articles, key=lambda a: a.expires):
        left = (article.expires - day).days
        if left < 0:
            click.echo(f"EXPIRED {article.expires.isoformat()}  {article.id}  {article.title}")
        elif left <= 30:
            click.echo(f"expires {article.expires.isoformat()}  {article.id}  {article.title}")


@kb_group.command("ask")
@click.argument("question")
@click.pass_context
def ask(ctx: click.Context, question: str) -> None:
    """Show what the bot would answer, with the scores of the best matches."""
    kb = _load(ctx)
    for hit in kb.search(question, today()):
        click.echo(f"{hit.score:6.2f}  coverage {hit.coverage:.2f}  {hit.article.id}  {hit.article.title}")
    answer = kb.answer(question, today())
    click.echo("---")
    click.echo(f"{answer.article.title}\n{answer.excerpt}\n来源：{answer.article.source}" if answer else "(no answer)")
