"""The knowledge base's articles: the starter content is complete and reviewed, and the loader refuses bad files."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from actions.knowledge.articles import AUDIENCES, KnowledgeError, load_articles
from actions.knowledge.retrieval import KnowledgeBase
from tests.knowledge.conftest import CONTENT_DAY, KB_DIR, article_text


def test_starter_content_has_at_least_thirty_valid_articles() -> None:
    articles = load_articles(KB_DIR)
    assert len(articles) >= 30
    assert len({a.id for a in articles}) == len(articles)


def test_every_starter_article_cites_a_public_source_and_a_reviewer_and_is_servable() -> None:
    for article in load_articles(KB_DIR):
        assert "《" in article.source or "说明书" in article.source, article.id
        assert article.reviewed_by, article.id
        assert article.review_date <= CONTENT_DAY <= article.expires, article.id
        assert set(article.audience) <= AUDIENCES, article.id


def test_starter_content_covers_the_topics_of_the_home_isolation_period() -> None:
    tags = {t for a in load_articles(KB_DIR) for t in a.tags}
    for topic in ("退烧药", "就医", "老人", "儿童", "抗原", "复工", "囤药", "营养", "睡眠", "焦虑"):
        assert topic in tags, topic


def test_starter_articles_are_written_for_patients_in_simplified_chinese() -> None:
    for article in load_articles(KB_DIR):
        body = article.body
        assert sum("\u4e00" <= c <= "\u9fff" for c in body) > len(body) * 0.5, article.id
        # a few characters that only traditional script uses
        assert not set("體醫療藥發燒") & set(body), article.id


def test_a_missing_field_is_refused_naming_the_file_and_the_field(write_kb: Callable[..., Path]) -> None:
    folder = write_kb({"no-source.md": article_text(source=None)})
    with pytest.raises(KnowledgeError, match=r"no-source\.md.*'source' is missing"):
        load_articles(folder)


def test_every_bad_file_is_reported_at_once(write_kb: Callable[..., Path]) -> None:
    folder = write_kb({
        "a-good.md": article_text(),
        "b-bad-audience.md": article_text(audience="[everyone]"),
        "c-expired-before-review.md": article_text(expires="2020-01-01"),
        "d-no-front-matter.md": "只有正文，没有元数据",
        "E_Bad_Name.md": article_text(),
    })
    with pytest.raises(KnowledgeError) as caught:
        load_articles(folder)
    message = str(caught.value)
    assert "b-bad-audience.md" in message and "'audience'" in message
    assert "c-expired-before-review.md" in message and "before 'review_date'" in message
    assert "d-no-front-matter.md" in message and "front matter" in message
    assert "E_Bad_Name.md" in message
    assert "a-good.md" not in message


def test_broken_yaml_and_non_text_files_are_refused_cleanly(write_kb: Callable[..., Path]) -> None:
    folder = write_kb({"broken.md": "---\ntitle: [unclosed\n---\n正文\n"})
    with pytest.raises(KnowledgeError, match="not valid YAML"):
        load_articles(folder)
    (folder / "broken.md").write_bytes(b"---\n\xff\xfe\x00binary\n---\n")
    with pytest.raises(KnowledgeError, match="UTF-8"):
        load_articles(folder)


def test_an_unknown_front_matter_key_is_refused_so_typos_are_caught(write_kb: Callable[..., Path]) -> None:
    folder = write_kb({"typo.md": article_text(reviewd_by="某医生")})
    with pytest.raises(KnowledgeError, match="unknown front matter keys"):
        load_articles(folder)


def test_topics_may_only_name_existing_articles(write_kb: Callable[..., Path]) -> None:
    folder = write_kb({"fever.md": article_text(), "topics.yml": "ask_medication: [fever, no-such-article]\n"})
    with pytest.raises(KnowledgeError, match="no-such-article"):
        KnowledgeBase.load(folder)


def test_wenzhen_kb_check_validates_and_kb_ask_shows_the_answer(tmp_path: Path, write_kb: Callable[..., Path]) -> None:
    from click.testing import CliRunner

    from bot.cli import main
    from tests.conftest import write_config

    env = {"WENZHEN_CONFIG": str(write_config(tmp_path / "config.yml")), "WENZHEN_DATA_DIR": str(tmp_path / "data")}
    checked = CliRunner().invoke(main, ["kb", "check"], env=env)
    assert checked.exit_code == 0 and f"{len(load_articles(KB_DIR))} articles valid" in checked.output
    asked = CliRunner().invoke(main, ["kb", "ask", "美林和泰诺林可以换着吃吗"], env=env)
    assert asked.exit_code == 0 and "不建议同时吃" in asked.output and "来源：" in asked.output
    broken = write_kb({"bad.md": article_text(source=None)})
    env["WENZHEN_CONFIG"] = str(write_config(tmp_path / "broken.yml", knowledge={"dir": str(broken)}))
    refused = CliRunner().invoke(main, ["kb", "check"], env=env)
    assert refused.exit_code == 2 and "'source' is missing" in refused.output
