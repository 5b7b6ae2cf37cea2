"""Which intake questions can still change the decision (round 6 of issue 10: the question budget).

A question is worth asking while its answer — or a question its answer opens — could still make a
rule fire that is more urgent than the level already certain. The flow runner asks this before
every `collect` (bot/flow_runner.py `ask_filter`); a question it answers "no" for is skipped and left
unanswered (missing, never "no": a missing answer never lowers a level).

- **The level already certain** is the most urgent rule that holds whatever the unanswered questions
  turn out to be (three-valued evaluation, bot/expressions.py `could_hold`). A rule that fires only
  because an answer is missing (`not (pain_score < 4)`) is not certain, so it never stops a question.
  Modifiers are left out of it (a lower floor asks more, never less).
- **Could still fire**: a rule more urgent than that level, reading the asked slot or a slot its
  answer opens, that is not already false whatever the unanswered slots turn out to be. A modifier
  counts while the certain level is selfcare or consult (it raises one level, never to emergency).
- **What an answer opens** is read from the flows: a step whose condition reads the slot (its
  questions, the flows it calls, the slots it sets), followed transitively; a free-text gate fills
  the slots below through the NLU and the answer readers.

A question that no rule and no opened question reads (who is ill, "anything else?", the
complaint in words) is always asked: only triage questions are judged here.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from bot.expressions import Expression, could_hold, restrictive_names
from bot.flow_loader import END, FlowSet

from actions.triage.decision import derive_facts
from actions.triage.ruleset import LEVELS, Ruleset

# Free-text questions whose answer the NLU and the answer readers turn into other slots.
GATE_FILLS: dict[str, tuple[str, ...]] = {
    "conditions_answer": ("conditions.*", "underlying_worsening"),
    "exposure_answer": ("travel_malaria", "tick_grass_exposure"),
    "medicines_taken": ("symptoms.poisoning", "medications"),
    # "Still above 38.5 ℃ after medicine?" is answered with the medicines and how many
    # ("吃了四次泰诺林，又吃了白加黑"): an overdose said there is read like any other.
    "fever_persists_despite_medication": ("symptoms.poisoning", "medications"),
    # The fever question is answered with a reading ("38度5"); the alertness question with a faint.
    "symptoms.fever": ("temperature",),
    "symptoms.confusion": ("symptoms.syncope", "symptoms.drowsiness"),
    # "Anything else?" and the complaint in words may name any symptom: while either is still to be
    # asked, no symptom is taken as never to be told.
    "other_symptoms": ("symptoms.*",),
    "complaint_text": ("symptoms.*",),
    "age": ("age_months",),
    "age_months": ("age",),
    "pregnant": ("conditions.pregnancy", "pregnancy_weeks"),
}


ROUTE_LABELS = frozenset({"chief_complaint"})
_SELFCARE = LEVELS.index("selfcare")


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(name == p or (p.endswith(".*") and name.startswith(p[:-1])) for p in patterns)


def _matcher(patterns: Iterable[str]) -> Callable[[str], bool]:
    """`_matches(name, patterns)` for one set of patterns, built once: a set lookup and one
    `startswith` over the prefixes of its `x.*` patterns."""
    exact = frozenset(patterns)
    prefixes = tuple(p[:-1] for p in exact if p.endswith(".*"))
    if not prefixes:
        return exact.__contains__
    return lambda name: name in exact or name.startswith(prefixes)


class QuestionFilter:
    """`worth_asking(slot, slots)`: whether the question for `slot` can still change the decision."""

    def __init__(self, ruleset: Ruleset, flows: FlowSet) -> None:
        self.ruleset = ruleset
        self.opens = _opened_by(flows)
        self.read = ruleset.names | {n for m in ruleset.modifiers for n in m.when.names}
        # For a slot name: the indices of the `opens` entries whose condition reads it (static; built
        # on first use). Round 9 of perf: scanning every entry for every name was a third of an intake turn.
        self._readers: dict[str, tuple[int, ...]] = {}
        # (level, condition) of every rule, most urgent first (stable: the file's order within a level).
        self._by_level = sorted(((LEVELS.index(r.level), r.when) for r in ruleset.rules), key=lambda pair: pair[0])

    def _reading(self, name: str) -> tuple[int, ...]:
        found = self._readers.get(name)
        if found is None:
            found = tuple(i for i, (names, _, _) in enumerate(self.opens) if any(_matches(n, (name,)) for n in names))
            self._readers[name] = found
        return found

    def closure(self, slot: str, facts: dict[str, Any]) -> set[str]:
        """The slot, what its answer fills, and every slot asked by a step its answer may open,
        transitively: a step whose condition reads it and can still hold (whatever is unanswered)."""
        seen: set[str] = set()
        done: set[int] = set()  # entries whose slots are already queued (the set is the same in any order)
        todo = [slot, *GATE_FILLS.get(slot, ())]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            todo.extend(GATE_FILLS.get(name, ()))
            for index in self._reading(name):
                if index in done:
                    continue
                _, when, opened = self.opens[index]
                done.add(index)
                if opened <= seen:
                    continue  # nothing it opens is new, whatever its condition says
                if when is None or could_hold(when, facts) is not False:
                    todo.extend(opened)
        return seen

    def worth_asking(self, slot: str, slots: dict[str, Any], later: Iterable[str] | None = None) -> bool:
        """Whether the answer to `slot` can still change the decision. `later`: the slots the running
        flows may still ask or set after this question (None: anything may still be asked). A slot
        neither this answer nor a later question can fill stays missing, and is read as missing."""
        facts = derive_facts(slots)
        targets = self.closure(slot, facts)
        targeted = _matcher(targets)
        if not any(targeted(n) for n in self.read):
            return True  # not a triage question
        open_names = set(targets) | {"unknown_red_flags"}
        if later is not None:
            todo = list(later)
            while todo:
                name = todo.pop()
                if name not in open_names:
                    open_names.add(name)
                    todo.extend(GATE_FILLS.get(name, ()))

        is_open = None if later is None else _matcher(open_names)  # None: every missing slot may still be told

        # The floor: the most urgent level of a rule certain to hold. Rules are read most urgent first, up
        # to the first certain one; each value is kept for "could a more urgent rule still fire" below
        # (every rule more urgent than the floor was read on the way), so no rule is evaluated twice.
        floor = _SELFCARE
        more_urgent: list[tuple[int, Expression, bool | None]] = []
        for level, when in self._by_level:
            if level >= floor:
                break
            value = could_hold(when, facts, is_open)
            if value is True:
                floor = level
                break
            more_urgent.append((level, when, value))
        if floor == 0:
            return False  # an emergency is certain: decide now

        def can_fire(expression: Expression) -> bool:
            return any(targeted(n) for n in expression.names) and could_hold(expression, facts, is_open) is not False

        if any(level < floor and value is not False and any(targeted(n) for n in when.names)
               for level, when, value in more_urgent):
            return True
        if LEVELS[floor] in ("consult", "selfcare") and could_hold(self.ruleset.modifier_context, facts, is_open) is not False:
            return any(can_fire(m.when) for m in self.ruleset.modifiers)
        return False


def _opened_by(flows: FlowSet) -> list[tuple[frozenset[str], Expression | None, set[str]]]:
    """(the slots a condition reads, the condition, the slots asked or set where it holds) for every
    step condition of every flow; a branch (`next`) opens every later step of its flow."""
    opens: list[tuple[frozenset[str], Expression | None, set[str]]] = []

    def flow_slots(flow_id: str, seen: set[str]) -> set[str]:
        if flow_id in seen or flow_id not in flows.flows:
            return set()
        seen.add(flow_id)
        found: set[str] = set()
        for step in flows.flows[flow_id].steps:
            found |= step_slots(step, seen)
        return found

    def step_slots(step: Any, seen: set[str]) -> set[str]:
        if step.kind == "collect":
            return {str(step.arg)}
        if step.kind == "set_slots":
            # The complaint's label is set once, by the first complaint flow that runs: what it opens
            # is already opened by the symptoms that chose that flow.
            return {str(k) for k in step.arg} - ROUTE_LABELS
        if step.kind in ("call", "link"):
            return flow_slots(str(step.arg), set(seen))
        return set()

    for flow in flows.flows.values():
        for index, step in enumerate(flow.steps):
            if step.when is not None:
                # Only where an unanswered slot could keep the step from running does its question open it.
                opens.append((restrictive_names(step.when), step.when, step_slots(step, set())))
            if isinstance(step.next, tuple):
                # A branch decides which steps are passed over: those between its nearest and its
                # farthest target (the fall-through counts as a target).
                targets = {len(flow.steps) if b.target == END else flow.step_index[b.target] for b in step.next}
                if all(b.condition is not None for b in step.next):
                    targets.add(index + 1)
                between: set[str] = set()
                for after in flow.steps[min(targets):max(targets)]:
                    between |= step_slots(after, set())
                for branch in step.next:
                    if branch.condition is not None:
                        opens.append((branch.condition.names, None, between))
    return opens


def question_filter(ruleset: Ruleset, flows: FlowSet) -> Callable[[str, dict[str, Any], Iterable[str]], bool]:
    return QuestionFilter(ruleset, flows).worth_asking


__all__ = ["GATE_FILLS", "QuestionFilter", "question_filter"]
