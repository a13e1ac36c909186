"""Opaque page cursors for listings.

A cursor is the DynamoDB `LastEvaluatedKey`, base64url-encoded. A cursor sent back
is checked against the partition the caller may read, so a forged cursor can never
point a query into another tenant's data (and never turns into a 500).

This is the one store module that raises a user-facing error (400 `invalid_cursor`):
the cursor is the caller's input, only the store knows what a key looks like, and
every listing answers a bad one the same way. Every other store function answers
False or None and leaves the error to the service (tests/unit/test_house_rules.py).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from ..domain.errors import BadRequest


def encode(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return encode_key(last_key)


def encode_key(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def decode(cursor: str | None, *, expected: dict[str, str], allowed_keys: set[str],
           prefixes: dict[str, str] | None = None) -> dict[str, Any] | None:
    """`expected`: attributes that must equal the caller's partition; `prefixes`:
    attributes that must start with the caller's own key prefix."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, TypeError):
        raise BadRequest("the cursor is not valid", code="invalid_cursor") from None
    if not isinstance(key, dict) or set(key) != allowed_keys:
        raise BadRequest("the cursor is not valid", code="invalid_cursor")
    for value in key.values():
        if not isinstance(value, dict) or set(value) != {"S"} or not isinstance(value["S"], str) or not value["S"]:
            raise BadRequest("the cursor is not valid", code="invalid_cursor")
    for name, value in expected.items():
        if key[name]["S"] != value:
            raise BadRequest("the cursor is not valid", code="invalid_cursor")
    for name, prefix in (prefixes or {}).items():
        if not key[name]["S"].startswith(prefix):
            raise BadRequest("the cursor is not valid", code="invalid_cursor")
    return key


def refuse() -> None:
    """A cursor that decoded but does not continue the query it was sent with."""
    raise BadRequest("the cursor is not valid", code="invalid_cursor")
