"""UTC timestamps as ISO 8601 with `Z`. Domain functions take `now`; only services call `utcnow`."""

from __future__ import annotations

from datetime import date, datetime, time, timezone


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


def as_utc(value: datetime | date) -> datetime:
    """A date means the start of that day in UTC; a naive datetime is taken as UTC."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
    return datetime.combine(value, time(0, 0), tzinfo=timezone.utc)
