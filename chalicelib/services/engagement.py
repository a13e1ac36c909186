"""Engagement: recording events where they happen (no AWS call) and aggregating them
out of band into counters. The flow is described in domain/engagement.py.

Recording functions take what the caller already holds (the credential item it read
for its own answer), so recording never adds a read either.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..adapters import event_log
from ..domain import engagement as domain
from ..domain.clock import parse_iso
from . import clock

CONFLICT_ATTEMPTS = 5


@dataclass(frozen=True)
class Visit:
    """What a public request says about its visitor: only classes are kept from it
    (person/crawler, a network), never the user agent or the address."""

    user_agent: str | None = None
    referer: str | None = None
    ref: str | None = None


def _own_host() -> str:
    from urllib.parse import urlsplit

    from ..config import get_settings

    return urlsplit(get_settings().public_base_url).hostname or ""


def _ids(item: Any) -> dict:
    return {"tenant_id": item.tenant_id, "template_id": item.template_id, "credential_id": item.credential_id}


def record_view(item: Any, visit: Visit) -> None:
    """A public page view of a shown credential (callers call it only after the
    publicity rule let the page be shown: a hidden credential's views are never
    counted, so counts cannot tell it from one never issued)."""
    agent = domain.agent_class(visit.user_agent)
    network = domain.referring_network(visit.ref, visit.referer, _own_host()) if agent == "person" else ""
    event_log.emit("view", now=clock.utcnow(), agent=agent, network=network, **_ids(item))


def record_image(item: Any, source: str | None) -> None:
    """A badge image load from an embed or an e-mail signature (`?ref=embed|signature`)."""
    if source := domain.image_source(source):
        event_log.emit("image", now=clock.utcnow(), network=source, **_ids(item))


def record(kind: str, item: Any, network: str = "") -> None:
    """An earner's action on a credential: share (with its network), linkedin_add,
    download; or a verification run of a Laurel credential (`verify`)."""
    event_log.emit(kind, now=clock.utcnow(), network=network, **_ids(item))


# ------------------------------------------------------------------ lifecycle


def _skills(item: Any) -> tuple[str, ...]:
    template = (getattr(item, "snapshot", None) or {}).get("template") or {}
    out = []
    for skill in template.get("skills") or []:
        label = skill.get("name") if isinstance(skill, dict) else skill
        if isinstance(label, str) and label.strip():
            out.append(label.strip()[:200])
    return tuple(dict.fromkeys(out))


def issued(item: Any, now: datetime | None = None) -> None:
    """A credential is issued once: its event's id is the credential's, so a bulk chunk
    redelivered after a partial write emits it again for every row and it counts once."""
    event_log.emit("issued", now=now or clock.utcnow(), event_id=f"issued-{item.credential_id}",
                   skills=_skills(item), **_ids(item))


def transition(kind: str, item: Any, from_status: str, now: datetime | None = None) -> None:
    """accepted, rejected, revoked or expired, from the status it left; an acceptance
    carries its seconds since issue (the time-to-accept histogram)."""
    now = now or clock.utcnow()
    if from_status == "pending" and kind != "expired" and getattr(item, "expired_notified_at", None):
        # the sweep's "expired" already took it out of pending (`pending_out` counts once)
        from_status = "expired"
    latency = None
    if kind == "accepted":
        issued_at = getattr(item, "issued_at", None) or getattr(item, "created_at", None)
        if issued_at:
            latency = max(0, int((now - parse_iso(issued_at)).total_seconds()))
    event_log.emit(kind, now=now, from_status=from_status or "", latency_s=latency, **_ids(item))


# ------------------------------------------------------------------ the aggregator


def aggregate_lines(lines: Iterable[dict]) -> dict:
    """Count a batch of event lines (other lines are ignored); redelivered events count
    once; events of an offboarded tenant (its kept credentials are still viewed) are
    not counted. Returns how many lines were events and how many were counted now."""
    from ..store import engagement as store

    events = [e for e in (domain.from_line(line) for line in lines) if e is not None]
    gone = store.departed(e.tenant_id for e in events) if events else set()
    batch = [(e.id, domain.contributions(e)) for e in events if e.tenant_id not in gone]
    counted = 0
    for attempt in range(CONFLICT_ATTEMPTS):
        try:
            counted += store.apply(batch, int(clock.utcnow().timestamp()))
            break
        except store.Busy:  # the chunks written before it are not counted again: their markers are there
            if attempt == CONFLICT_ATTEMPTS - 1:
                raise  # Lambda's retry of the delivery counts the rest, once
            clock.sleep(0.05 * 2 ** attempt)
    return {"events": len(events), "counted": counted}


def aggregate(awslogs_event: dict) -> dict:
    """The EngagementAggregator Lambda: one CloudWatch Logs subscription delivery."""
    return aggregate_lines(event_log.lines_of(awslogs_event))
