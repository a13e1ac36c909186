"""What a warm container keeps between requests, and for how long.

Issuance used to read the signing keys and the tenant's webhook endpoints on every
call. Both change rarely and by an explicit action, so a container keeps them for a
short time (`TTL_SECONDS`); the container that makes the change forgets its copy at
once, and any other container sees it within the TTL. `clear()` empties every cache
(a fresh embedded AWS in tests is a new deployment).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from cachetools import TTLCache

from . import clock

T = TypeVar("T")

_ALL: list[TTLCache] = []
_RESETS: list[Callable[[], Any]] = []
_LOCK = threading.Lock()


def ttl_cache(maxsize: int, ttl: float) -> TTLCache:
    """A cache whose entries expire `ttl` seconds after they were stored (on the one clock)."""
    cache: TTLCache = TTLCache(maxsize=maxsize, ttl=ttl, timer=lambda: clock.monotonic())
    _ALL.append(cache)
    return cache


def get_or_load(cache: TTLCache, key: Hashable, load: Callable[[], T]) -> T:
    with _LOCK:
        if key in cache:
            return cache[key]
    value = load()
    with _LOCK:
        cache[key] = value
    return value


def forget(cache: TTLCache, key: Hashable) -> None:
    with _LOCK:
        cache.pop(key, None)


def clear() -> None:
    with _LOCK:
        for cache in _ALL:
            cache.clear()
    for reset in _RESETS:
        reset()



def on_clear(reset: Callable[[], Any]) -> Callable[[], Any]:
    """Register other per-process state that `clear` must reset too."""
    _RESETS.append(reset)
    return reset
