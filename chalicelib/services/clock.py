"""The one place that reads the clock (domain code takes `now` as an argument).

Services call these through the module (`from . import clock`, `clock.utcnow()`), so
a test that moves time patches this module once and every service follows.

Wall time: `utcnow` (and what derives from it: `utcnow_precise` for ordering,
`unix_seconds` for signature timestamps). Elapsed time: `monotonic` for durations and
deadlines, which must not jump when the wall clock is set; `sleep` to wait.

Adapters do not import services (DESIGN.md's layers), and none needs the clock: the
outbound webhook POST bounds its exchange with a timer thread (`threading.Timer`)
rather than by reading the time.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def utcnow_precise() -> datetime:
    """Now with microseconds: for records that must sort in the order they happened (the audit log)."""
    return datetime.now(UTC)


def unix_seconds() -> int:
    """Now as whole seconds since the epoch (webhook and LMS signature timestamps);
    the same clock as `utcnow`."""
    return int(utcnow().timestamp())


def monotonic() -> float:
    """Seconds from an arbitrary start, never going back: durations and deadlines."""
    return time.monotonic()


def sleep(seconds: float) -> None:
    if seconds > 0:
        time.sleep(seconds)
