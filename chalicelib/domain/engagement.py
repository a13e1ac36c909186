"""Engagement analytics: the vocabulary of events and what each one counts. Pure.

How events flow (issue 15, item 1). The verification path must keep ONE DynamoDB read
and make no synchronous write, so nothing is counted where it happens: the code that
sees an event (a page view, a share click, a lifecycle transition) writes one JSON
line with `adapters/event_log.emit` and goes on. A separate consumer
(`services/engagement.aggregate`, the `EngagementAggregator` Lambda fed by CloudWatch
Logs subscription filters in AWS; a local thread reading a spool file under
`make run`) turns batches of lines into per-day counters (`store/engagement.py`).

- At-least-once: CloudWatch Logs redelivers a batch whose invocation failed, and the
  local feeder re-reads a spool chunk after a crash. Each event carries a random id;
  the store writes a marker per id in the same transaction as the counters, so a
  redelivered event is counted once.
- Nothing personal: an event holds the tenant, template and credential ids (opaque),
  the day, a kind and a class (person/crawler, a network name) — never an address,
  an IP, a user agent string or a name.

Metric names (the shared contract, /work/notes/i15_contract.md; every counter item is
a flat map of these to numbers, a missing one is 0):
lifecycle `issued accepted rejected revoked expired pending_out`, `accept_s.<bucket>`;
views `view.person view.crawler`, `ref.<network>`; `share.<network>`, `linkedin_add`,
`image.embed image.signature`, `download`, `verify`; `skill.<label>` (tenant-day and
platform-day items only).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import urlsplit

Counters = dict[str, int]

# where a person's view came from (`ref.<network>`)
NETWORKS = ("linkedin", "facebook", "x", "whatsapp", "xing", "ziprecruiter", "email", "embed", "other", "direct")
# where the wallet's share buttons lead (`share.<network>`)
SHARE_NETWORKS = ("linkedin", "facebook", "x", "whatsapp", "xing", "ziprecruiter", "email")
IMAGE_SOURCES = ("embed", "signature")

# the marker key of every event line: CloudWatch Logs' subscription filter pattern matches it
MARKER = "laurel_engagement"
MARKER_VERSION = 1

ACTIVITY = ("view", "share", "linkedin_add", "image", "download", "verify")
LIFECYCLE = ("issued", "accepted", "rejected", "revoked", "expired")
KINDS = ACTIVITY + LIFECYCLE
PENDING = "pending"

# Referer hosts of each network (a host is matched with its subdomains: m.facebook.com)
_REFERER_HOSTS = {
    "linkedin": ("linkedin.com", "lnkd.in"),
    "facebook": ("facebook.com", "fb.com", "fb.me", "messenger.com"),
    "x": ("x.com", "twitter.com", "t.co"),
    "whatsapp": ("whatsapp.com", "wa.me"),
    "xing": ("xing.com",),
    "ziprecruiter": ("ziprecruiter.com",),
    "email": ("mail.google.com", "outlook.live.com", "outlook.office.com", "outlook.office365.com",
              "mail.yahoo.com", "mail.proton.me"),
}

_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# ------------------------------------------------------------------ classification


@lru_cache(maxsize=1)
def _detector() -> Any:
    from crawlerdetect import CrawlerDetect  # maintained list of crawler user agents (no dependencies)

    return CrawlerDetect()


def agent_class(user_agent: str | None) -> str:
    """`person` or `crawler`. Link-preview fetchers (LinkedInBot, facebookexternalhit,
    Twitterbot, WhatsApp, Slackbot) are crawlers; a request without a user agent is a
    script, not a browser, so it is not counted as a person either."""
    ua = (user_agent or "").strip()
    if not ua:
        return "crawler"
    return "crawler" if _detector().isCrawler(ua[:1000]) else "person"


def referring_network(ref: str | None, referer: str | None, own_host: str = "") -> str:
    """The network a person came from. `ref=` (put by Laurel on the links it makes:
    share links, mail links, embeds) wins over the Referer header, which browsers
    often trim or drop; a `ref` Laurel does not know is `other` (never an error);
    no Referer (or one of Laurel's own pages) is `direct`; a host of no known network
    is `other`."""
    if ref is not None and ref != "":
        value = ref.strip().lower()
        return value if value in NETWORKS else "other"
    if not referer:
        return "direct"
    try:
        host = (urlsplit(referer.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return "other"
    if not host:
        return "other"
    if own_host and host == own_host.lower():
        return "direct"
    for network, hosts in _REFERER_HOSTS.items():
        if any(host == h or host.endswith("." + h) for h in hosts):
            return network
    return "other"


def share_network(value: str | None) -> str | None:
    """A wallet share button's network, or None for one Laurel does not offer."""
    v = (value or "").strip().lower()
    return v if v in SHARE_NETWORKS else None


def image_source(value: str | None) -> str | None:
    """`embed` or `signature` for an image load from one of Laurel's snippets, else None
    (an image load from anywhere else is not counted)."""
    v = (value or "").strip().lower()
    return v if v in IMAGE_SOURCES else None


# ------------------------------------------------------------------ time to accept


_BASE = 1.05  # buckets ~5 % wide: the median read from the histogram is within ~2.5 %


def latency_bucket(seconds: float) -> int:
    """The histogram bucket of a duration: 0 for under a second, else the b with
    1.05**(b-1) <= seconds < 1.05**b."""
    if seconds < 1:
        return 0
    return int(math.floor(math.log(seconds) / math.log(_BASE))) + 1


def bucket_seconds(bucket: int) -> float:
    """The representative duration of a bucket (its geometric middle; 0.5 s for bucket 0)."""
    if bucket <= 0:
        return 0.5
    return float(_BASE ** (bucket - 0.5))


# ------------------------------------------------------------------ events


@dataclass(frozen=True)
class Event:
    """One thing that happened to a credential. `network`: the referring network of a
    view, a share's network or an image's source; `agent`: person/crawler (views);
    `from_status`: the status a lifecycle transition left; `latency_s`: issue to
    accept; `skills`: the skill labels of an issued credential."""

    id: str
    kind: str
    tenant_id: str
    template_id: str
    credential_id: str
    day: str
    agent: str = ""
    network: str = ""
    from_status: str = ""
    latency_s: int | None = None
    skills: tuple[str, ...] = field(default_factory=tuple)

    def line(self) -> dict:
        """The JSON log line (the marker key first; empty fields left out)."""
        out: dict[str, Any] = {MARKER: MARKER_VERSION, "id": self.id, "kind": self.kind, "tenant_id": self.tenant_id,
                               "template_id": self.template_id, "credential_id": self.credential_id, "day": self.day}
        for name in ("agent", "network", "from_status"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.latency_s is not None:
            out["latency_s"] = self.latency_s
        if self.skills:
            out["skills"] = list(self.skills)
        return out


def from_line(data: Mapping[str, Any]) -> Event | None:
    """The event of a log line, or None for any other line or a malformed one (a log
    group carries every line the function wrote: only ours, well formed, count)."""
    if not isinstance(data, Mapping) or data.get(MARKER) != MARKER_VERSION:
        return None
    kind = data.get("kind")
    ids = [v if isinstance(v := data.get(k), str) else "" for k in ("id", "tenant_id", "template_id", "credential_id")]
    if not isinstance(kind, str) or kind not in KINDS or not all(_ID.match(v) for v in ids):
        return None
    day = data.get("day")
    if not isinstance(day, str) or not _DAY.match(day):
        return None
    latency = data.get("latency_s")
    skills = data.get("skills") or []
    if latency is not None and not (isinstance(latency, int) and latency >= 0):
        return None
    if not isinstance(skills, list) or not all(isinstance(s, str) and 0 < len(s) <= 200 for s in skills):
        return None
    strings = {k: data.get(k) or "" for k in ("agent", "network", "from_status")}
    if not all(isinstance(v, str) and len(v) <= 40 for v in strings.values()):
        return None
    return Event(id=ids[0], kind=kind, tenant_id=ids[1], template_id=ids[2], credential_id=ids[3], day=day,
                 latency_s=latency, skills=tuple(dict.fromkeys(skills)), **strings)


def activity_metrics(e: Event) -> Counters:
    """What an activity event adds to a credential's totals (and to every other level)."""
    if e.kind == "view":
        if e.agent != "person":
            return {"view.crawler": 1}
        network = e.network if e.network in NETWORKS else "other"
        return {"view.person": 1, f"ref.{network}": 1}
    if e.kind == "share":
        return {f"share.{e.network}": 1} if e.network in SHARE_NETWORKS else {}
    if e.kind == "image":
        return {f"image.{e.network}": 1} if e.network in IMAGE_SOURCES else {}
    if e.kind in ("linkedin_add", "download", "verify"):
        return {e.kind: 1}
    return {}


def lifecycle_metrics(e: Event) -> Counters:
    """What a transition adds: its own counter, `pending_out` when it left `pending`
    (accepted, rejected, revoked or expired while pending), the time-to-accept bucket."""
    if e.kind not in LIFECYCLE:
        return {}
    out = {e.kind: 1}
    if e.kind != "issued" and e.from_status == PENDING:
        out["pending_out"] = 1
    if e.kind == "accepted" and e.latency_s is not None:
        out[f"accept_s.{latency_bucket(e.latency_s)}"] = 1
    return out


class Scope(NamedTuple):
    """One counter item: `level` is tenant_day, template_day, tenant_total, credential or platform_day."""

    level: str
    tenant_id: str = ""
    day: str = ""
    template_id: str = ""
    credential_id: str = ""


def contributions(e: Event) -> list[tuple[Scope, Counters]]:
    """Every counter item an event adds to, with what it adds. Activity counts at every
    level (credential totals included); lifecycle at every level but the credential;
    skills only on the tenant's day and the platform's day."""
    activity, lifecycle = activity_metrics(e), lifecycle_metrics(e)
    counts = {**activity, **lifecycle}
    if not counts:
        return []
    skills = {f"skill.{s}": 1 for s in e.skills} if e.kind == "issued" else {}
    out = [
        (Scope("tenant_day", e.tenant_id, e.day), {**counts, **skills}),
        (Scope("template_day", e.tenant_id, e.day, e.template_id), dict(counts)),
        (Scope("tenant_total", e.tenant_id), dict(counts)),
        (Scope("platform_day", day=e.day), {**counts, **skills}),
    ]
    if activity:
        out.append((Scope("credential", e.tenant_id, credential_id=e.credential_id), dict(activity)))
    return out


def merge(into: Counters, more: Mapping[str, int]) -> Counters:
    for k, v in more.items():
        into[k] = into.get(k, 0) + v
    return into
