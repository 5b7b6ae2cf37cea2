"""The bot's sentences: response files per language, variants, buttons and `{slot}` templating."""
from __future__ import annotations

from bot.config import ConfigError

import hashlib
import json
import string
from pathlib import Path
from typing import Any

from nlu.yaml_files import load_yaml

from bot.expressions import ExpressionError, compile_expression
from bot.messages import BotMessage, Button
from bot.state import ConversationState, get_slot

DEFAULT_LANGUAGE = "zh"


class ResponseError(ConfigError):
    """A response file is malformed; the message names the file and the key."""


class _SlotValues(dict):
    """Format mapping: `{symptoms.fever}` reads a map key; unknown names render empty."""

    def __missing__(self, key: str) -> str:
        return ""


def display_value(value: Any) -> Any:
    """How a slot value reads to a patient: 39.0 → 39, 38.5 → 38.5, None → empty."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class _Formatter(string.Formatter):
    def get_field(self, field_name: str, args: Any, kwargs: Any) -> tuple[Any, str]:
        head, _, key = field_name.partition(".")
        value = kwargs.get(head, "")
        if key:
            value = value.get(key, "") if isinstance(value, dict) else ""
        return display_value(value), field_name


_FORMATTER = _Formatter()


def _format(template: str, values: dict[str, Any]) -> str:
    try:
        return _FORMATTER.vformat(template, (), _SlotValues(values))
    except (ValueError, IndexError, KeyError):
        return template


def _format_all(value: Any, values: dict[str, Any]) -> Any:
    """Template every string inside a `custom` object (e.g. a WeChat template notice's data)."""
    if isinstance(value, str):
        return _format(value, values)
    if isinstance(value, dict):
        return {k: _format_all(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_format_all(v, values) for v in value]
    return value


class Responses:
    """All responses of all languages; `render` picks the conversation's language, then zh."""

    def __init__(self, by_language: dict[str, dict[str, list[dict[str, Any]]]]) -> None:
        self._by_language = by_language

    @classmethod
    def load(cls, directories: list[Path]) -> "Responses":
        """Read `<directory>/<language>/*.yml` for every directory; a key defined twice is an error."""
        by_language: dict[str, dict[str, list[dict[str, Any]]]] = {}
        origin: dict[tuple[str, str], Path] = {}
        lang_dirs = [p for d in directories for p in sorted(d.iterdir()) if p.is_dir()]
        for lang_dir in lang_dirs:
            table = by_language.setdefault(lang_dir.name, {})
            for path in sorted(lang_dir.glob("*.yml")):
                data = load_yaml(path.read_text(encoding="utf-8")) or {}
                if not isinstance(data, dict):
                    raise ResponseError(f"{path}: the top level must map response keys to variants")
                for key, variants in data.items():
                    if (lang_dir.name, key) in origin:
                        raise ResponseError(f"{path}: response '{key}' is already defined in {origin[(lang_dir.name, key)]}")
                    origin[(lang_dir.name, key)] = path
                    table[key] = _check_variants(path, key, variants)
        if DEFAULT_LANGUAGE not in by_language:
            raise ResponseError(f"{', '.join(map(str, directories))}: no '{DEFAULT_LANGUAGE}' responses")
        return cls(by_language)

    def has(self, key: str) -> bool:
        return key in self._by_language[DEFAULT_LANGUAGE]

    @property
    def keys(self) -> set[str]:
        return set(self._by_language[DEFAULT_LANGUAGE])

    def variants(self, key: str, language: str) -> list[dict[str, Any]]:
        table = self._by_language.get(language, {})
        found = table.get(key) or self._by_language[DEFAULT_LANGUAGE].get(key)
        if found is None:
            raise KeyError(f"unknown response '{key}'")
        return found

    def render(
        self, key: str, state: ConversationState, variables: dict[str, Any] | None = None, turn_seed: int = 0
    ) -> list[BotMessage]:
        variants = self.variants(key, state.language)
        # A stable choice per conversation and position: varied for people, reproducible in tests.
        digest = hashlib.blake2s(f"{state.conversation_id}:{state.seq}:{turn_seed}:{key}".encode()).digest()
        chosen = variants[digest[0] % len(variants)]
        values = {**state.slots, **(variables or {})}
        return [
            BotMessage(
                text=_format(chosen["text"], values) if chosen.get("text") is not None else None,
                buttons=tuple(Button(_format(b["title"], values), b["payload"]) for b in chosen.get("buttons", ())
                              if not _offers_what_is_known(b["payload"], state.slots) and _fits(b, state.slots)),
                image=chosen.get("image"),
                custom=_format_all(chosen["custom"], values) if chosen.get("custom") is not None else None,
            )
        ]

    def text(self, key: str, state: ConversationState, variables: dict[str, Any] | None = None) -> str:
        return self.render(key, state, variables)[0].text or ""


def _fits(button: dict[str, Any], slots: dict[str, Any]) -> bool:
    """A button with `when` (an expression over the slots) is offered only when it holds: a baby is not
    offered 胸痛/胸闷 or 怀孕相关 (newcomer trial 9: the quick replies follow the subject's age group)."""
    when = button.get("when")
    return when is None or compile_expression(str(when)).evaluate(slots)


def _offers_what_is_known(payload: str, slots: dict[str, Any]) -> bool:
    """A choice that would only tell what the patient already said ("咳嗽" offered as another symptom
    after the cough was told): never offered (round 6 of issue 10). Only a present symptom counts."""
    start = payload.find("{")
    if start < 0:
        return False
    try:
        data = json.loads(payload[start:])
    except ValueError:
        return False
    named = {k: v for k, v in data.items() if isinstance(k, str) and k.startswith("symptoms.")} if isinstance(data, dict) else {}
    # Only a choice among symptoms (the button also answers its question's own slot): a yes/no button of
    # a symptom ("有" to "咳血吗？") is always kept.
    choice = len(named) < len(data)
    return choice and bool(named) and all(v is True and get_slot(slots, k) is True for k, v in named.items())


def _check_variants(path: Path, key: str, variants: Any) -> list[dict[str, Any]]:
    if isinstance(variants, str):
        variants = [{"text": variants}]
    if not isinstance(variants, list) or not variants:
        raise ResponseError(f"{path}: response '{key}' must be a list of variants")
    checked = []
    for v in variants:
        if isinstance(v, str):
            v = {"text": v}
        if not isinstance(v, dict) or not ({"text", "image", "custom"} & set(v)):
            raise ResponseError(f"{path}: a variant of '{key}' needs text, image or custom")
        for b in v.get("buttons", []) or []:
            if not isinstance(b, dict) or not isinstance(b.get("title"), str) or not isinstance(b.get("payload"), str):
                raise ResponseError(f"{path}: a button of '{key}' needs a title and a payload")
            if b.get("when") is not None:
                try:
                    compile_expression(str(b["when"]))
                except ExpressionError as exc:
                    raise ResponseError(f"{path}: a button of '{key}' has a bad `when`: {exc}") from None
        checked.append(v)
    return checked
