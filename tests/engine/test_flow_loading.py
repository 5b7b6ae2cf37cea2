"""Flows, slots and responses are validated when loaded: every mistake names its file and line."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.flow_loader import FlowError, load_flows
from bot.responses import ResponseError, Responses

RESPONSES = {"utter_ask", "utter_done"}


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "f.yml").write_text(text, encoding="utf-8")
    return tmp_path


def load(tmp_path: Path, text: str, actions: set[str] = frozenset()):
    return load_flows(write(tmp_path, text), actions, RESPONSES)


SLOTS = "slots:\n  age: {type: float, min: 0, max: 120}\n  symptoms: {type: map}\n"


def test_a_valid_flow_loads_with_its_steps_and_trigger(tmp_path: Path) -> None:
    flows = load(tmp_path, SLOTS + "flows:\n  a:\n    trigger: {intents: [greet]}\n    steps:\n      - collect: age\n        ask: utter_ask\n      - utter: utter_done\n")
    assert [s.kind for s in flows.flows["a"].steps] == ["collect", "utter"]
    assert flows.triggered_by("greet", {}).id == "a"
    assert flows.slot_spec("symptoms.cough").type == "bool"


@pytest.mark.parametrize(
    "body, message",
    [
        ("      - action: no_such_action\n", "f.yml:7: unknown action 'no_such_action'"),
        ("      - collect: weight\n        ask: utter_ask\n", "f.yml:7: unknown slot 'weight'"),
        ("      - collect: age\n", "f.yml:7: collect 'age' needs an ask response"),
        ("      - utter: utter_nothing\n", "f.yml:7: unknown response 'utter_nothing'"),
        ("      - utter: utter_done\n        next: nowhere\n", "f.yml:7: unknown step id 'nowhere' in flow 'a'"),
        ("      - call: b\n", "f.yml:7: unknown flow 'b'"),
        ("      - utter: utter_done\n        when: \"age >\"\n", "f.yml:7: cannot parse 'age >'"),
        ("      - utter: utter_done\n        when: \"__import__('os')\"\n", "f.yml:7: unknown function '__import__'"),
        ("      - utter: utter_done\n        when: \"height > 3\"\n", "f.yml:7: unknown slot 'height'"),
        ("      - utter: utter_done\n        action: x\n", "f.yml:7: a step does one thing"),
        ("      - id: s\n        utter: utter_done\n      - id: s\n        utter: utter_done\n", "f.yml:9: step id 's' is used twice"),
    ],
)
def test_a_mistake_is_an_error_naming_file_and_line(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(FlowError) as error:
        load(tmp_path, SLOTS + "flows:\n  a:\n    steps:\n" + body)
    assert message in str(error.value)


def test_an_unknown_slot_type_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FlowError, match="f.yml:2: slot 'age' has type 'number'"):
        load(tmp_path, "slots:\n  age: {type: number}\n")


def test_a_slot_declared_in_two_files_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text(SLOTS, encoding="utf-8")
    (tmp_path / "b.yml").write_text(SLOTS, encoding="utf-8")
    with pytest.raises(FlowError, match="slot 'age' is declared twice"):
        load_flows(tmp_path, set(), RESPONSES)


def test_a_response_key_defined_twice_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "zh").mkdir()
    (tmp_path / "zh" / "a.yml").write_text("utter_x: [一]\n", encoding="utf-8")
    (tmp_path / "zh" / "b.yml").write_text("utter_x: [二]\n", encoding="utf-8")
    with pytest.raises(ResponseError, match="'utter_x' is already defined"):
        Responses.load([tmp_path])


def test_a_button_without_a_payload_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "zh").mkdir()
    (tmp_path / "zh" / "a.yml").write_text("utter_x:\n  - text: 好\n    buttons: [{title: 是}]\n", encoding="utf-8")
    with pytest.raises(ResponseError, match="a button of 'utter_x' needs a title and a payload"):
        Responses.load([tmp_path])


def test_the_projects_own_flows_and_responses_are_valid(runtime) -> None:
    # The runtime fixture loads config.yml's plugins, flows/ and flows/responses/: any mistake fails here.
    assert runtime.flows.flows and runtime.responses.has("utter_greet")
    for language in ("zh", "en"):
        assert runtime.responses.variants("utter_fallback", language)


def test_two_flows_started_by_the_same_intent_without_a_condition_is_an_error(tmp_path: Path) -> None:
    body = SLOTS + "flows:\n  a:\n    trigger: {intents: [greet]}\n    steps: [{utter: utter_t_done}]\n  b:\n    trigger: {intents: [greet]}\n    steps: [{utter: utter_t_done}]\n"
    with pytest.raises(FlowError, match="intent 'greet' starts both flow 'a'"):
        load_flows(write(tmp_path, body), set(), {"utter_t_done"})
