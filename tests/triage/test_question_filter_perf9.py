"""perf9: the question filter's faster form answers as the one it replaced.

`Reference` below is the filter as it was before round 9 of perf (every flow condition scanned for
every slot, every rule read twice, the conditions walked as trees by `_kleene`); the shipped
`QuestionFilter` must say the same "worth asking" for random intake states, questions and
`later` sets over the real rules and flows.
"""
from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

import pytest

from actions.triage.asking import GATE_FILLS, QuestionFilter, _matches
from actions.triage.decision import derive_facts
from actions.triage.ruleset import LEVELS
from bot.expressions import Expression, _kleene


def _could_hold(expression: Expression, slots: dict[str, Any], open_: Any = None) -> bool | None:
    return _kleene(expression.tree, slots, open_ or (lambda name: True))


class Reference(QuestionFilter):
    def closure(self, slot: str, facts: dict[str, Any]) -> set[str]:
        seen: set[str] = set()
        todo = [slot, *GATE_FILLS.get(slot, ())]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            seen.add(name)
            todo.extend(GATE_FILLS.get(name, ()))
            for names, when, opened in self.opens:
                if any(_matches(n, (name,)) for n in names) and (when is None or _could_hold(when, facts) is not False):
                    todo.extend(opened)
        return seen

    def worth_asking(self, slot: str, slots: dict[str, Any], later: Iterable[str] | None = None) -> bool:
        facts = derive_facts(slots)
        targets = self.closure(slot, facts)
        if not any(_matches(n, targets) for n in self.read):
            return True
        open_names = set(targets) | {"unknown_red_flags"}
        if later is not None:
            todo = list(later)
            while todo:
                name = todo.pop()
                if name not in open_names:
                    open_names.add(name)
                    todo.extend(GATE_FILLS.get(name, ()))

        def is_open(name: str) -> bool:
            return later is None or _matches(name, open_names)

        floor = min((LEVELS.index(r.level) for r in self.ruleset.rules if _could_hold(r.when, facts, is_open) is True),
                    default=LEVELS.index("selfcare"))
        if floor == 0:
            return False

        def can_fire(expression: Expression) -> bool:
            return any(_matches(n, targets) for n in expression.names) and _could_hold(expression, facts, is_open) is not False

        if any(LEVELS.index(r.level) < floor and can_fire(r.when) for r in self.ruleset.rules):
            return True
        if LEVELS[floor] in ("consult", "selfcare") and _could_hold(self.ruleset.modifier_context, facts, is_open) is not False:
            return any(can_fire(m.when) for m in self.ruleset.modifiers)
        return False


@pytest.fixture(scope="module")
def filters(tmp_path_factory: pytest.TempPathFactory, ruleset):  # type: ignore[no-untyped-def]
    from tests.triage.conftest import embedded_runtime
    flows = embedded_runtime(tmp_path_factory.mktemp("qf9")).flows
    return QuestionFilter(ruleset, flows), Reference(ruleset, flows)


def test_the_question_filter_answers_as_before_on_random_intake_states(filters) -> None:  # type: ignore[no-untyped-def]
    fast, reference = filters
    rng = random.Random(17)
    names = sorted(fast.read | {n for names, _, opened in fast.opens for n in (*names, *opened)})
    names = [n for n in names if not n.endswith(".*")]
    values = [True, False, True, False, 0, 1, 2, 5, 12, 30, 48, 70, 90, 36.8, 38.2, 39.5, 41.0,
              "self", "child", "parent", "none", "severe", "mild", "yes"]
    answers = {"worth": 0, "not": 0}
    for _ in range(100):
        slots: dict[str, Any] = {}
        for name in rng.sample(names, rng.randint(0, 12)):
            head, _, key = name.partition(".")
            value = rng.choice(values)
            if key:
                slots.setdefault(head, {})[key] = value
            else:
                slots[head] = value
        later = None if rng.random() < 0.3 else tuple(rng.sample(names, rng.randint(0, 6)))
        for slot in rng.sample(names, 3):
            expected = reference.worth_asking(slot, slots, later)
            assert fast.worth_asking(slot, slots, later) is expected, (slot, slots, later)
            answers["worth" if expected else "not"] += 1
    assert answers["not"] > 20 and answers["worth"] > 20, answers
