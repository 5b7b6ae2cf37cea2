"""The one codec for what crosses a process boundary (pub/sub, the console's event stream, job payloads).

Each such message is a frozen dataclass registered under a tag with `@wire("tag")`. `encode` turns it
into plain JSON data, `{"type": tag, field: value, ...}`; `decode` reads it back into the same class,
converting fields by their annotations: nested dataclasses, datetimes (ISO 8601), tuples, optionals.
A field may be named differently on the wire (`field(metadata={"wire": "from"})`), so the shapes the
console and the docs know stay as they were. Keys a reader does not know are ignored.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import types
import typing
from typing import Any, Callable, TypeVar, Union

T = TypeVar("T")
TAGS: dict[str, type[Any]] = {}


class WireError(ValueError):
    """Data that is not a known message, or whose fields do not fit it."""


def wire(tag: str) -> Callable[[type[T]], type[T]]:
    """Register a frozen dataclass as the message `tag`."""

    def register(cls: type[T]) -> type[T]:
        if not dataclasses.is_dataclass(cls) or not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            raise TypeError(f"{cls.__name__}: a wire message is a frozen dataclass")
        if TAGS.get(tag, cls) is not cls:
            raise ValueError(f"wire tag {tag!r} is registered twice")
        TAGS[tag] = cls
        cls.wire_tag = tag  # type: ignore[attr-defined]
        return cls

    return register


def tag_of(message: Any) -> str:
    tag = getattr(type(message), "wire_tag", None)
    if tag is None:
        raise WireError(f"{type(message).__name__} is not a registered wire message")
    return str(tag)


def encode(message: Any) -> dict[str, Any]:
    """A registered message as JSON data, its tag under "type"."""
    return {"type": tag_of(message), **_fields_out(message)}


def decode(data: dict[str, Any]) -> Any:
    """JSON data back into the registered message its "type" names."""
    cls = TAGS.get(str(data.get("type")))
    if cls is None:
        raise WireError(f"unknown message type {data.get('type')!r}")
    return _dataclass_in(cls, data)


def dumps(message: Any) -> str:
    return json.dumps(encode(message), ensure_ascii=False)


def loads(text: str | bytes) -> Any:
    return decode(json.loads(text))


def to_data(value: Any) -> Any:
    """Any value of a message field as JSON data (dataclasses without a tag, too)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _fields_out(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [to_data(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_data(v) for k, v in value.items()}
    return value


def from_data(cls: type[T], data: dict[str, Any]) -> T:
    """JSON data as a dataclass `cls` (for payloads whose class is known, without a tag)."""
    return _dataclass_in(cls, data)


def _fields_out(message: Any) -> dict[str, Any]:
    return {f.metadata.get("wire", f.name): to_data(getattr(message, f.name)) for f in dataclasses.fields(message)}


def _dataclass_in(cls: type[T], data: dict[str, Any]) -> T:
    if not isinstance(data, dict):
        raise WireError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        key = f.metadata.get("wire", f.name)
        if key in data:
            values[f.name] = _value_in(hints[f.name], data[key], f"{cls.__name__}.{f.name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise WireError(f"{cls.__name__}: missing field {key!r}")
    return cls(**values)


def _value_in(annotation: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        options = typing.get_args(annotation)
        if value is None and type(None) in options:
            return None
        for option in options:
            if option is not type(None):
                return _value_in(option, value, where)
    if annotation is Any or value is None:
        return value
    if origin is tuple:
        item = typing.get_args(annotation)[0] if typing.get_args(annotation) else Any
        return tuple(_value_in(item, v, where) for v in value)
    if origin is list:
        item = typing.get_args(annotation)[0] if typing.get_args(annotation) else Any
        return [_value_in(item, v, where) for v in value]
    if origin is dict:
        return dict(value)
    if annotation is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if annotation is dt.date:
        return dt.date.fromisoformat(value)
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return _dataclass_in(annotation, value)
    if annotation in (int, float, str, bool):
        try:
            return annotation(value)
        except (TypeError, ValueError) as exc:
            raise WireError(f"{where}: {value!r} is not {annotation.__name__}") from exc
    return value
