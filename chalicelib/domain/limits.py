"""Fixed-window rate limits: how many requests a key (an address, a mailbox) may make
per window. Pure: the caller passes `now` (Unix seconds); services/limits.py counts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    scope: str  # the counter's name (also part of its key: RATE#<scope>#<key>)
    count: int  # requests allowed per window
    window: int  # seconds; windows start at multiples of it (UTC midnight for a day)

    def window_start(self, now: int) -> int:
        return now - now % self.window

    def retry_after(self, now: int) -> int:
        """Seconds until the current window ends (when the limit frees again)."""
        return self.window_start(now) + self.window - now
