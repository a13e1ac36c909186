"""Uptime probes, every minute: each configured public endpoint with a short timeout.

A minute is an outage minute only when none of the endpoints answered correctly
(HTTP 200). One record per minute is stored; CloudWatch metrics go out through
Powertools Metrics in embedded metric format (a log line, no API call): availability
0/1, month-to-date availability, and per-endpoint success and latency.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from ..adapters import fetch
from ..config import get_settings
from ..domain.clock import iso
from ..store import ops as store
from . import clock


def _policy() -> fetch.Policy:
    local = get_settings().is_local
    return fetch.Policy(allow_http=local, allow_private=local, timeout=5.0, max_bytes=512 * 1024, max_redirects=2)


def check(url: str) -> dict:
    start = clock.monotonic()
    try:
        got = fetch.fetch(url, _policy(), accept="text/html,application/json,*/*")
        ok, status, error = got.status == 200, got.status, None
    except fetch.FetchError as exc:
        ok, status, error = False, None, str(exc)[:200]
    return {"url": url, "ok": ok, "status": status, "latency_ms": round((clock.monotonic() - start) * 1000, 1),
            "error": error}


def run(now: datetime | None = None, urls: Sequence[str] | None = None) -> dict:
    now = (now or clock.utcnow()).replace(second=0, microsecond=0)
    if urls is None:
        urls = get_settings().probe_urls
    results = [check(url) for url in urls]
    outage = bool(results) and not any(r["ok"] for r in results)
    minute = iso(now)
    store.record_probe(now, get_settings().probe_location, results, not outage)
    # month to date over the minutes probed (maintenance exclusions are in the SLA ledger)
    seen = store.probe_minutes(now.replace(day=1, hour=0, minute=0), now + timedelta(minutes=1))
    mtd = 100.0 * (len(seen.probed) - len(seen.outage)) / max(len(seen.probed), 1)
    _publish(results, outage, mtd)
    return {"minute": minute, "outage": outage, "results": results, "month_to_date_availability": round(mtd, 4)}


def _publish(results: list[dict], outage: bool, mtd: float) -> None:
    from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

    metrics = EphemeralMetrics(namespace="Laurel", service="probes")
    metrics.add_metric(name="Availability", unit=MetricUnit.Count, value=0 if outage else 1)
    metrics.add_metric(name="MonthToDateAvailability", unit=MetricUnit.Percent, value=mtd)
    metrics.flush_metrics()
    for r in results:  # one EMF document per endpoint, so each carries its own dimension
        per_endpoint = EphemeralMetrics(namespace="Laurel", service="probes")
        per_endpoint.add_dimension(name="endpoint", value=r["url"][:250])
        per_endpoint.add_metric(name="EndpointSuccess", unit=MetricUnit.Count, value=1 if r["ok"] else 0)
        per_endpoint.add_metric(name="EndpointLatency", unit=MetricUnit.Milliseconds, value=r["latency_ms"])
        per_endpoint.flush_metrics()
