"""Placeholder replaced by issue 20's talent work before it lands."""

from __future__ import annotations

from ..domain.skills import IndexedProfile


def profile_changed(earner_id: str, view: IndexedProfile | None) -> None:
    """Put the earner into (or take them out of) this index."""
