"""The hashing of the audit chain: one canonical JSON form, an event's digest, an entry's link hash."""
from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64  # what the first entry of the chain links to


# What `json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)` builds on
# every call (an encoder with these settings), built once: the same text, without a new encoder per value.
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def canonical(value: Any) -> str:
    """The one JSON text a value hashes as: sorted keys, no spaces, UTF-8 characters kept."""
    return _CANONICAL.encode(value)


def event_digest(conversation_id: str, seq: int, type_: str, actor: str, timestamp: float, data: dict[str, Any]) -> str:
    """The digest of one stored event: any change to a column of the row changes it."""
    body = canonical([conversation_id, seq, type_, actor, repr(float(timestamp)), data])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def link_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    """An entry's hash: its fields chained to the hash of the entry before it."""
    return hashlib.sha256((prev_hash + "\n" + canonical(fields)).encode("utf-8")).hexdigest()
