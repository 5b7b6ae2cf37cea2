"""The triage rule set: loading `rules.yml` and refusing a rule that could silently never fire.

A rule that reads an unknown slot, compares a categorical slot with a value it cannot take, or
cites no source is a safety defect; `load_ruleset` names the rule and the reason.
"""
from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from nlu.yaml_files import load_yaml

from bot.expressions import Expression, ExpressionError, compile_expression
from bot.flow_loader import UNKNOWN, SlotSpec

# Most urgent first; the names are the contract's triage_levels (shared/spec/vocabulary.yml).
LEVELS: tuple[str, ...] = ("emergency", "urgent", "consult", "selfcare")
DEFAULT_RULES_PATH = Path(__file__).with_name("rules.yml")

_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_RULE_KEYS = {"id", "level", "when", "reason", "reason_en", "source", "advice", "banner"}
_MODIFIER_KEYS = {"id", "when", "reason", "reason_en", "source"}
_TOP_KEYS = {"version", "sources", "extra_codes", "rules", "modifiers"}


class RulesetError(ValueError):
    """The rule file is invalid; the message names the file and the rule."""


@dataclass(frozen=True)
class Explained:
    """What the patient is told about a rule or modifier: the reason, in Chinese and English."""

    reason: str
    reason_en: str

    def reason_in(self, language: str) -> str:
        return self.reason_en if language == "en" and self.reason_en else self.reason


@dataclass(frozen=True)
class Rule(Explained):
    """One piece of triage evidence and the level it sets."""

    id: str
    level: str
    when: Expression
    source: str  # the cited document, resolved from `sources`
    advice: str | None = None  # emergency rules: what to do while waiting (response suffix)
    # Emergency rules of their own kind (suicidal ideation, self-harm): the first emergency message's
    # wording (response `utter_emergency_call_<banner>`); none means the general `utter_emergency_call`.
    banner: str | None = None


@dataclass(frozen=True)
class Modifier(Explained):
    """A high-risk trait that raises a selfcare or consult decision by one level."""

    id: str
    when: Expression
    source: str


@dataclass(frozen=True)
class Ruleset:
    """Every rule, most urgent first, with the version that decisions record."""

    version: str  # the file's `version` plus a hash of its bytes: any edit changes it
    rules: tuple[Rule, ...]
    modifier_context: Expression
    modifiers: tuple[Modifier, ...]

    @cached_property
    def names(self) -> frozenset[str]:
        """Every slot any rule or modifier reads."""
        exprs = [r.when for r in self.rules] + [m.when for m in self.modifiers] + [self.modifier_context]
        return frozenset().union(*(e.names for e in exprs))

    @cached_property
    def sorted_names(self) -> tuple[str, ...]:
        return tuple(sorted(self.names))

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)


def load_ruleset(
    slots: Mapping[str, SlotSpec],
    path: Path = DEFAULT_RULES_PATH,
    map_keys: Mapping[str, Collection[str]] | None = None,
    advice: Collection[str] | None = None,
    banners: Collection[str] | None = None,
) -> Ruleset:
    """Read and check the rule file against the declared slots.

    `map_keys` (e.g. {"symptoms": codes}) makes a misspelt symptom code an error; `advice`
    (the advice names that have responses) does the same for an emergency rule's advice, and
    `banners` (the banner names that have responses) for its `banner`.
    """
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise RulesetError(f"{path}: cannot read the rule file: {exc.strerror}") from None
    try:
        data = load_yaml(raw_bytes.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RulesetError(f"{path.name}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RulesetError(f"{path.name}: the top level must be a mapping with version, sources, rules")
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise RulesetError(f"{path.name}: unknown top-level key(s) {sorted(unknown)}")
    version = data.get("version")
    if not isinstance(version, str | int | float) or not str(version).strip():
        raise RulesetError(f"{path.name}: a `version` is required")
    sources = data.get("sources")
    if not isinstance(sources, dict) or not sources:
        raise RulesetError(f"{path.name}: `sources` must map source keys to document names")
    extra = data.get("extra_codes") or {}
    if not isinstance(extra, dict) or not all(isinstance(v, list) for v in extra.values()):
        raise RulesetError(f"{path.name}: `extra_codes` must map a map slot to a list of codes")
    known_keys = None
    if map_keys is not None:
        known_keys = {head: {*map_keys.get(head, ()), *map(str, extra.get(head, ()))} for head in {*map_keys, *extra}}
    checker = _Checker(path.name, slots, known_keys, sources)

    raw_rules = data.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise RulesetError(f"{path.name}: `rules` must be a non-empty list")
    seen: set[str] = set()
    rules: list[Rule] = []
    for position, raw in enumerate(raw_rules, start=1):
        rule = checker.rule(position, raw, seen)
        if rule.advice is not None and advice is not None and rule.advice not in advice:
            raise RulesetError(f"{path.name}: rule '{rule.id}': advice '{rule.advice}' has no response")
        if rule.banner is not None and banners is not None and rule.banner not in banners:
            raise RulesetError(f"{path.name}: rule '{rule.id}': banner '{rule.banner}' has no response")
        rules.append(rule)

    raw_mods = data.get("modifiers")
    if not isinstance(raw_mods, dict) or set(raw_mods) != {"context", "rules"}:
        raise RulesetError(f"{path.name}: `modifiers` must have exactly `context` and `rules`")
    context = checker.expression("modifiers.context", raw_mods["context"])
    if not isinstance(raw_mods["rules"], list):
        raise RulesetError(f"{path.name}: `modifiers.rules` must be a list")
    modifiers = tuple(checker.modifier(i, raw, seen) for i, raw in enumerate(raw_mods["rules"], start=1))

    digest = hashlib.sha256(raw_bytes).hexdigest()[:8]
    # Most urgent first, file order within a level: the order reasons are shown in.
    ordered = sorted(rules, key=lambda r: LEVELS.index(r.level))
    return Ruleset(f"{version}+{digest}", tuple(ordered), context, modifiers)


class _Checker:
    """Validation of one file's entries, with error messages that name the rule."""

    def __init__(
        self,
        file: str,
        slots: Mapping[str, SlotSpec],
        map_keys: Mapping[str, Collection[str]] | None,
        sources: dict[str, Any],
    ) -> None:
        self.file = file
        self.slots = slots
        self.map_keys = map_keys or {}
        self.sources = sources

    def fail(self, where: str, message: str) -> RulesetError:
        return RulesetError(f"{self.file}: {where}: {message}")

    def rule(self, position: int, raw: Any, seen: set[str]) -> Rule:
        where, fields = self._common(f"rule #{position}", raw, _RULE_KEYS, seen)
        level = raw.get("level")
        if level not in LEVELS:
            raise self.fail(where, f"unknown level {level!r}; use one of {', '.join(LEVELS)}")
        advice = raw.get("advice")
        if level == "emergency" and not isinstance(advice, str):
            raise self.fail(where, "an emergency rule needs `advice` (what to do while waiting)")
        if level != "emergency" and advice is not None:
            raise self.fail(where, "`advice` is only for emergency rules")
        banner = raw.get("banner")
        if banner is not None and (level != "emergency" or not isinstance(banner, str)):
            raise self.fail(where, "`banner` (the emergency message's wording) is a name, only for emergency rules")
        return Rule(level=level, advice=advice, banner=banner, **fields)

    def modifier(self, position: int, raw: Any, seen: set[str]) -> Modifier:
        _, fields = self._common(f"modifier #{position}", raw, _MODIFIER_KEYS, seen)
        return Modifier(**fields)

    def _common(self, where: str, raw: Any, keys: set[str], seen: set[str]) -> tuple[str, dict[str, Any]]:
        if not isinstance(raw, dict):
            raise self.fail(where, "must be a mapping")
        rule_id = raw.get("id")
        if not isinstance(rule_id, str) or not _ID.match(rule_id):
            raise self.fail(where, f"id {rule_id!r} must look like 'area.name' (lowercase, digits, _)")
        where = f"rule '{rule_id}'"
        if rule_id in seen:
            raise self.fail(where, "the id is used twice")
        seen.add(rule_id)
        unknown = set(raw) - keys
        if unknown:
            raise self.fail(where, f"unknown key(s) {sorted(unknown)}")
        reason = raw.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise self.fail(where, "a patient-facing `reason` is required")
        reason_en = raw.get("reason_en", "")
        if not isinstance(reason_en, str):
            raise self.fail(where, "`reason_en` must be text")
        source = raw.get("source")
        if source is None:
            raise self.fail(where, "a `source` is required")
        if source not in self.sources:
            raise self.fail(where, f"source {source!r} is not one of `sources` ({', '.join(self.sources)})")
        if "when" not in raw:
            raise self.fail(where, "the evidence `when` is required")
        when = self.expression(where, raw["when"])
        fields = {"id": rule_id, "when": when, "reason": reason.strip(), "reason_en": reason_en.strip(),
                  "source": str(self.sources[source])}
        return where, fields

    def expression(self, where: str, source: Any) -> Expression:
        if not isinstance(source, str):
            raise self.fail(where, f"the condition must be text, not {source!r}")
        try:
            expr = compile_expression(source)
        except ExpressionError as exc:
            raise self.fail(where, f"bad condition: {exc}") from None
        for name in sorted(expr.names):
            self._spec(where, name)
        self._check_constants(where, expr.tree)
        return expr

    def _spec(self, where: str, name: str) -> SlotSpec:
        head, _, key = name.partition(".")
        spec = self.slots.get(head)
        if spec is None:
            raise self.fail(where, f"unknown slot '{head}'")
        if not key:
            return spec
        if spec.type != "map":
            raise self.fail(where, f"'{name}': slot '{head}' is not a map")
        known = self.map_keys.get(head)
        if known is not None and key not in known:
            raise self.fail(where, f"unknown {head} code '{key}'")
        return SlotSpec(name=name, type="bool", label=spec.label)

    def _check_constants(self, where: str, tree: ast.expr) -> None:
        """A constant compared with a slot must be a value that slot can take."""
        for node in ast.walk(tree):
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            for left, right in zip(operands, operands[1:]):
                for slot_node, other in ((left, right), (right, left)):
                    name = _slot_name(slot_node)
                    if name is None:
                        continue
                    for value in _constants(other):
                        self._check_value(where, name, value)

    def _check_value(self, where: str, name: str, value: Any) -> None:
        if value is None or value == UNKNOWN:
            return  # any slot may be `unknown`: a question asked twice and not answered (round 11)
        spec = self._spec(where, name)
        if spec.type == "categorical" and value not in spec.values:
            raise self.fail(where, f"'{name}' is never {value!r}; its values are {', '.join(spec.values)}")
        if spec.type == "bool" and not isinstance(value, bool):
            raise self.fail(where, f"'{name}' is true or false, not {value!r}")
        if spec.type in ("float", "int"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise self.fail(where, f"'{name}' is a number, not {value!r}")
            if (spec.min is not None and value < spec.min) or (spec.max is not None and value > spec.max):
                raise self.fail(where, f"{value} is outside the range of '{name}' ({spec.min}–{spec.max})")


_NAMED_CONSTANTS = {"true": True, "false": False, "none": None, "null": None}


def _slot_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return None if node.id.lower() in _NAMED_CONSTANTS else node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    return None


def _constants(node: ast.expr) -> list[Any]:
    """The literal values of an operand (several for a list); none when it is not a literal."""
    if isinstance(node, ast.Constant):
        return [node.value]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
        return [-node.operand.value]
    if isinstance(node, ast.Name) and node.id.lower() in _NAMED_CONSTANTS:
        return [_NAMED_CONSTANTS[node.id.lower()]]
    if isinstance(node, ast.List | ast.Tuple):
        return [v for elt in node.elts for v in _constants(elt)]
    return []
