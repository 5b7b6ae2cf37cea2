"""The care directory (就医去处): fever clinics, hospitals, community health centres and touring
provincial medical teams, read from `content/care/*.yml`.

Every entry carries a source and a `valid_until` date. The loader refuses a bad file with its
file and line (so `serve` does not start on it), and the queries never return an entry whose date
has passed: an out-of-date phone number or opening time sends a patient to a closed door.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.config import ConfigError
from bot.flow_loader import _LineLoader  # the flows' YAML loader that keeps each mapping's line

KINDS = ("fever_clinic", "hospital", "community_health_centre")
FACILITY_FIELDS = ("name", "kind", "county", "address", "phone", "hours", "latitude", "longitude", "services",
                   "source", "valid_until")
TEAM_FIELDS = ("team", "hospital", "county", "from", "to", "specialties", "source", "valid_until")
EARTH_RADIUS_KM = 6371.0


class DirectoryError(ConfigError):
    """A care-directory file is invalid; the message names the file and line."""


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Facility:
    name: str
    kind: str
    county: str
    city: str
    address: str
    phone: str
    hours: str
    latitude: float
    longitude: float
    services: tuple[str, ...]
    source: str
    valid_until: dt.date


@dataclass(frozen=True)
class Team:
    team: str
    hospital: str
    county: str
    where: str
    start: dt.date
    end: dt.date
    specialties: tuple[str, ...]
    source: str
    valid_until: dt.date


@dataclass(frozen=True)
class Nearby:
    facility: Facility
    km: float


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine): good to metres at a county's scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def short_county(name: str) -> str:
    """"尤溪县" → "尤溪": people often leave off 县/区/市."""
    return name[:-1] if len(name) > 2 and name[-1] in "县区市" else name


class CareDirectory:
    """The loaded directory; every query takes `today` and leaves out what expired before it."""

    def __init__(self, services: dict[str, Service], facilities: list[Facility], teams: list[Team]) -> None:
        self.services = services
        self.facilities = facilities
        self.teams = teams
        counties = {f.county for f in facilities} | {t.county for t in teams}
        # Longest names first, so "鼓楼区" is found before a shorter name inside it.
        self._county_names = sorted(
            {(name, county) for county in counties for name in (county, short_county(county))},
            key=lambda pair: -len(pair[0]),
        )

    def county_in(self, text: str) -> str | None:
        for name, county in self._county_names:
            if name in text:
                return county
        return None

    def service_in(self, text: str) -> str | None:
        for service in self.services.values():
            if any(word in text for word in service.words):
                return service.code
        return None

    def nearest(self, latitude: float, longitude: float, today: dt.date, service: str | None = None,
                limit: int = 3) -> list[Nearby]:
        found = [Nearby(f, distance_km(latitude, longitude, f.latitude, f.longitude))
                 for f in self._current(today, service)]
        return sorted(found, key=lambda n: n.km)[:limit]

    def in_county(self, county: str, today: dt.date, service: str | None = None) -> list[Facility]:
        return [f for f in self._current(today, service) if f.county == county]

    def teams_in(self, county: str, today: dt.date, service: str | None = None) -> list[Team]:
        return [t for t in self.teams if t.county == county and t.valid_until >= today and t.start <= today <= t.end
                and (service is None or service in t.specialties)]

    def _current(self, today: dt.date, service: str | None) -> list[Facility]:
        return [f for f in self.facilities if f.valid_until >= today and (service is None or service in f.services)]


def load_directory(directory: Path) -> CareDirectory:
    """Read services.yml, facilities.yml and touring_teams.yml; DirectoryError (file:line) on bad data."""
    services_raw = _read(directory / "services.yml", "services")
    services: dict[str, Service] = {}
    for code, raw in services_raw.items():
        if code == "__line__":
            continue
        where = f"{directory / 'services.yml'}:{raw.get('__line__', '?') if isinstance(raw, dict) else '?'}"
        if not isinstance(raw, dict) or not raw.get("name") or not isinstance(raw.get("words"), list):
            raise DirectoryError(f"{where}: service '{code}' needs a name and a list of words")
        services[code] = Service(code, str(raw["name"]), tuple(str(w) for w in raw["words"]))
    facilities = [_facility(directory / "facilities.yml", raw, services)
                  for raw in _read(directory / "facilities.yml", "facilities")]
    teams = [_team(directory / "touring_teams.yml", raw, services)
             for raw in _read(directory / "touring_teams.yml", "teams")]
    return CareDirectory(services, facilities, teams)


def _read(path: Path, key: str) -> Any:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 (a SafeLoader)
    except OSError as exc:
        raise DirectoryError(f"{path}: cannot read the care directory: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DirectoryError(f"{path}:{mark.line + 1 if mark else '?'}: not valid YAML") from exc
    if not isinstance(data, dict) or key not in data:
        raise DirectoryError(f"{path}:1: needs a top-level '{key}'")
    return data[key]


def _fields(path: Path, raw: Any, needed: tuple[str, ...]) -> tuple[str, dict[str, Any]]:
    if not isinstance(raw, dict):
        raise DirectoryError(f"{path}:?: an entry must be a mapping")
    where = f"{path}:{raw['__line__']}"
    missing = [name for name in needed if raw.get(name) in (None, "", [])]
    if missing:
        raise DirectoryError(f"{where}: entry {raw.get('name') or raw.get('team') or ''} lacks {', '.join(missing)}")
    return where, raw


def _date(where: str, raw: dict[str, Any], name: str) -> dt.date:
    value = raw[name]
    if not isinstance(value, dt.date):
        raise DirectoryError(f"{where}: {name} must be a date (YYYY-MM-DD), not {value!r}")
    return value


def _codes(where: str, values: Any, services: dict[str, Service]) -> tuple[str, ...]:
    unknown = [v for v in values if v not in services]
    if unknown:
        raise DirectoryError(f"{where}: unknown service(s) {unknown}; use codes from services.yml")
    return tuple(values)


def _facility(path: Path, raw: Any, services: dict[str, Service]) -> Facility:
    where, raw = _fields(path, raw, FACILITY_FIELDS)
    if raw["kind"] not in KINDS:
        raise DirectoryError(f"{where}: kind must be one of {', '.join(KINDS)}")
    try:
        latitude, longitude = float(raw["latitude"]), float(raw["longitude"])
    except (TypeError, ValueError):
        raise DirectoryError(f"{where}: latitude and longitude must be numbers") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise DirectoryError(f"{where}: coordinates out of range")
    return Facility(
        name=str(raw["name"]), kind=raw["kind"], county=str(raw["county"]), city=str(raw.get("city", "")),
        address=str(raw["address"]), phone=str(raw["phone"]), hours=str(raw["hours"]), latitude=latitude,
        longitude=longitude, services=_codes(where, raw["services"], services), source=str(raw["source"]),
        valid_until=_date(where, raw, "valid_until"),
    )


def _team(path: Path, raw: Any, services: dict[str, Service]) -> Team:
    where, raw = _fields(path, raw, TEAM_FIELDS)
    start, end = _date(where, raw, "from"), _date(where, raw, "to")
    if end < start:
        raise DirectoryError(f"{where}: 'to' is before 'from'")
    return Team(
        team=str(raw["team"]), hospital=str(raw["hospital"]), county=str(raw["county"]),
        where=str(raw.get("where", "")), start=start, end=end,
        specialties=_codes(where, raw["specialties"], services), source=str(raw["source"]),
        valid_until=_date(where, raw, "valid_until"),
    )
