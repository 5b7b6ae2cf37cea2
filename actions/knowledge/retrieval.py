"""Finding the article that answers a question: BM25 over segmented Chinese, and an honest "no answer".

Fields are weighted by repeating their terms (title and FAQ questions count more than body text).
A best match is only an answer when it is both strong (BM25 score) and covers most of what the
question is about (the share of the question's IDF mass the article contains); otherwise the
patient is told plainly that the knowledge base has nothing, and offered a doctor.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlu.yaml_files import load_yaml

from actions.knowledge.articles import Article, KnowledgeError, load_articles
from actions.knowledge.terms import Terms

# Field weights: how many times a field's terms are counted in the article's bag of terms.
TITLE_WEIGHT = 3
QUESTION_WEIGHT = 2
TAG_WEIGHT = 2
BODY_WEIGHT = 1
# An article for particular groups only, for a patient known to be in one / not in any of them.
AUDIENCE_MATCH = 1.25
AUDIENCE_MISMATCH = 0.8
K1 = 1.2
B = 0.5
EXCERPT_CHARS = 200
FIRST_PARAGRAPH_BONUS = 1.5
_PIECE_END = re.compile(r"(?<=[。！？；\n])")


@dataclass(frozen=True)
class Thresholds:
    """When a best match counts as an answer (see docs/knowledge.md for how they were chosen)."""

    min_score: float = 2.0
    min_coverage: float = 0.35


@dataclass(frozen=True)
class Hit:
    """One article found for a question, with how well it matched."""

    article: Article
    score: float
    coverage: float  # share of the question's IDF mass found in the article (0..1)


@dataclass(frozen=True)
class Answer:
    """What the bot tells the patient: the article, a short excerpt, and the runners-up."""

    article: Article
    excerpt: str
    score: float
    coverage: float
    related: tuple[Article, ...] = ()


class KnowledgeBase:
    """The loaded articles and their BM25 index; immutable once built."""

    def __init__(
        self,
        articles: list[Article],
        terms: Terms,
        thresholds: Thresholds | None = None,
        topics: dict[str, list[str]] | None = None,
    ) -> None:
        self.articles = articles
        self.terms = terms
        self.thresholds = thresholds or Thresholds()
        self._by_id = {a.id: a for a in articles}
        unknown = sorted({i for ids in (topics or {}).values() for i in ids} - set(self._by_id))
        if unknown:
            raise KnowledgeError(f"topics.yml names articles that do not exist: {unknown}")
        missing = sorted(f"{a.id} → {a.instead}" for a in articles if a.instead and a.instead not in self._by_id)
        if missing:
            raise KnowledgeError(f"'instead' names articles that do not exist: {missing}")
        self._topics = {intent: tuple(self._by_id[i] for i in ids) for intent, ids in (topics or {}).items()}
        self._bags: list[Counter[str]] = []
        df: Counter[str] = Counter()
        for article in articles:
            bag: Counter[str] = Counter()
            for text, weight in self._fields(article):
                for term in terms.of(text):
                    bag[term] += weight
            self._bags.append(bag)
            df.update(bag.keys())
        n = max(1, len(articles))
        self._lengths = [sum(bag.values()) for bag in self._bags]
        self._avg_length = (sum(self._lengths) / n) or 1.0
        self._idf = {t: math.log(1 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
        # A word no article uses counts like the rarest word there is: a question whose key
        # words are all unknown (医保, 猴痘) is not about this knowledge base.
        self._unknown_idf = math.log(1 + (n - 0.5) / 1.5)

    @staticmethod
    def _fields(article: Article) -> list[tuple[str, int]]:
        return [
            (article.title, TITLE_WEIGHT),
            (" ".join(article.tags), TAG_WEIGHT),
            *((q, QUESTION_WEIGHT) for q in article.questions),
            (article.body, BODY_WEIGHT),
        ]

    @classmethod
    def load(
        cls,
        directory: Path,
        lexicon_dir: Path | None = None,
        thresholds: Thresholds | None = None,
    ) -> "KnowledgeBase":
        """Load and validate `directory/*.md` with its `synonyms.yml` and `topics.yml`, segmenting with the lexicon."""
        terms = Terms.load(
            directory / "synonyms.yml", lexicon_dir, Path(__file__).with_name("stopwords.txt")
        )
        topics: Any = {}
        topics_file = directory / "topics.yml"
        if topics_file.exists():
            topics = load_yaml(topics_file.read_text(encoding="utf-8")) or {}
            if not isinstance(topics, dict) or not all(isinstance(v, list) for v in topics.values()):
                raise KnowledgeError(f"{topics_file}: must map an intent to a list of article ids")
        return cls(load_articles(directory), terms, thresholds, topics)

    def get(self, article_id: str) -> Article | None:
        return self._by_id.get(article_id)

    def topics(self, intent: str, today: dt.date) -> list[Article]:
        """The servable articles offered for an intent when the patient typed no question."""
        return [a for a in self._topics.get(intent, ()) if a.servable(today)]

    def search(
        self, question: str, today: dt.date, limit: int = 3, audiences: frozenset[str] | None = None
    ) -> list[Hit]:
        """The best servable articles for a question, best first (expired articles never appear).

        With `audiences` (the groups the patient is known to belong to, possibly none), an article
        written for particular groups only (children, pregnant, …) ranks higher for those groups and
        lower for everyone else, so a general question gets the general article.
        """
        query = list(dict.fromkeys(self.terms.of(question)))
        if not query:
            return []
        total_idf = sum(self._idf.get(t, self._unknown_idf) for t in query)
        hits: list[Hit] = []
        for article, bag, length in zip(self.articles, self._bags, self._lengths):
            if not article.servable(today):
                continue
            score = 0.0
            matched = 0.0
            for term in query:
                tf = bag.get(term)
                if not tf:
                    continue
                idf = self._idf[term]
                matched += idf
                score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / self._avg_length))
            if score > 0 and audiences is not None and "all" not in article.audience:
                score *= AUDIENCE_MATCH if audiences & set(article.audience) else AUDIENCE_MISMATCH
            if score > 0:
                hits.append(Hit(article, score, matched / total_idf))
        hits.sort(key=lambda h: (-h.score, h.article.id))
        return hits[:limit]

    def answer(self, question: str, today: dt.date, audiences: frozenset[str] | None = None) -> Answer | None:
        """The answer to serve, or None when nothing in the knowledge base fits well enough."""
        hits = self.search(question, today, audiences=audiences)
        if not hits:
            return None
        best = hits[0]
        if best.score < self.thresholds.min_score or best.coverage < self.thresholds.min_coverage:
            return None
        article = self.for_audiences(best.article, audiences)
        related = tuple(a for h in hits[1:] if h.coverage >= self.thresholds.min_coverage
                        and (a := self.for_audiences(h.article, audiences)) is not article)
        return Answer(article, self.excerpt(article, question), best.score, best.coverage, tuple(dict.fromkeys(related)))

    def for_audiences(self, article: Article, audiences: frozenset[str] | None) -> Article:
        """The article to serve a patient of these groups: its `instead` when it is `not_for` one of them (newcomer
        trial 6: a pregnant woman never gets the general fever-medicine article that suggests ibuprofen)."""
        if audiences and article.instead and audiences & set(article.not_for):
            return self._by_id.get(article.instead, article)
        return article

    def excerpt(self, article: Article, question: str) -> str:
        """The paragraph that shares most with the question, cut at a sentence or line end.

        Articles are written answer-first, so the first paragraph wins unless another one
        shares clearly more with the question.
        """
        query = set(self.terms.of(question))
        paragraphs = article.paragraphs()

        def overlap(index: int) -> float:
            shared = sum(self._idf.get(t, 0.0) for t in query & set(self.terms.of(paragraphs[index])))
            return shared * (FIRST_PARAGRAPH_BONUS if index == 0 else 1.0)

        best = max(range(len(paragraphs)), key=overlap, default=None)
        return "" if best is None else shorten(paragraphs[best], EXCERPT_CHARS)


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters (plus an ellipsis), ending at a sentence or line end when one is near."""
    if len(text) <= limit:
        return text
    cut = ""
    for piece in _PIECE_END.split(text):
        if len(cut) + len(piece) > limit:
            break
        cut += piece
    cut = cut.rstrip()
    if len(cut) < limit // 2:
        cut = text[:limit]
    return cut + "……"
