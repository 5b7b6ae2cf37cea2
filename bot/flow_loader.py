"""Loading and validating flows and slots from `flows/*.yml` (see docs/flows.md)."""
from __future__ import annotations

from bot.config import ConfigError

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Collection, Iterable

import yaml

from nlu.yaml_files import SafeLoader

from bot.expressions import Expression, ExpressionError, compile_expression

SLOT_TYPES = ("text", "float", "int", "bool", "categorical", "map", "list", "any")
STEP_KINDS = ("collect", "action", "utter", "set_slots", "call", "link", "end")
END = "END"
# The value of a slot whose question was asked but not answered (after two re-asks, or "不清楚"):
# known to be unknown, so it is not asked again, and it never satisfies a threshold or equals
# true/false. Rules read it explicitly (`slot == 'unknown'`); docs/flows.md.
UNKNOWN = "unknown"
SCALES = ("pain", "frequency", "hours", "years", "months", "count")


class FlowError(ConfigError):
    """A flow or slot file is invalid; the message names the file and line."""


class _LineLoader(SafeLoader):  # type: ignore[misc,valid-type]  # libyaml's when available (nlu/yaml_files.py)
    """A YAML loader that remembers the line of every mapping (as the key `__line__`)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass(frozen=True)
class SlotSpec:
    name: str
    type: str
    label: str = ""
    values: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    entity: str | None = None
    entity_value: Any = None  # a constant to set whenever the entity is found
    numbers_only: bool = False  # take the entity only when its value is a number
    sensitive: bool = False  # an identifying answer: the engine stores it encrypted, never in clear
    announce_correction: bool = True  # False: a choice a button changes, not a fact corrected ("已更正：…" is not said)
    # How a typed answer is read (bot/answers.py): a yes/no question compared with a number
    # ("still above 38.5 ℃?" takes "还是39度" as yes), what a number means (pain 0–10, how often
    # 0–3, hours, years, months, a count), and a categorical slot's values by meaning.
    threshold: float | None = None
    scale: str | None = None
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def coerce(self, value: Any) -> tuple[bool, Any]:
        """Check a value against the slot's type: (ok, value converted)."""
        if value is None or self.type == "any" or value == UNKNOWN:
            return True, value
        if self.type in ("float", "int"):
            if isinstance(value, bool):
                return False, None
            try:
                number = float(value)
            except (TypeError, ValueError):
                return False, None
            if number != number or (self.min is not None and number < self.min) or (
                self.max is not None and number > self.max
            ):
                return False, None
            return True, int(number) if self.type == "int" else number
        if self.type == "bool":
            if isinstance(value, bool):
                return True, value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return True, value.lower() == "true"
            return False, None
        if self.type == "categorical":
            return (True, value) if value in self.values else (False, None)
        if self.type == "map":
            return (True, value) if isinstance(value, dict) else (False, None)
        if self.type == "list":
            return (True, list(value)) if isinstance(value, list | tuple) else (False, None)
        return (True, str(value)) if isinstance(value, str | int | float) else (False, None)


@dataclass(frozen=True)
class Branch:
    condition: Expression | None  # None: the `else` branch
    target: str


@dataclass(frozen=True)
class Step:
    kind: str  # one of STEP_KINDS, or "noop" for a step that only branches
    file: str
    line: int
    id: str | None = None
    arg: Any = None  # the slot, action, response, flow or slot values
    ask: str | None = None
    reask: str | None = None
    when: Expression | None = None
    always_ask: bool = False
    next: str | tuple[Branch, ...] | None = None
    # Session seven (fix11c): what a question given up says and records instead of the medical "先记为不清楚"
    # (`give_up: {say: utter_…, value: …}`; without `value` the answer is `unknown`).
    give_up_say: str | None = None
    give_up_value: Any = None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Flow:
    id: str
    file: str
    line: int
    name: str = ""
    description: str = ""
    trigger_intents: tuple[str, ...] = ()
    trigger_when: Expression | None = None
    # Newcomer trial 13 (talk8): `trigger.during` — the flow starts only while one of these flows is on the stack
    # with a question pending, and before any flow without it ("我到底要不要去医院" in an intake is impatience,
    # not a question for the knowledge base).
    trigger_during: tuple[str, ...] = ()
    digression: bool = True
    # Where to go when the patient cannot answer several questions in a row (bot/flow_runner.py):
    # the intake stops asking and decides on what it knows, so nobody is questioned forever.
    when_unanswered: str | None = None
    # Session seven (fix11c): a service flow's own words for a question given up (never the medical 不清楚/120 text).
    give_up: str | None = None
    # Newcomer trial 12: every message typed while this flow runs that holds an ID-card or mobile number is sealed
    # like the answer to a sensitive question (bot/engine.py), whichever question it answers (card binding).
    seal_identifiers: bool = False
    steps: tuple[Step, ...] = ()
    step_index: dict[str, int] = field(default_factory=dict)


@dataclass
class FlowSet:
    flows: dict[str, Flow]
    slots: dict[str, SlotSpec]

    def slot_spec(self, name: str) -> SlotSpec | None:
        """The spec for a slot name; a dotted name of a map slot gets the key's spec (bool by default)."""
        head, _, key = name.partition(".")
        spec = self.slots.get(head)
        if spec is None or not key:
            return spec
        if spec.type != "map":
            return None
        return SlotSpec(name=name, type="bool", label=spec.label)

    def triggered_by(self, intent: str, slots: dict[str, Any], during: Collection[str] = ()) -> Flow | None:
        """The flow the intent starts; `during`: the flows on the stack while a question is pending (a flow
        with `trigger.during` starts only then, and comes first)."""
        candidates = [f for f in self.flows.values() if f.trigger_during and set(f.trigger_during) & set(during)]
        candidates += [f for f in self.flows.values() if not f.trigger_during]
        for flow in candidates:
            if intent in flow.trigger_intents and (flow.trigger_when is None or flow.trigger_when.evaluate(slots)):
                return flow
        return None

    def by_entity(self, entity: str) -> list[SlotSpec]:
        return [s for s in self.slots.values() if s.entity == entity]


def load_flows(directory: Path, actions: Iterable[str], responses: Iterable[str]) -> FlowSet:
    """Read every `*.yml` in `directory` (not the responses), then validate all references."""
    raw_flows: dict[str, tuple[str, dict[str, Any]]] = {}
    slots: dict[str, SlotSpec] = {}
    for path in sorted(directory.glob("*.yml")):
        name = path.name
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader) or {}
        except yaml.YAMLError as exc:
            raise FlowError(f"{name}: not valid YAML: {exc}") from None
        unknown = set(data) - {"flows", "slots", "__line__"}
        if unknown:
            raise FlowError(f"{name}:{data['__line__']}: unknown top-level key(s) {sorted(unknown)}")
        for slot_name, spec in (data.get("slots") or {}).items():
            if slot_name == "__line__":
                continue
            if slot_name in slots:
                raise FlowError(f"{name}:{spec.get('__line__', '?')}: slot '{slot_name}' is declared twice")
            slots[slot_name] = _slot_spec(name, slot_name, spec)
        for flow_id, body in (data.get("flows") or {}).items():
            if flow_id == "__line__":
                continue
            if flow_id in raw_flows:
                raise FlowError(f"{name}:{body.get('__line__', '?')}: flow '{flow_id}' is defined twice")
            raw_flows[flow_id] = (name, body)
    flows = {fid: _flow(fid, file, body) for fid, (file, body) in raw_flows.items()}
    flow_set = FlowSet(flows=flows, slots=slots)
    _validate(flow_set, set(actions), set(responses))
    return flow_set


def _slot_spec(file: str, name: str, spec: Any) -> SlotSpec:
    if not isinstance(spec, dict):
        raise FlowError(f"{file}: slot '{name}' must be a mapping")
    line = spec.get("__line__", "?")
    type_ = spec.get("type")
    if type_ not in SLOT_TYPES:
        raise FlowError(f"{file}:{line}: slot '{name}' has type {type_!r}; use one of {', '.join(SLOT_TYPES)}")
    if type_ == "categorical" and not spec.get("values"):
        raise FlowError(f"{file}:{line}: categorical slot '{name}' needs values")
    if spec.get("scale") is not None and spec["scale"] not in SCALES:
        raise FlowError(f"{file}:{line}: slot '{name}' has scale {spec['scale']!r}; use one of {', '.join(SCALES)}")
    choices = spec.get("choices") or {}
    if any(value not in (spec.get("values") or ()) for value in choices if value != "__line__"):
        raise FlowError(f"{file}:{line}: slot '{name}' has choices for values it does not declare")
    return SlotSpec(
        name=name,
        type=type_,
        label=str(spec.get("label", name)),
        values=tuple(spec.get("values") or ()),
        min=spec.get("min"),
        max=spec.get("max"),
        entity=spec.get("entity"),
        entity_value=spec.get("entity_value"),
        numbers_only=bool(spec.get("numbers_only", False)),
        sensitive=bool(spec.get("sensitive", False)),
        announce_correction=bool(spec.get("announce_correction", True)),
        threshold=spec.get("threshold"),
        scale=spec.get("scale"),
        choices={k: tuple(str(p) for p in v) for k, v in choices.items() if k != "__line__"},
    )


def _expr(file: str, line: int, source: Any) -> Expression:
    try:
        return compile_expression(str(source))
    except ExpressionError as exc:
        raise FlowError(f"{file}:{line}: {exc}") from None


def _flow(flow_id: str, file: str, body: Any) -> Flow:
    if not isinstance(body, dict):
        raise FlowError(f"{file}: flow '{flow_id}' must be a mapping")
    line = body["__line__"]
    trigger = body.get("trigger") or {}
    steps_raw = body.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise FlowError(f"{file}:{line}: flow '{flow_id}' needs a list of steps")
    steps = tuple(_step(file, line, s) for s in steps_raw)
    index: dict[str, int] = {}
    for i, step in enumerate(steps):
        if step.id:
            if step.id in index:
                raise FlowError(f"{step.where}: step id '{step.id}' is used twice in flow '{flow_id}'")
            index[step.id] = i
    return Flow(
        id=flow_id,
        file=file,
        line=line,
        name=str(body.get("name", flow_id)),
        description=str(body.get("description", "")),
        trigger_intents=tuple(trigger.get("intents") or ()),
        trigger_when=_expr(file, trigger.get("__line__", line), trigger["when"]) if trigger.get("when") else None,
        trigger_during=tuple(str(f) for f in trigger.get("during") or ()),
        digression=bool(body.get("digression", True)),
        when_unanswered=body.get("when_unanswered"),
        give_up=body.get("give_up"),
        seal_identifiers=bool(body.get("seal_identifiers", False)),
        steps=steps,
        step_index=index,
    )


def _step(file: str, flow_line: int, raw: Any) -> Step:
    if raw == "end":
        return Step(kind="end", file=file, line=flow_line)
    if not isinstance(raw, dict):
        raise FlowError(f"{file}:{flow_line}: a step must be a mapping or 'end', not {raw!r}")
    line = raw["__line__"]
    kinds = [k for k in STEP_KINDS if k in raw]
    if len(kinds) > 1:
        raise FlowError(f"{file}:{line}: a step does one thing; this one has {kinds}")
    known = {"id", "next", "when", "ask", "reask", "always_ask", "give_up", "__line__", *STEP_KINDS}
    unknown = set(raw) - known
    if unknown:
        raise FlowError(f"{file}:{line}: unknown step key(s) {sorted(unknown)}")
    kind = kinds[0] if kinds else "noop"
    if kind == "noop" and "next" not in raw:
        raise FlowError(f"{file}:{line}: a step needs one of {', '.join(STEP_KINDS)} or a next")
    arg = raw.get(kind)
    if kind == "set_slots":
        if not isinstance(arg, dict):
            raise FlowError(f"{file}:{line}: set_slots needs a mapping of slot: value")
        arg = {k: v for k, v in arg.items() if k != "__line__"}
    return Step(
        kind=kind,
        file=file,
        line=line,
        id=raw.get("id"),
        arg=arg,
        ask=raw.get("ask"),
        reask=raw.get("reask"),
        when=_expr(file, line, raw["when"]) if "when" in raw else None,
        always_ask=bool(raw.get("always_ask", False)),
        next=_next(file, line, raw.get("next")),
        give_up_say=(raw.get("give_up") or {}).get("say") if isinstance(raw.get("give_up"), dict) else raw.get("give_up"),
        give_up_value=(raw.get("give_up") or {}).get("value") if isinstance(raw.get("give_up"), dict) else None,
    )


def _next(file: str, line: int, raw: Any) -> str | tuple[Branch, ...] | None:
    if raw is None or isinstance(raw, str):
        return raw
    if not isinstance(raw, list):
        raise FlowError(f"{file}:{line}: next must be a step id, END, or a list of branches")
    branches = []
    for b in raw:
        if not isinstance(b, dict):
            raise FlowError(f"{file}:{line}: a branch must be a mapping with if/then or else")
        if "else" in b:
            branches.append(Branch(None, str(b["else"])))
        elif "if" in b and "then" in b:
            branches.append(Branch(_expr(file, b.get("__line__", line), b["if"]), str(b["then"])))
        else:
            raise FlowError(f"{file}:{b.get('__line__', line)}: a branch needs if/then or else")
    return tuple(branches)


def _validate(flow_set: FlowSet, actions: set[str], responses: set[str]) -> None:
    def check_slot(step_or_flow: Any, name: str) -> None:
        if flow_set.slot_spec(name) is None:
            raise FlowError(f"{step_or_flow.file}:{step_or_flow.line}: unknown slot '{name}'")

    def check_response(where: Step, key: str | None) -> None:
        if key is not None and key not in responses:
            raise FlowError(f"{where.where}: unknown response '{key}'")

    unconditional: dict[str, Flow] = {}
    for flow in flow_set.flows.values():
        for intent in flow.trigger_intents if flow.trigger_when is None and not flow.trigger_during else ():
            if intent in unconditional:
                other = unconditional[intent]
                raise FlowError(
                    f"{flow.file}:{flow.line}: intent '{intent}' starts both flow '{other.id}' ({other.file}:{other.line}) "
                    f"and flow '{flow.id}'; give one of them a trigger condition"
                )
            unconditional[intent] = flow
        if flow.give_up is not None:
            check_response(flow.steps[0], flow.give_up)
        for during in flow.trigger_during:
            if during not in flow_set.flows:
                raise FlowError(f"{flow.file}:{flow.line}: trigger.during names an unknown flow '{during}'")
        if flow.when_unanswered is not None and flow.when_unanswered not in flow_set.flows:
            raise FlowError(f"{flow.file}:{flow.line}: when_unanswered names an unknown flow '{flow.when_unanswered}'")
        if flow.trigger_when is not None:
            for name in flow.trigger_when.names:
                check_slot(flow, name)
        for step in flow.steps:
            for name in step.when.names if step.when else ():
                check_slot(step, name)
            if step.kind == "collect":
                check_slot(step, str(step.arg))
                if not step.ask:
                    raise FlowError(f"{step.where}: collect '{step.arg}' needs an ask response")
                check_response(step, step.ask)
                check_response(step, step.reask)
                check_response(step, step.give_up_say)
            elif step.kind == "action":
                if step.arg not in actions and step.arg not in responses:
                    raise FlowError(f"{step.where}: unknown action '{step.arg}'")
            elif step.kind == "utter":
                check_response(step, step.arg)
            elif step.kind == "set_slots":
                for name in step.arg:
                    check_slot(step, name)
            elif step.kind in ("call", "link") and step.arg not in flow_set.flows:
                raise FlowError(f"{step.where}: unknown flow '{step.arg}'")
            targets = [step.next] if isinstance(step.next, str) else [b.target for b in step.next or ()]
            for branch in step.next if isinstance(step.next, tuple) else ():
                for name in branch.condition.names if branch.condition else ():
                    check_slot(step, name)
            for target in targets:
                if target != END and target not in flow.step_index:
                    raise FlowError(f"{step.where}: unknown step id '{target}' in flow '{flow.id}'")
