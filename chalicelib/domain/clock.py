"""UTC timestamps as ISO 8601 with `Z`. Domain functions take `now` as an argument;
the clock itself is read in `chalicelib.services.clock`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time


def iso(dt: datetime) -> str:
    dt = dt.astimezone(UTC)
    return f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}Z"


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def as_utc(value: datetime | date) -> datetime:
    """A date means the start of that day in UTC; a naive datetime is taken as UTC."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
    return datetime.combine(value, time(0, 0), tzinfo=UTC)
