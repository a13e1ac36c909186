"""The one place that reads the clock (domain code takes `now` as an argument)."""

from __future__ import annotations

from datetime import datetime, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def utcnow_precise() -> datetime:
    """Now with microseconds: for records that must sort in the order they happened (the audit log)."""
    return datetime.now(timezone.utc)
