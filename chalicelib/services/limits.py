"""Rate limits, counted in DynamoDB (fixed windows, one conditional update per hit):
the one place sign-in, imports and anything else limit requests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ..domain.errors import TooManyRequests
from ..domain.limits import Limit
from ..store.earners import rate_full, rate_hit


def enforce(limits: Limit | Iterable[Limit], key: str, now: datetime, message: str,
            code: str = "rate_limited") -> None:
    """Count one request of `key` against `limits` (an hour's and a day's, say), the
    shortest window first, and stop at the first that is full: a refused request is
    counted nowhere else, and since the windows nest (an hour inside its day) each
    limit counts exactly the requests it let through. The 429 says when a request would
    next succeed (`Retry-After`): the end of the full window, or of a longer one that
    is full too. Counters expire a window after theirs ends."""
    at = int(now.timestamp())
    ordered = sorted([limits] if isinstance(limits, Limit) else limits, key=lambda limit: limit.window)
    for i, limit in enumerate(ordered):
        start = limit.window_start(at)
        if not rate_hit(limit.scope, key, start, limit.count, start + 2 * limit.window):
            waits = [limit.retry_after(at)] + [
                longer.retry_after(at) for longer in ordered[i + 1:]
                if rate_full(longer.scope, key, longer.window_start(at), longer.count)]
            raise TooManyRequests(message, code=code, retry_after=max(waits))
