"""JSON request bodies, read strictly: one function for every body Laurel parses (the
API's models via `http.parse_json`, bulk files, LMS hooks).

`json.loads` silently keeps the last of two equal keys (`{"email": "a", "email": "b"}`
is `{"email": "b"}`), while another parser on the way (a proxy, the sender's own
logging, a signature check) may keep the first: the same bytes would mean two things.
So an object with a key twice, at any depth, is refused, naming the key's path as the
API's other errors name fields (`evidence.0.url`). Pure: no framework, no I/O.
"""

from __future__ import annotations

import json
from typing import Any

from .domain.errors import BadRequest


class _Pairs(list):
    """An object's (key, value) pairs as parsed, before duplicates are checked."""


def _field(path: list[str]) -> str:
    return ".".join(path)


def _objects(value: Any, path: list[str]) -> Any:
    """Turn parsed pairs into dicts, refusing the first key seen twice."""
    if isinstance(value, _Pairs):
        out: dict[str, Any] = {}
        for key, item in value:
            if key in out:
                field = _field([*path, key])
                raise BadRequest(f"the key {field!r} appears more than once in the body", code="duplicate_key",
                                 details=[{"field": field, "problem": "appears more than once"}])
            out[key] = _objects(item, [*path, key])
        return out
    if isinstance(value, list):
        return [_objects(item, [*path, str(i)]) for i, item in enumerate(value)]
    return value


def loads(raw: bytes | str) -> Any:
    """The JSON value of `raw`; a 400 (`invalid_json`, `duplicate_key`) for anything
    that is not exactly one JSON value with unique keys."""
    try:
        return _objects(json.loads(raw, object_pairs_hook=_Pairs), [])
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise BadRequest("the body is not valid JSON", code="invalid_json") from None
