"""Hygiene of what any HTTP client sends, before a handler or the store sees it.

Two tools: `read_json` and `clean` for channels that take free-form JSON (they refuse what is not
JSON and clean what the database cannot hold), and `guard_request`, a dependency the app puts on
every route, which refuses with 4xx what no route can use: NUL and lone surrogates in the path,
the query or a typed JSON body, numbers that are not finite, and integers beyond the id columns.
PostgreSQL refuses all of these (JSONB has no NUL and no NaN; UTF-8 has no lone surrogates;
`integer` ends at 2**31 - 1), so letting them through turns a client's mistake into a 5xx.
"""
from __future__ import annotations

import json
import math
from typing import Any

from fastapi import HTTPException, Request

INT32_MAX = 2**31 - 1
MAX_JSON_DEPTH = 32
_NUL = "\x00"


class Refused(Exception):
    """The input is refused: answer `status` with `reason`."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _no_constant(name: str) -> Any:
    raise Refused(400, f"{name} is not a JSON number")


def read_json(body: bytes) -> Any:
    """Strict JSON (RFC 8259): UTF-8, no NaN/Infinity, integers of sane size, nesting of sane depth."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not valid UTF-8") from None
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # JSONDecodeError, and integers past Python's digit limit
        raise Refused(400, "body is not valid JSON") from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise Refused(400, f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
    return value


def _depth(value: Any) -> int:
    depth, level = 0, [value]
    while level:
        depth += 1
        if depth > MAX_JSON_DEPTH:
            return depth
        level = [v for item in level for v in (item.values() if isinstance(item, dict) else item if isinstance(item, list) else ())]
    return depth


def unsafe_text(text: str) -> bool:
    """True when `text` holds a NUL or a lone surrogate (nothing SQL or UTF-8 can store)."""
    return _NUL in text or any("\ud800" <= ch <= "\udfff" for ch in text)


def clean_string(text: str) -> str:
    """Drop NULs and replace lone surrogates with U+FFFD."""
    if not unsafe_text(text):
        return text
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text if ch != _NUL)


def clean(value: Any) -> Any:
    """A JSON value the database can store: strings and keys cleaned, non-finite numbers dropped to null."""
    if isinstance(value, str):
        return clean_string(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {clean_string(str(k)): clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


def _first_problem(value: Any, where: str) -> str | None:
    """Why a typed JSON body cannot be used, or None."""
    if isinstance(value, str):
        return f"{where} contains a NUL or a lone surrogate" if unsafe_text(value) else None
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return f"{where} is beyond the range of ids" if abs(value) > INT32_MAX else None
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{where} is not a finite number"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        if isinstance(key, str) and unsafe_text(key):
            return f"a key in {where} contains a NUL or a lone surrogate"
        problem = _first_problem(item, f"{where}.{key}")
        if problem:
            return problem
    return None


async def guard_request(request: Request) -> None:
    """Refuse (4xx with a reason) path, query and typed-body values no handler or table can hold."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and unsafe_text(value):
            raise HTTPException(400, f"path parameter {name!r} contains a NUL or a lone surrogate")
    for name, value in request.query_params.multi_items():
        if unsafe_text(name) or unsafe_text(value):
            raise HTTPException(400, f"query parameter {name!r} contains a NUL or a lone surrogate")
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    for param in dependant.path_params:
        if param.field_info.annotation is int:
            raw = request.path_params.get(param.name)
            try:
                number = int(raw) if raw is not None else 0
            except ValueError:
                continue  # FastAPI answers 422 for it
            if abs(number) > INT32_MAX:
                raise HTTPException(404, f"no such {param.name.removesuffix('_id')}: the id is out of range")
    if dependant.body_params and request.headers.get("content-type", "").startswith("application/json"):
        try:
            body = read_json(await request.body())
        except Refused as exc:
            raise HTTPException(exc.status, exc.reason) from None
        problem = _first_problem(body, "body")
        if problem:
            raise HTTPException(422, problem)
