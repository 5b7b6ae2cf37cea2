"""Loading and checking the home-care guidance content files (actions/guidance/content/*.yml)."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from nlu.yaml_files import load_yaml

from bot.expressions import Expression, ExpressionError, compile_expression

CONTENT_DIR = Path(__file__).parent / "content"


class GuidanceContentError(ValueError):
    """A content file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Product:
    """A medicine the guidance may name, with what it contains."""

    code: str
    ingredients: frozenset[str]
    classes: frozenset[str]
    name: dict[str, str]  # language -> display name
    sources: tuple[str, ...]
    avoid_in_pregnancy: bool = False  # `pregnancy: avoid`: never recommended to a pregnant patient


@dataclass(frozen=True)
class ChildDosing:
    """A weight-based single dose for children, from the label."""

    product: str
    mg_per_kg: tuple[float, float]
    max_single_mg: float
    min_age_months: float
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    """One piece of guidance: shown when `when` holds for the patient."""

    id: str
    group: str
    when: Expression
    recommends: str | None
    sources: tuple[str, ...]
    text: dict[str, str]  # language -> text with `{fact}` placeholders


@dataclass(frozen=True)
class GuidanceContent:
    """Everything in the content folder, checked."""

    version: str
    sources: dict[str, str]
    groups: dict[str, dict[str, str]]  # group id -> language -> title, in sending order
    entries: tuple[Entry, ...]
    products: dict[str, Product]
    child_dosing: dict[str, ChildDosing]


def _read(path: Path) -> dict[str, Any]:
    try:
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise GuidanceContentError(f"{path}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise GuidanceContentError(f"{path}: the top level must be a mapping")
    return data


def _sources(where: str, raw: Any, known: dict[str, str]) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        raise GuidanceContentError(f"{where}: every item must cite at least one source")
    unknown = [s for s in raw if s not in known]
    if unknown:
        raise GuidanceContentError(f"{where}: unknown source {unknown[0]!r} (see sources.yml)")
    return tuple(raw)


def _texts(where: str, raw: dict[str, Any]) -> dict[str, str]:
    texts = {lang: raw[lang] for lang in ("zh", "en") if isinstance(raw.get(lang), str)}
    if "zh" not in texts:
        raise GuidanceContentError(f"{where}: a Chinese text (zh) is required")
    return texts


def load_content(directory: Path = CONTENT_DIR) -> GuidanceContent:
    """Read sources.yml, medicines.yml and home_care.yml; raise on anything a reviewer would miss."""
    sources = {str(k): str(v) for k, v in _read(directory / "sources.yml").items()}
    medicines_path = directory / "medicines.yml"
    medicines = _read(medicines_path)
    products: dict[str, Product] = {}
    for code, raw in (medicines.get("products") or {}).items():
        where = f"{medicines_path}: product {code!r}"
        products[code] = Product(
            code=code,
            ingredients=frozenset(raw.get("ingredients") or ()),
            classes=frozenset(raw.get("classes") or ()),
            name=_texts(where, raw.get("name") or {}),
            sources=_sources(where, raw.get("sources"), sources),
            avoid_in_pregnancy=raw.get("pregnancy") == "avoid",
        )
    child_dosing: dict[str, ChildDosing] = {}
    for code, raw in (medicines.get("child_dosing") or {}).items():
        where = f"{medicines_path}: child_dosing {code!r}"
        if code not in products:
            raise GuidanceContentError(f"{where}: not a product of this file")
        low, high = raw["mg_per_kg"]
        child_dosing[code] = ChildDosing(
            product=code,
            mg_per_kg=(float(low), float(high)),
            max_single_mg=float(raw["max_single_mg"]),
            min_age_months=float(raw["min_age_months"]),
            sources=_sources(where, raw.get("sources"), sources),
        )

    care_path = directory / "home_care.yml"
    care = _read(care_path)
    groups = {str(g): _texts(f"{care_path}: group {g!r}", t or {}) for g, t in (care.get("groups") or {}).items()}
    entries: list[Entry] = []
    seen: set[str] = set()
    for raw in care.get("entries") or []:
        entry_id = raw.get("id")
        where = f"{care_path}: entry {entry_id!r}"
        if not entry_id or entry_id in seen:
            raise GuidanceContentError(f"{where}: every entry needs a unique id")
        seen.add(entry_id)
        if raw.get("group") not in groups:
            raise GuidanceContentError(f"{where}: unknown group {raw.get('group')!r}")
        if raw.get("recommends") is not None and raw["recommends"] not in products:
            raise GuidanceContentError(f"{where}: recommends unknown product {raw['recommends']!r}")
        try:
            when = compile_expression(str(raw.get("when", "")))
        except ExpressionError as exc:
            raise GuidanceContentError(f"{where}: {exc}") from None
        entries.append(
            Entry(
                id=entry_id,
                group=raw["group"],
                when=when,
                recommends=raw.get("recommends"),
                sources=_sources(where, raw.get("sources"), sources),
                text=_texts(where, raw),
            )
        )
    return GuidanceContent(
        version=str(care.get("version", "")),
        sources=sources,
        groups=groups,
        entries=tuple(entries),
        products=products,
        child_dosing=child_dosing,
    )


@lru_cache(maxsize=1)
def default_content() -> GuidanceContent:
    """The shipped content, loaded once per process."""
    return load_content()
