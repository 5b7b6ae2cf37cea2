"""`ConversationState.copy` copies JSON-like values directly (every turn makes one): the copy must be
what `copy.deepcopy` gives — equal, of the same types, and sharing nothing mutable with the original."""
from __future__ import annotations

import copy
from collections import OrderedDict

from bot import events as ev
from bot.events import Event
from bot.state import ConversationState, Frame


def _state() -> ConversationState:
    state = ConversationState("rest:甲", "rest", "甲")
    for seq, event in enumerate(
        [
            Event(ev.USER, {"text": "我发烧三天了", "message_id": "m1"}, actor="patient"),
            Event(ev.SLOT, {"name": "intake.fever", "value": {"温度": 38.6, "天数": None, "有": True, "部位": ["头", "背"]}}),
            Event(ev.SLOT, {"name": "language", "value": "zh"}),
            Event(ev.BOT, {"text": "请问最高体温是多少？", "buttons": [{"title": "38度", "payload": "/t"}]}),
            Event(ev.STACK, {"frames": [{"flow": "intake_fever", "step": 2, "waiting_for": "temp", "collected": {"a": 1}}]}),
            Event(ev.TRIAGE, {"level": "urgent", "reasons": ["高热"], "rules": ["r1"], "ruleset": "v1"}),
            Event(ev.HANDOFF, {"status": "waiting", "doctor": None}),
        ],
        start=1,
    ):
        state.apply(Event(event.type, event.data, actor=event.actor, seq=seq))
    return state


def _assert_independent(original: ConversationState, copied: ConversationState) -> None:
    assert copied.to_dict() == original.to_dict()
    assert copied.slots is not original.slots and copied.slots["intake"] is not original.slots["intake"]
    copied.slots["intake"]["fever"]["部位"].append("腿")
    copied.stack[0].collected["b"] = 2
    copied.stack[0].step = 9
    copied.last_buttons[0]["title"] = "改"
    assert copied.latest_triage is not None and original.latest_triage is not None
    copied.latest_triage["reasons"].append("x")
    assert copied.handoff is not None
    copied.handoff["status"] = "closed"
    copied.message_ids["m2"] = 8
    assert original.slots["intake"]["fever"]["部位"] == ["头", "背"]
    assert original.stack[0].collected == {"a": 1} and original.stack[0].step == 2
    assert original.last_buttons[0]["title"] == "38度" and original.latest_triage["reasons"] == ["高热"]
    assert original.handoff == {"status": "waiting", "doctor": None} and original.message_ids == {"m1": 1}


def test_a_copy_is_what_deepcopy_gives_and_shares_nothing() -> None:
    state = _state()
    fast, deep = state.copy(), copy.deepcopy(state)
    assert fast == deep and type(fast.stack[0]) is Frame
    _assert_independent(state, fast)


def test_values_that_are_not_json_like_keep_their_types() -> None:
    state = _state()
    state.slots["when"] = (2026, 12, 7)
    state.slots["seen"] = {"咳嗽", "发烧"}
    state.slots["ordered"] = OrderedDict([("b", [1]), ("a", [2])])
    state.slots[("tuple", "key")] = 1.5
    fast = state.copy()
    assert fast == copy.deepcopy(state)
    assert type(fast.slots["ordered"]) is OrderedDict and fast.slots["ordered"] is not state.slots["ordered"]
    assert fast.slots["seen"] is not state.slots["seen"]
    fast.slots["ordered"]["b"].append(3)
    assert state.slots["ordered"]["b"] == [1]


def test_a_state_with_an_attribute_that_is_not_a_field_is_deep_copied_whole() -> None:
    state = _state()
    state.note = {"x": [1]}  # type: ignore[attr-defined]
    fast = state.copy()
    assert fast.note == {"x": [1]} and fast.note is not state.note  # type: ignore[attr-defined]
    _assert_independent(state, fast)
