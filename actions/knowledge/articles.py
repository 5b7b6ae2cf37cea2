"""Knowledge-base articles: Markdown files with a YAML front matter, loaded and validated.

An article is served only when it carries everything a clinician's review needs (title, tags,
audience, source, reviewer, review date, expiry) and only until it expires.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nlu.yaml_files import load_yaml

# Who an article is written for; broadcasts use the same names for their audiences.
AUDIENCES = frozenset({"all", "home_isolation", "high_risk", "elderly", "chronic", "pregnant", "children"})
REQUIRED = ("title", "tags", "audience", "source", "reviewed_by", "review_date", "expires")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*\n(.*)\Z", re.S)
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


class KnowledgeError(ValueError):
    """The knowledge base cannot be used; the message names every bad file and why."""


@dataclass(frozen=True)
class Article:
    """One reviewed article or FAQ entry; `id` is its file name without `.md`."""

    id: str
    title: str
    tags: tuple[str, ...]
    audience: tuple[str, ...]
    source: str
    reviewed_by: str
    review_date: dt.date
    expires: dt.date
    body: str
    questions: tuple[str, ...] = ()  # other ways patients ask what this article answers
    # Newcomer trial 6: groups this article must not be served to (e.g. pregnant: it suggests ibuprofen), and the
    # article they get in its place.
    not_for: tuple[str, ...] = ()
    instead: str | None = None

    def servable(self, today: dt.date) -> bool:
        """An expired article is never served: its content may no longer be current advice."""
        return today <= self.expires

    def paragraphs(self) -> list[str]:
        """The body as plain-text paragraphs (Markdown emphasis removed), in order."""
        plain = self.body.replace("**", "").replace("__", "")
        return [p.strip() for p in re.split(r"\n\s*\n", plain) if p.strip()]


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return None
    return tuple(v.strip() for v in value)


def parse_article(path: Path) -> Article:
    """Read one article; raises KnowledgeError naming the file and every problem found."""
    problems: list[str] = []
    article_id = path.stem
    if not _ID.match(article_id):
        problems.append("the file name must be lower-case letters, digits and '-' (it is the article id)")
    try:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnowledgeError(f"{path}: cannot be read as UTF-8 text ({exc.__class__.__name__})") from exc
    match = _FRONT_MATTER.match(text)
    if not match:
        raise KnowledgeError(f"{path}: must start with a '---' front matter block closed by '---'")
    try:
        meta = load_yaml(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path}: the front matter is not valid YAML ({exc.__class__.__name__})") from exc
    if not isinstance(meta, dict):
        raise KnowledgeError(f"{path}: the front matter must be a mapping")
    body = match.group(2).strip()

    for name in REQUIRED:
        if meta.get(name) in (None, "", []):
            problems.append(f"'{name}' is missing")
    title = meta.get("title")
    if title is not None and not (isinstance(title, str) and title.strip()):
        problems.append("'title' must be text")
    tags = _strings(meta.get("tags", []))
    if tags is None:
        problems.append("'tags' must be a list of words")
    audience = _strings(meta.get("audience", []))
    if audience is None or not set(audience) <= AUDIENCES:
        problems.append(f"'audience' must be a list drawn from {sorted(AUDIENCES)}")
    questions = _strings(meta.get("questions", []))
    if questions is None:
        problems.append("'questions' must be a list of questions")
    for name in ("source", "reviewed_by"):
        if meta.get(name) is not None and not (isinstance(meta[name], str) and meta[name].strip()):
            problems.append(f"'{name}' must be text")
    review_date, expires = _date(meta.get("review_date")), _date(meta.get("expires"))
    if meta.get("review_date") is not None and review_date is None:
        problems.append("'review_date' must be a date (YYYY-MM-DD)")
    if meta.get("expires") is not None and expires is None:
        problems.append("'expires' must be a date (YYYY-MM-DD)")
    if review_date and expires and expires < review_date:
        problems.append("'expires' is before 'review_date'")
    if not body:
        problems.append("the article has no text after the front matter")
    not_for = _strings(meta.get("not_for", []))
    if not_for is None or not set(not_for) <= AUDIENCES:
        problems.append(f"'not_for' must be a list drawn from {sorted(AUDIENCES)}")
    if not_for and not (isinstance(meta.get("instead"), str) and meta["instead"].strip()):
        problems.append("'not_for' needs 'instead': the article served in its place")
    unknown = set(meta) - set(REQUIRED) - {"questions", "not_for", "instead"}
    if unknown:
        problems.append(f"unknown front matter keys: {sorted(unknown)}")
    if problems:
        raise KnowledgeError(f"{path}: " + "; ".join(problems))
    return Article(
        id=article_id,
        title=str(title).strip(),
        tags=tags or (),
        audience=audience or (),
        source=str(meta["source"]).strip(),
        reviewed_by=str(meta["reviewed_by"]).strip(),
        review_date=review_date,  # type: ignore[arg-type]  # checked above
        expires=expires,  # type: ignore[arg-type]
        body=body,
        questions=questions or (),
        not_for=not_for or (),
        instead=str(meta["instead"]).strip() if meta.get("instead") else None,
    )


def load_articles(directory: Path) -> list[Article]:
    """Every `*.md` article of a folder, validated; all problems are reported together."""
    if not directory.is_dir():
        raise KnowledgeError(f"{directory}: the knowledge base folder does not exist")
    articles: list[Article] = []
    problems: list[str] = []
    for path in sorted(directory.glob("*.md")):
        try:
            articles.append(parse_article(path))
        except KnowledgeError as exc:
            problems.append(str(exc))
    if problems:
        raise KnowledgeError("\n".join(problems))
    return articles
