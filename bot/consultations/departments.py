"""Departments that take live consultations, read from config.yml `consultations.departments`."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.config import Config, ConfigError
from bot.expressions import Expression, ExpressionError, compile_expression

# Used when config.yml names no departments: the clinics of the Fujian COVID internet hospitals.
DEFAULT_DEPARTMENTS: tuple[dict[str, Any], ...] = (
    {"code": "fever", "name": "发热门诊"},
    {"code": "respiratory", "name": "呼吸与危重症医学科"},
    {"code": "infectious", "name": "感染科"},
    {"code": "pediatrics", "name": "儿科"},
    {"code": "tcm", "name": "中医科"},
    {"code": "psychology", "name": "心理科"},
    {"code": "pharmacy", "name": "药学门诊"},
    {"code": "general", "name": "全科"},
)


@dataclass(frozen=True)
class Department:
    """One department: a stable code (used in APIs and rosters) and the name patients see."""

    code: str
    name: str
    fee_fen: int = 0  # consultation fee in fen (1/100 yuan); 0 = free

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "fee_fen": self.fee_fen}


@dataclass(frozen=True)
class Departments:
    """All configured departments, in the order configured, and the default one for "转人工"."""

    items: tuple[Department, ...]
    default: str

    def get(self, code: str) -> Department:
        for d in self.items:
            if d.code == code:
                return d
        raise KeyError(code)

    def __contains__(self, code: object) -> bool:
        return any(d.code == code for d in self.items)

    def codes(self) -> list[str]:
        return [d.code for d in self.items]

    def find(self, text: str) -> Department | None:
        """A department by code or by its Chinese name (what a patient or admin may type)."""
        text = text.strip()
        return next((d for d in self.items if text in (d.code, d.name)), None)


def load_departments(config: Config) -> Departments:
    section = config.section("consultations")
    raw = section.get("departments") or list(DEFAULT_DEPARTMENTS)
    fee = section.get("fee") or {}
    default_fee = int(fee.get("amount_fen", 0)) if fee.get("mode", "free") == "order" else 0
    items: list[Department] = []
    for entry in raw:
        if not isinstance(entry, dict) or not entry.get("code") or not entry.get("name"):
            raise ConfigError(f"{config.path}: every consultations.departments entry needs a code and a name")
        fee_fen = int(entry.get("fee_fen", default_fee)) if fee.get("mode", "free") == "order" else 0
        items.append(Department(str(entry["code"]), str(entry["name"]), fee_fen))
    codes = [d.code for d in items]
    if len(set(codes)) != len(codes):
        raise ConfigError(f"{config.path}: consultations.departments has a code twice")
    default = str(section.get("default_department") or codes[0])
    if default not in codes:
        raise ConfigError(f"{config.path}: consultations.default_department {default!r} is not a department")
    return Departments(tuple(items), default)


def load_routing(config: Config, departments: Departments) -> list[tuple[Expression, str]]:
    """`consultations.routing`: [{when: <condition over slots>, department: <code>}], first match wins."""
    rules: list[tuple[Expression, str]] = []
    for entry in config.section("consultations").get("routing") or []:
        if not isinstance(entry, dict) or entry.get("department") not in departments:
            raise ConfigError(f"{config.path}: every consultations.routing entry needs a known department")
        try:
            rules.append((compile_expression(str(entry.get("when", "true"))), str(entry["department"])))
        except ExpressionError as exc:
            raise ConfigError(f"{config.path}: consultations.routing: {exc}") from exc
    return rules
