"""The hospital's online catalogue (线上处方目录) as reviewable data: `content/formulary/*.yml`.

`terms.yml` names the classes of medicines (and the words for them); every other file lists
medicines. The loader refuses bad data with the file and line (so `serve` does not start on it):
a missing or mistyped field, an unknown class in an interaction, a price that is not whole fen,
a medicine without a source, a code used twice.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.flow_loader import _LineLoader  # the flows' YAML loader that keeps each mapping's line

CAUTIONS = ("ok", "caution", "avoid")
SEVERITIES = ("contraindicated", "major", "moderate")
_MEDICINE_KEYS = {
    "code", "name", "ingredients", "classes", "form", "strength", "dose_unit", "unit", "pack", "adult", "child",
    "min_age_years", "max_days", "chronic", "pregnancy", "lactation", "elderly", "allergy_classes", "interactions",
    "restricted", "usage", "source",
}
_REQUIRED = ("code", "name", "ingredients", "form", "strength", "dose_unit", "unit", "pack", "pregnancy", "lactation",
             "usage", "source")


class FormularyError(ValueError):
    """The formulary's data is invalid; the message names the file and line."""


@dataclass(frozen=True)
class Interaction:
    with_: str  # a class or an ingredient code
    severity: str  # contraindicated | major | moderate
    note: str

    def to_dict(self) -> dict[str, str]:
        return {"with": self.with_, "severity": self.severity, "note": self.note}


@dataclass(frozen=True)
class Medicine:
    """One line of the catalogue. Doses are in `dose_unit`; one `unit` holds `strength` of it."""

    code: str
    name: str
    ingredients: tuple[str, ...]
    classes: tuple[str, ...]
    form: str
    strength: float
    dose_unit: str
    unit: str
    pack_size: float
    pack_unit: str
    price_fen: int
    max_single: float | None
    max_daily: float | None
    child_max_single_per_kg: float | None
    child_max_daily_per_kg: float | None
    min_age_years: float | None
    max_days: int | None
    chronic: bool
    pregnancy: str
    lactation: str
    elderly: str
    allergy_classes: tuple[str, ...]
    interactions: tuple[Interaction, ...]
    restricted: str | None
    usage: str
    source: str
    where: str = ""  # file:line, for messages

    @property
    def kinds(self) -> frozenset[str]:
        """What this medicine is, for interactions and duplicates: its ingredients and classes."""
        return frozenset((*self.ingredients, *self.classes))

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "name": self.name, "ingredients": list(self.ingredients), "classes": list(self.classes),
            "form": self.form, "strength": self.strength, "dose_unit": self.dose_unit, "unit": self.unit,
            "pack": {"size": self.pack_size, "unit": self.pack_unit, "price_fen": self.price_fen},
            "max_single": self.max_single, "max_daily": self.max_daily, "min_age_years": self.min_age_years,
            "max_days": self.max_days, "chronic": self.chronic, "pregnancy": self.pregnancy,
            "lactation": self.lactation, "restricted": self.restricted, "usage": self.usage, "source": self.source,
            "interactions": [i.to_dict() for i in self.interactions],
        }


@dataclass(frozen=True)
class Term:
    code: str
    name: str
    words: tuple[str, ...]


@dataclass
class Formulary:
    medicines: dict[str, Medicine]
    terms: dict[str, Term] = field(default_factory=dict)

    def get(self, code: str) -> Medicine | None:
        return self.medicines.get(code)

    def search(self, query: str, limit: int = 20) -> list[Medicine]:
        """Medicines whose name, code, ingredient or class words contain the query (names first)."""
        q = query.strip().lower()
        if not q:
            return list(self.medicines.values())[:limit]
        by_name = [m for m in self.medicines.values() if q in m.name.lower() or q in m.code]
        by_term = [m for m in self.medicines.values() if m not in by_name and any(
            q in word.lower() for kind in m.kinds for word in self.words_of(kind))]
        return (by_name + by_term)[:limit]

    def words_of(self, kind: str) -> tuple[str, ...]:
        term = self.terms.get(kind)
        return (term.name, *term.words) if term else (kind,)

    def name_of(self, kind: str) -> str:
        term = self.terms.get(kind)
        if term is not None:
            return term.name
        for medicine in self.medicines.values():
            if kind in medicine.ingredients and len(medicine.ingredients) == 1:
                return medicine.name
        return kind

    def kinds_in(self, text: str) -> frozenset[str]:
        """The classes and ingredients a patient's message names ("想续开二甲双胍" → metformin; "降压药" → antihypertensive)."""
        found = {code for code, term in self.terms.items()
                 if any(len(w) >= 2 and w in text for w in (term.name, *term.words))}
        for medicine in self.medicines.values():
            if medicine.name in text:
                found.update(medicine.kinds)
        return frozenset(found)

    def resolve(self, words: list[str] | tuple[str, ...]) -> frozenset[str]:
        """The class and ingredient codes of what a patient or doctor wrote ("辛伐他汀" → statin, simvastatin…)."""
        found: set[str] = set()
        for raw in words:
            word = str(raw).strip()
            if not word:
                continue
            if word in self.terms or any(word in m.kinds for m in self.medicines.values()):
                found.add(word)
                continue
            for term in self.terms.values():
                if any(w and (w in word or word in w) for w in (term.name, *term.words)) and len(word) >= 2:
                    found.add(term.code)
            for medicine in self.medicines.values():
                if medicine.name in word or (len(word) >= 3 and word in medicine.name):
                    found.update(medicine.kinds)
        return frozenset(found)


def load_formulary(directory: Path) -> Formulary:
    """Read every `*.yml` under `directory` (terms.yml first); FormularyError (file:line) on bad data."""
    directory = Path(directory)
    terms_path = directory / "terms.yml"
    if not terms_path.is_file():
        raise FormularyError(f"{terms_path}:1: the formulary needs terms.yml (the classes of medicines)")
    terms = _terms(terms_path, _read(terms_path, "classes"))
    medicines: dict[str, Medicine] = {}
    files = sorted(p for p in directory.glob("*.yml") if p.name != "terms.yml")
    if not files:
        raise FormularyError(f"{directory}: no medicine files (*.yml besides terms.yml)")
    raws: list[tuple[Path, Any]] = []
    for path in files:
        entries = _read(path, "medicines")
        if not isinstance(entries, list):
            raise FormularyError(f"{path}:1: 'medicines' must be a list")
        raws.extend((path, raw) for raw in entries)
    ingredients = {str(i) for _, raw in raws if isinstance(raw, dict) for i in raw.get("ingredients") or []}
    for path, raw in raws:
        medicine = _medicine(path, raw, set(terms) | ingredients)
        if medicine.code in medicines:
            raise FormularyError(f"{medicine.where}: code {medicine.code!r} is used twice "
                                 f"(first at {medicines[medicine.code].where})")
        medicines[medicine.code] = medicine
    return Formulary(medicines, terms)


def _read(path: Path, key: str) -> Any:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 (a SafeLoader)
    except OSError as exc:
        raise FormularyError(f"{path}: cannot read: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise FormularyError(f"{path}:{mark.line + 1 if mark else '?'}: not valid YAML") from exc
    if not isinstance(data, dict) or key not in data:
        raise FormularyError(f"{path}:1: needs a top-level '{key}'")
    return data[key]


def _terms(path: Path, raw: Any) -> dict[str, Term]:
    if not isinstance(raw, dict):
        raise FormularyError(f"{path}:1: 'classes' must be a mapping of code -> {{name, words}}")
    found: dict[str, Term] = {}
    for code, entry in raw.items():
        if code == "__line__":
            continue
        if not isinstance(entry, dict) or not entry.get("name") or not isinstance(entry.get("words"), list):
            line = entry.get("__line__", raw["__line__"]) if isinstance(entry, dict) else raw["__line__"]
            raise FormularyError(f"{path}:{line}: class {code!r} needs a name and a list of words")
        found[str(code)] = Term(str(code), str(entry["name"]), tuple(str(w) for w in entry["words"]))
    return found


def _number(where: str, raw: dict[str, Any], name: str, *, positive: bool = True, optional: bool = False) -> float | None:
    value = raw.get(name)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (positive and value <= 0) or value < 0:
        raise FormularyError(f"{where}: {name} must be a {'positive ' if positive else ''}number, not {value!r}")
    return float(value)


def _medicine(path: Path, raw: Any, known: set[str]) -> Medicine:
    if not isinstance(raw, dict):
        raise FormularyError(f"{path}:?: a medicine must be a mapping")
    where = f"{path}:{raw['__line__']}"
    unknown = sorted(set(raw) - _MEDICINE_KEYS - {"__line__"})
    if unknown:
        raise FormularyError(f"{where}: unknown field(s) {', '.join(unknown)}")
    missing = [name for name in _REQUIRED if raw.get(name) in (None, "", [])]
    if missing:
        raise FormularyError(f"{where}: medicine {raw.get('code') or raw.get('name') or ''} lacks {', '.join(missing)}")
    code = str(raw["code"])
    where = f"{where} ({code})"
    for name in ("ingredients", "classes", "allergy_classes", "interactions"):
        if raw.get(name) is not None and not isinstance(raw[name], list):
            raise FormularyError(f"{where}: {name} must be a list")
    pack = raw["pack"]
    if not isinstance(pack, dict) or not pack.get("unit"):
        raise FormularyError(f"{where}: pack needs size, unit and price_fen")
    price = pack.get("price_fen")
    if isinstance(price, bool) or not isinstance(price, int) or price <= 0:
        raise FormularyError(f"{where}: pack.price_fen must be a whole positive number of fen, not {price!r}")
    adult = raw.get("adult") or {}
    child = raw.get("child") or {}
    if not isinstance(adult, dict) or not isinstance(child, dict):
        raise FormularyError(f"{where}: adult and child must be mappings")
    max_single = _number(where, adult, "max_single", optional=True)
    max_daily = _number(where, adult, "max_daily", optional=True)
    if max_single is not None and max_daily is not None and max_single > max_daily:
        raise FormularyError(f"{where}: adult.max_single ({max_single:g}) is more than adult.max_daily ({max_daily:g})")
    for name in ("pregnancy", "lactation", "elderly"):
        if name in raw and raw[name] not in CAUTIONS:
            raise FormularyError(f"{where}: {name} must be one of {', '.join(CAUTIONS)}, not {raw[name]!r}")
    classes = tuple(str(c) for c in raw.get("classes") or ())
    for kind in classes:
        if kind not in known:
            raise FormularyError(f"{where}: class {kind!r} is not in terms.yml")
    interactions = []
    for item in raw.get("interactions") or []:
        line = f"{path}:{item.get('__line__', raw['__line__'])} ({code})" if isinstance(item, dict) else where
        if not isinstance(item, dict) or not item.get("with") or not item.get("note"):
            raise FormularyError(f"{line}: an interaction needs with, severity and note")
        if item.get("severity") not in SEVERITIES:
            raise FormularyError(f"{line}: interaction severity must be one of {', '.join(SEVERITIES)}")
        if str(item["with"]) not in known:
            raise FormularyError(f"{line}: interaction with {item['with']!r}: not a class in terms.yml nor an ingredient")
        interactions.append(Interaction(str(item["with"]), str(item["severity"]), str(item["note"])))
    max_days = raw.get("max_days")
    if max_days is not None and (isinstance(max_days, bool) or not isinstance(max_days, int) or max_days <= 0):
        raise FormularyError(f"{where}: max_days must be a whole number of days")
    restricted = raw.get("restricted")
    if restricted is not None and not isinstance(restricted, str):
        raise FormularyError(f"{where}: restricted names the category (e.g. 第二类精神药品)")
    return Medicine(
        code=code, name=str(raw["name"]), ingredients=tuple(str(i) for i in raw["ingredients"]), classes=classes,
        form=str(raw["form"]), strength=float(_number(where, raw, "strength") or 0), dose_unit=str(raw["dose_unit"]),
        unit=str(raw["unit"]), pack_size=float(_number(where, pack, "size") or 0), pack_unit=str(pack["unit"]),
        price_fen=price, max_single=max_single, max_daily=max_daily,
        child_max_single_per_kg=_number(where, child, "max_single_per_kg", optional=True),
        child_max_daily_per_kg=_number(where, child, "max_daily_per_kg", optional=True),
        min_age_years=_number(where, raw, "min_age_years", positive=False, optional=True),
        max_days=max_days, chronic=bool(raw.get("chronic", False)), pregnancy=str(raw["pregnancy"]),
        lactation=str(raw["lactation"]), elderly=str(raw.get("elderly", "ok")),
        allergy_classes=tuple(str(a) for a in raw.get("allergy_classes") or ()), interactions=tuple(interactions),
        restricted=restricted, usage=str(raw["usage"]), source=str(raw["source"]), where=where,
    )
