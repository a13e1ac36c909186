"""Uptime probes, every minute, from each probe location: what customers use, checked by
content, not only by status code.

Per run, concurrently (a hung server costs one timeout, never the location's minute):
- each configured endpoint (`LAUREL_PROBE_URLS`, `/health` by default): HTTP 200;
- the canary credential's public verification page (services/canary.py): HTML that names
  the canary, says "Valid" and shows its credential id;
- its Open Badges 3.0 document: JSON whose `id` is that credential's URL, typed
  OpenBadgeCredential, with a credentialSubject holding the canary's achievement;
- its badge image on the asset base URL (the CDN): a PNG that decodes.

Each result is `{"url", "component", "ok", "status", "latency_ms", "error"}` (component:
verification, api, lms, wallet, mail or images). "An outage minute is one where no web
server answered any location" (issue 16): a location saw the minute up when any of the
app's endpoints answered correctly; the image CDN is not the app's web server (it answers
from the bucket when the app is down), so it is recorded for its component but does not
make a minute up.

Metric before storage: the Availability metric (per `location`) goes out in embedded
metric format (a log line, no API call) BEFORE the table write, so a failed write still
leaves the minute in CloudWatch (the probe-silence alarm counts those samples); the run
then raises `ProbeNotStored`, which fails the invocation (Lambda's Errors metric).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from html.parser import HTMLParser
from urllib.parse import urlsplit

from ..adapters import fetch
from ..config import get_settings
from ..domain.clock import iso
from ..store import ops as store
from . import clock

TIMEOUT_SECONDS = 5.0
# A user agent the crawler list knows ("probe" and "uptime"), so the canary's page views are
# counted as a crawler's, never as people's (domain/engagement.agent_class)
USER_AGENT = "Laurel-uptime-probe/1.0"
IMAGES = "images"


class ProbeNotStored(Exception):
    """The run's metrics went out but its minute could not be written to the table."""


def _policy() -> fetch.Policy:
    local = get_settings().is_local
    return fetch.Policy(allow_http=local, allow_private=local, timeout=TIMEOUT_SECONDS, max_bytes=512 * 1024,
                        max_redirects=2)


# ------------------------------------------------------------------ what a correct answer is

Check = Callable[[fetch.Fetched], str | None]  # None when the answer is right, else what is wrong


def _status_only(got: fetch.Fetched) -> str | None:
    return None if got.status == 200 else f"HTTP {got.status}"


_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})


class _PageText(HTMLParser):
    """The texts the check needs from a verification page: the status badge, the h1, the codes."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.found: dict[str, list[str]] = {"status": [], "h1": [], "code": []}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:  # never closed: it must not take the place of the element it sits in
            return
        classes = (dict(attrs).get("class") or "").split()
        self.stack.append("status" if tag == "span" and "status" in classes else tag)

    def handle_endtag(self, tag: str) -> None:
        if self.stack and tag not in _VOID:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.stack and self.stack[-1] in self.found and data.strip():
            self.found[self.stack[-1]].append(data.strip())


def page_check(credential_id: str, name: str) -> Check:
    def check(got: fetch.Fetched) -> str | None:
        if got.status != 200:
            return f"HTTP {got.status}"
        if got.content_type != "text/html":
            return f"not an HTML page ({got.content_type or 'no content type'})"
        parser = _PageText()
        parser.feed(got.body.decode("utf-8", "replace"))
        if name not in parser.found["h1"]:
            return f"the page does not name the credential {name!r}"
        if "Valid" not in parser.found["status"]:
            return f"the page does not say the credential is valid (status: {parser.found['status'][:1]})"
        if credential_id not in parser.found["code"]:
            return "the page does not show the credential's id"
        return None

    return check


def credential_check(url: str, name: str) -> Check:
    def check(got: fetch.Fetched) -> str | None:
        if got.status != 200:
            return f"HTTP {got.status}"
        try:
            doc = json.loads(got.body)
        except ValueError:
            return "the Open Badges 3.0 document is not JSON"
        if not isinstance(doc, dict):
            return "the Open Badges 3.0 document is not a JSON object"
        if doc.get("id") != url:
            return f"the document is another credential's ({str(doc.get('id'))[:120]!r})"
        if "OpenBadgeCredential" not in (doc.get("type") or []):
            return "the document is not an OpenBadgeCredential"
        subject = doc.get("credentialSubject")
        achievement = subject.get("achievement") if isinstance(subject, dict) else None
        if not isinstance(achievement, dict) or achievement.get("name") != name:
            return "the document's credentialSubject does not hold the canary's achievement"
        return None

    return check


def image_check(got: fetch.Fetched) -> str | None:
    if got.status != 200:
        return f"HTTP {got.status}"
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(got.body)) as img:
            if img.format != "PNG":
                return f"the badge image is {img.format}, not PNG"
            img.load()  # decodes every pixel: a truncated file fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return f"the badge image does not decode ({exc.__class__.__name__})"
    return None


# ------------------------------------------------------------------ targets


@dataclass(frozen=True)
class Target:
    url: str
    component: str
    check: Check = _status_only
    accept: str = "text/html,application/json,*/*"


def component_of(url: str) -> str:
    """A configured endpoint's component by its path (the status page's list)."""
    path = urlsplit(url).path
    if path.startswith(("/badges/", "/ob/", "/verify")):
        return "verification"
    if path.startswith("/hooks/"):
        return "lms"
    if path.startswith(("/wallet", "/signin")):
        return "wallet"
    return "api"


def targets(urls: Sequence[str] | None = None) -> list[Target]:
    """The configured endpoints, then the canary's page, document and image (when `urls` is
    given: only those, for a one-off check). Without a canary, the verification component
    fails with what to do: an unprobed verification page must not look healthy."""
    if urls is not None:
        return [Target(u, component_of(u)) for u in urls]
    from . import canary

    found = [Target(u, component_of(u)) for u in get_settings().probe_urls]
    try:
        c = canary.current()
    except Exception as exc:  # noqa: BLE001 - the table is unreachable: probe the rest, say why
        reason = f"the canary could not be looked up ({exc.__class__.__name__})"
        return [*found, Target("canary:unknown", "verification", lambda _: reason)]
    if c is None:
        return [*found, Target("canary:missing", "verification", lambda _: "no canary credential: run "
                               "`python -m chalicelib.cli canary` (or POST /ops/canary)")]
    found.append(Target(c["page_url"], "verification", page_check(c["credential_id"], c["name"]), "text/html"))
    found.append(Target(c["credential_url"], "verification", credential_check(c["credential_url"], c["name"]),
                        "application/ld+json"))
    if c["image_url"]:
        found.append(Target(c["image_url"], IMAGES, image_check, "image/png"))
    return found


def check(target: Target | str) -> dict:
    if isinstance(target, str):
        target = Target(target, component_of(target))
    start = clock.monotonic()
    status = None
    cached = False
    if target.url.startswith("canary:"):
        error = target.check(fetch.Fetched(target.url, 0, "", b""))
    else:
        try:
            got = fetch.fetch(target.url, _policy(), accept=target.accept, headers={"User-Agent": USER_AGENT})
            status, error = got.status, target.check(got)
            cached = served_by_cache(got.cache)
        except fetch.FetchError as exc:
            error = str(exc)[:200]
    return {"url": target.url, "component": target.component, "ok": error is None, "status": status,
            "latency_ms": round((clock.monotonic() - start) * 1000, 1), "error": error, "cached": cached}


def served_by_cache(x_cache: str) -> bool:
    """The CDN answered from its cache (CloudFront's `X-Cache: Hit from cloudfront`; it also
    serves a stale copy when the origin fails), so no web server answered this check. Only a
    miss or a refresh the origin answered (`Miss`, `RefreshHit`), or no CDN at all, counts."""
    value = x_cache.strip().lower()
    return bool(value) and not value.startswith(("miss", "refreshhit"))


def check_all(found: Sequence[Target]) -> list[dict]:
    """Every target at once; one that has not answered within twice the timeout (a server
    that accepts connections and never answers) is a failure, and the run does not wait."""
    if not found:
        return []
    pool = ThreadPoolExecutor(max_workers=len(found), thread_name_prefix="probe")
    try:
        futures = [pool.submit(check, t) for t in found]
        wait(futures, timeout=2 * TIMEOUT_SECONDS + 1)
        return [f.result() if f.done() else
                {"url": t.url, "component": t.component, "ok": False, "status": None,
                 "latency_ms": round((2 * TIMEOUT_SECONDS + 1) * 1000, 1),
                 "error": f"no answer within {2 * TIMEOUT_SECONDS + 1:.0f} s"}
                for t, f in zip(found, futures, strict=True)]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


# ------------------------------------------------------------------ one run


def run(now: datetime | None = None, urls: Sequence[str] | None = None, location: str | None = None) -> dict:
    now = (now or clock.utcnow()).replace(second=0, microsecond=0)
    location = location or get_settings().probe_location
    results = check_all(targets(urls))
    # "an outage minute is one where no web server answered any location": the app's endpoints decide,
    # and an answer the CDN gave from its cache is not a web server's (served_by_cache)
    app_results = [r for r in results if r["component"] != IMAGES]
    up = any(r["ok"] and not r.get("cached") for r in app_results)
    outage = bool(app_results) and not up
    _publish(results, outage, location)  # before the write: a failed write still leaves the metric
    try:
        store.record_probe(now, location, results, not outage)
    except Exception as exc:
        raise ProbeNotStored(f"probe of {iso(now)} at {location}: the table write failed "
                             f"({exc.__class__.__name__}); its metric was emitted") from exc
    # month to date over the minutes probed (maintenance exclusions are in the SLA ledger)
    seen = store.probe_minutes(now.replace(day=1, hour=0, minute=0), now + timedelta(minutes=1))
    mtd = 100.0 * (len(seen.probed) - len(seen.outage)) / max(len(seen.probed), 1)
    _publish_month_to_date(mtd)
    return {"minute": iso(now), "location": location, "outage": outage, "results": results,
            "month_to_date_availability": round(mtd, 4)}


def _publish(results: list[dict], outage: bool, location: str) -> None:
    """Availability 0/1 of this location's minute (dimension `location`: each location's
    samples are counted apart, so the probe-silence alarm sees one that stopped), then
    each endpoint's success and latency."""
    from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

    metrics = EphemeralMetrics(namespace="Laurel", service="probes")
    metrics.add_dimension(name="location", value=location[:250])
    metrics.add_metric(name="Availability", unit=MetricUnit.Count, value=0 if outage else 1)
    metrics.flush_metrics()
    for r in results:  # one EMF document per endpoint, so each carries its own dimension
        per_endpoint = EphemeralMetrics(namespace="Laurel", service="probes")
        per_endpoint.add_dimension(name="endpoint", value=r["url"][:250])
        per_endpoint.add_metric(name="EndpointSuccess", unit=MetricUnit.Count, value=1 if r["ok"] else 0)
        per_endpoint.add_metric(name="EndpointLatency", unit=MetricUnit.Milliseconds, value=r["latency_ms"])
        per_endpoint.flush_metrics()


def _publish_month_to_date(mtd: float) -> None:
    """Month to date over every location's minutes (read back from the table)."""
    from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

    metrics = EphemeralMetrics(namespace="Laurel", service="probes")
    metrics.add_metric(name="MonthToDateAvailability", unit=MetricUnit.Percent, value=mtd)
    metrics.flush_metrics()
