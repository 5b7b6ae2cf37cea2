"""Fixtures for the knowledge-base tests: the starter content, and small knowledge bases written per test."""
from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path
from typing import Callable

import pytest

from actions.knowledge.retrieval import KnowledgeBase
from bot.config import PROJECT_ROOT

KB_DIR = PROJECT_ROOT / "content" / "kb"
LEXICON_DIR = PROJECT_ROOT / "nlu" / "lexicon"
# A day inside the starter content's review period (reviewed 2026-11-22, expiring 2027-11-30).
CONTENT_DAY = dt.date(2026, 12, 1)


@pytest.fixture(scope="session")
def starter_kb() -> KnowledgeBase:
    return KnowledgeBase.load(KB_DIR, LEXICON_DIR)


def article_text(
    title: str = "退烧药怎么吃？",
    body: str = "体温超过38.5℃时可以吃对乙酰氨基酚或布洛芬，选一种按说明书吃。",
    expires: str = "2099-12-31",
    **fields: str,
) -> str:
    meta = {
        "title": title,
        "tags": "[用药, 退烧药]",
        "audience": "[all]",
        "source": "国家卫生健康委《新冠病毒感染者居家治疗指南》（2022年12月）",
        "reviewed_by": "测试审核人",
        "review_date": "2026-11-22",
        "expires": expires,
        **fields,
    }
    front = "\n".join(f"{k}: {v}" for k, v in meta.items() if v is not None)
    return f"---\n{front}\n---\n{textwrap.dedent(body).strip()}\n"


@pytest.fixture
def write_kb(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Write a knowledge-base folder: file name -> file text."""

    def write(files: dict[str, str]) -> Path:
        folder = tmp_path / "kb"
        folder.mkdir(exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        return folder

    return write
